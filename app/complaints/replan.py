"""Stored deadlines follow the calendar: recount every open case's clocks after the calendar changed.

An override set or deleted, a year's arrangement imported, a `holidays` upgrade that adds a year's
notice: any of them can move a day that a stored deadline was counted over. `replan` counts every open
clock again from what the row keeps (`starts_at`, `basis` = unit and amount) on the current calendar.
A clock whose due date moves gets the new date and a timeline event (old date, new date, why), shown to
the consumer too, since the consumer sees every deadline; a warning or escalation already sent for the
old date is cleared when the new date is still ahead, so the sweeps act on the new one. A clock whose
date stays but whose "uncertain" flag changes (a notice entered) is updated without an event. Running
it again changes nothing.

The CLI replans after every override and import; the worker replans once per installed version of the
holiday data (`after_library_upgrade`), so a `holidays` upgrade carrying a new year's notice reaches
stored deadlines without anyone running `flask calendar replan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.calendar import workcal
from app.complaints import deadlines
from app.complaints.flow import Actor, record
from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintDeadline
from app.complaints.texts import DEADLINE_WORDS
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.core.texts import CALENDAR
from app.core.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class Move:
    number: str
    kind: str
    old_due_at: dt.datetime
    new_due_at: dt.datetime
    old_text: str  # the due day as people read it
    new_text: str
    uncertain: bool  # the new date's flag


def replan(why: str, *, dry_run: bool = False, now: dt.datetime | None = None) -> list[Move]:
    """Recount every open clock on the current calendar; returns the due dates that move.

    `why` is the reason people read on the timeline ("录入 2027 年放假安排"). With `dry_run` nothing
    is written. The caller commits.
    """
    now = now or utcnow()
    cal = workcal.load()
    rows = db.session.scalars(
        sa.select(ComplaintDeadline)
        .join(Complaint)
        .where(
            Complaint.status.in_(OPEN_STATUSES),
            ComplaintDeadline.met_at.is_(None),
            ComplaintDeadline.cancelled_at.is_(None),
            ComplaintDeadline.starts_at.is_not(None),
        )
        .options(selectinload(ComplaintDeadline.complaint))
        .order_by(ComplaintDeadline.complaint_id, ComplaintDeadline.id)
    )
    moves = []
    for row in rows:
        deadline = deadlines.recompute(row, cal)
        if deadline is None:
            continue
        old_due_at = as_utc(row.due_at)
        if deadline.ends_at == old_due_at:
            if not dry_run:
                row.uncertain = deadline.uncertain
            continue
        old_text = deadlines.when_words(row, now, year=True)  # stored in the timeline
        new = deadlines.Planned.of(row.kind, deadline, row.rule, row.starts_at)
        move = Move(
            row.complaint.number,
            row.kind,
            old_due_at,
            new.due_at,
            old_text,
            deadlines.when_words(new, now, year=True),
            deadline.uncertain,
        )
        moves.append(move)
        if not dry_run:
            _apply(row, move, why, now)
    db.session.flush()
    return moves


def _apply(row: ComplaintDeadline, move: Move, why: str, now: dt.datetime) -> None:
    row.due_at, row.uncertain = move.new_due_at, move.uncertain
    if move.new_due_at > now:  # the sweeps warn and escalate again, on the new date
        row.warned_at = row.escalated_at = None
    record(
        row.complaint,
        Actor.system(),
        "deadline_moved",
        reason_code=f"moved_{row.kind}",
        text=DEADLINE_WORDS["moved"].format(
            deadline=deadlines.label(row.kind), old=move.old_text, new=move.new_text, why=why
        ),
        data={
            "deadline": row.kind,
            "old_due_at": move.old_due_at.isoformat(),
            "new_due_at": move.new_due_at.isoformat(),
            "reason": why,
        },
        now=now,
    )


def after_library_upgrade(now: dt.datetime | None = None) -> list[Move] | None:
    """Replan once for the installed holiday data (`workcal.LIBRARY_VERSION`); None when already done.

    One process claims the version in Redis (SET NX), so two workers never replan it twice; a failed
    run releases the claim and the next tick tries again. Commits its own transaction.
    """
    key = f"calendar:replanned:{workcal.LIBRARY_VERSION}"
    redis = get_redis()
    if not redis.set(key, utcnow().isoformat(), nx=True):
        return None
    try:
        moves = replan(CALENDAR["why_library"].format(year=max(workcal.NOTICE_YEARS)), now=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        redis.delete(key)
        raise
    return moves
