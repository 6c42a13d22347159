"""Periodic sweeps over complaints: missed deadlines, merchant time-outs, auto-close, content checks.

Each sweep is idempotent: a missed deadline is escalated once (its `escalated_at` is set in the same
transaction as the timeline event and the alerts), and rows are locked with SKIP LOCKED on
PostgreSQL so two workers never handle the same one.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.calendar import workcal
from app.complaints import deadlines, flow, states
from app.complaints.flow import Actor, due_text, record
from app.complaints.models import Complaint, ComplaintDeadline, Status
from app.complaints.texts import EVENTS
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.notifications import notify
from app.staff.models import StaffRole

MERCHANT_KINDS = ("merchant_reply", "merchant_settle")


def escalate_missed(now: dt.datetime | None = None) -> int:
    """Escalate every missed deadline once; a missed merchant deadline moves the case to the station."""
    now = now or utcnow()
    handled = 0
    for row in deadlines.missed(now):
        complaint = row.complaint
        row.escalated_at = now
        handled += 1
        if not complaint.is_open:
            continue
        if row.kind in MERCHANT_KINDS:
            if complaint.status == Status.MERCHANT_NEGOTIATING:
                flow.to_station(complaint, Actor.system(), states.MERCHANT_TIMEOUT)
            continue
        label = deadlines.label(row.kind)
        event = record(
            complaint,
            Actor.system(),
            "escalated",
            reason_code=f"missed_{row.kind}",
            text=EVENTS["escalated"].format(deadline=label),
            data={"deadline": row.kind, "due_at": row.due_at.isoformat()},
            now=now,
        )
        summary = f"已超期：{label}"[:20]
        notify.staff_alert(
            complaint,
            complaint.station,
            event.id,
            template=notify.STAFF_DEADLINE,
            summary=summary,
            stand_in=False,  # the parent's supervisors are alerted just below
        )
        parent = complaint.station.parent
        if parent is not None:
            notify.staff_alert(
                complaint,
                parent,
                event.id,
                template=notify.STAFF_DEADLINE,
                summary=f"督办：{label}"[:20],
                roles=(StaffRole.SUPERVISOR,),
            )
    db.session.flush()
    return handled


def warn_approaching(now: dt.datetime | None = None) -> int:
    """Alert the station's handlers once when a deadline has fewer than N working hours left.

    N is `DEADLINE_WARNING_WORKING_HOURS` (4 by default). Merchant clocks alert the merchant's station
    too: the station sees merchant-first cases from the start.
    """
    now = now or utcnow()
    hours = float(current_app.config.get("DEADLINE_WARNING_WORKING_HOURS", 4))
    cal = workcal.load()
    query = (
        sa.select(ComplaintDeadline)
        .where(
            ComplaintDeadline.due_at > now,
            ComplaintDeadline.due_at < now + dt.timedelta(days=7),
            ComplaintDeadline.met_at.is_(None),
            ComplaintDeadline.cancelled_at.is_(None),
            ComplaintDeadline.warned_at.is_(None),
        )
        .order_by(ComplaintDeadline.due_at)
        .limit(500)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    warned = 0
    for row in db.session.scalars(query):
        if workcal.working_hours_left(now, row.due_at, cal=cal) > dt.timedelta(hours=hours):
            continue
        complaint = row.complaint
        row.warned_at = now
        if not complaint.is_open:
            continue
        label = deadlines.label(row.kind)
        event = record(
            complaint,
            Actor.system(),
            "deadline_warning",
            reason_code=f"approaching_{row.kind}",
            text=f"“{label}”即将到期，已提醒站点工作人员。",
            visible=False,
            data={"deadline": row.kind, "due_at": row.due_at.isoformat()},
            now=now,
        )
        notify.staff_alert(
            complaint,
            complaint.station,
            event.id,
            template=notify.STAFF_DEADLINE,
            summary=f"即将到期：{label}"[:20],
            due_text=due_text(complaint, row.kind),
            roles=(StaffRole.HANDLER,),
        )
        warned += 1
    db.session.flush()
    return warned


def auto_close(now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=flow.AUTO_CLOSE_DAYS)
    rows = db.session.scalars(
        sa.select(Complaint)
        .where(Complaint.status == Status.RESOLVED, Complaint.resolved_at < cutoff)
        .limit(500)
    ).all()
    return sum(1 for c in rows if flow.auto_close(c, now) is not None)
