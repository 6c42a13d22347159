"""Stored deadlines of a complaint: create them from the rule set, meet them, sweep the missed ones."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import Complaint, ComplaintDeadline
from app.services import rulesets, workcal
from app.services.workcal import Deadline
from app.timeutil import today_cn


def add(complaint: Complaint, kind: str, deadline: Deadline) -> ComplaintDeadline:
    """Store (or replace, while unmet) the deadline `kind` of the complaint."""
    row = next((d for d in complaint.deadlines if d.kind == kind), None)
    if row is None:
        row = ComplaintDeadline(kind=kind)
        complaint.deadlines.append(row)
    row.due_at = deadline.ends_at
    row.basis = f"{deadline.basis}:{deadline.n}"
    row.uncertain = deadline.uncertain
    row.met_at = None
    row.cancelled_at = None
    row.warned_at = None
    row.escalated_at = None
    return row


def meet(complaint: Complaint, now: dt.datetime, *kinds: str) -> None:
    for row in complaint.deadlines:
        if row.kind in kinds and row.met_at is None and row.cancelled_at is None:
            row.met_at = now


def cancel_open(complaint: Complaint, now: dt.datetime, *, except_kinds: tuple[str, ...] = ()) -> None:
    for row in complaint.deadlines:
        if row.met_at is None and row.cancelled_at is None and row.kind not in except_kinds:
            row.cancelled_at = now


def open_rows(complaint: Complaint) -> list[ComplaintDeadline]:
    return [d for d in complaint.deadlines if d.met_at is None and d.cancelled_at is None]


def station_clocks(complaint: Complaint, received_at: dt.datetime) -> None:
    """The station's clocks, started when the case reaches it (at filing, or after the merchant)."""
    rules = rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)
    cal = workcal.load()  # one read of the override table for all of this complaint's clocks
    small = rules.is_small_dispute(complaint.amount)
    first = "small_dispute_first_response" if small else "station_first_response"
    add(complaint, "first_response", rules.deadline(first, received_at, cal=cal))
    if complaint.kind.value == "report":
        add(complaint, "clue_verification", rules.deadline("clue_verification", received_at, cal=cal))
        return
    add(complaint, "accept_decline", rules.deadline("accept_decline", received_at, cal=cal))
    if small:
        add(complaint, "small_dispute_close", rules.deadline("small_dispute_close", received_at, cal=cal))
    add(complaint, "ordinary_close", rules.deadline("ordinary_close", received_at, cal=cal))


def merchant_clocks(complaint: Complaint, filed_at: dt.datetime) -> None:
    rules = rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)
    cal = workcal.load()
    add(complaint, "merchant_reply", rules.deadline("merchant_first_reply", filed_at, cal=cal))
    add(complaint, "merchant_settle", rules.deadline("merchant_settlement", filed_at, cal=cal))


def mediation_clock(complaint: Complaint) -> None:
    """Mediation runs from acceptance; time suspended for testing does not count (Art. 22)."""
    rules = rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)
    accepted_on = today_cn(complaint.accepted_at)
    add(complaint, "mediation", rules.deadline("mediation", accepted_on, excluded=complaint.suspended_days))


def missed(now: dt.datetime, limit: int = 500) -> list[ComplaintDeadline]:
    """Unmet, uncancelled, not yet escalated deadlines that ran out, locked for this sweep."""
    query = (
        sa.select(ComplaintDeadline)
        .where(
            ComplaintDeadline.due_at < now,
            ComplaintDeadline.met_at.is_(None),
            ComplaintDeadline.cancelled_at.is_(None),
            ComplaintDeadline.escalated_at.is_(None),
        )
        .order_by(ComplaintDeadline.due_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def serialise(row: ComplaintDeadline, now: dt.datetime) -> dict:
    from app.texts_complaints import DEADLINE_KINDS

    return {
        "kind": row.kind,
        "label": DEADLINE_KINDS.get(row.kind, row.kind),
        "due_at": row.due_at.isoformat(),
        "uncertain": row.uncertain,
        "met": row.met_at is not None,
        "overdue": row.met_at is None and row.cancelled_at is None and row.due_at < now,
        "cancelled": row.cancelled_at is not None,
    }
