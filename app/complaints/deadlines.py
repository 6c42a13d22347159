"""Stored deadlines of a complaint: create them from the rule set, meet them, sweep the missed ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.calendar import rulesets, workcal
from app.calendar.workcal import Deadline
from app.complaints.models import Complaint, ComplaintDeadline
from app.complaints.texts import DEADLINE_KINDS
from app.core.extensions import db
from app.core.timeutil import today_cn


@dataclass(frozen=True)
class Planned:
    """A deadline about to be stored (the filing writes these with Core; `serialise` reads them too)."""

    kind: str
    due_at: dt.datetime
    basis: str
    uncertain: bool
    met_at: None = None
    cancelled_at: None = None

    @classmethod
    def of(cls, kind: str, deadline: Deadline) -> Planned:
        return cls(kind, deadline.ends_at, f"{deadline.basis}:{deadline.n}", deadline.uncertain)

    def values(self) -> dict:
        return {"kind": self.kind, "due_at": self.due_at, "basis": self.basis, "uncertain": self.uncertain}


def add(complaint: Complaint, kind: str, deadline: Deadline) -> ComplaintDeadline:
    """Store (or replace, while unmet) the deadline `kind` of the complaint."""
    return _put(complaint, Planned.of(kind, deadline))


def _put(complaint: Complaint, planned: Planned) -> ComplaintDeadline:
    row = next((d for d in complaint.deadlines if d.kind == planned.kind), None)
    if row is None:
        row = ComplaintDeadline(kind=planned.kind)
        complaint.deadlines.append(row)
    row.due_at, row.basis, row.uncertain = planned.due_at, planned.basis, planned.uncertain
    row.met_at = row.cancelled_at = row.warned_at = row.escalated_at = None
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


def station_plan(
    rules: rulesets.RuleSet, kind: str, amount, received_at: dt.datetime, cal: workcal.WorkCalendar
) -> list[Planned]:
    """The station's clocks for a complaint of `kind` ("complaint" | "report") received at `received_at`."""
    small = rules.is_small_dispute(amount)
    keys = [("first_response", "small_dispute_first_response" if small else "station_first_response")]
    if kind == "report":
        keys.append(("clue_verification", "clue_verification"))
    else:
        keys.append(("accept_decline", "accept_decline"))
        if small:
            keys.append(("small_dispute_close", "small_dispute_close"))
        keys.append(("ordinary_close", "ordinary_close"))
    return [Planned.of(name, rules.deadline(key, received_at, cal=cal)) for name, key in keys]


def merchant_plan(rules: rulesets.RuleSet, filed_at: dt.datetime, cal: workcal.WorkCalendar) -> list[Planned]:
    return [
        Planned.of("merchant_reply", rules.deadline("merchant_first_reply", filed_at, cal=cal)),
        Planned.of("merchant_settle", rules.deadline("merchant_settlement", filed_at, cal=cal)),
    ]


def _store_plan(complaint: Complaint, plan: list[Planned]) -> None:
    for planned in plan:
        _put(complaint, planned)


def station_clocks(complaint: Complaint, received_at: dt.datetime) -> None:
    """The station's clocks, started when the case reaches it (at filing, or after the merchant)."""
    rules = rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)
    cal = workcal.load()  # one read of the override table for all of this complaint's clocks
    _store_plan(complaint, station_plan(rules, complaint.kind.value, complaint.amount, received_at, cal))


def merchant_clocks(complaint: Complaint, filed_at: dt.datetime) -> None:
    rules = rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)
    _store_plan(complaint, merchant_plan(rules, filed_at, workcal.load()))


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
    return {
        "kind": row.kind,
        "label": DEADLINE_KINDS.get(row.kind, row.kind),
        "due_at": row.due_at.isoformat(),
        "uncertain": row.uncertain,
        "met": row.met_at is not None,
        "overdue": row.met_at is None and row.cancelled_at is None and row.due_at < now,
        "cancelled": row.cancelled_at is not None,
    }
