"""Stored deadlines of a complaint: create them from the rule set, meet them, sweep the missed ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.calendar import rulesets, workcal
from app.calendar.workcal import Basis, Deadline, WorkCalendar
from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintDeadline, Status
from app.complaints.texts import DEADLINE_KIND_UNKNOWN, DEADLINE_KINDS
from app.complaints.texts import DEADLINE_WORDS as W
from app.core.extensions import db
from app.core.texts import CALENDAR
from app.core.timeutil import CHINA, as_utc, today_cn


@dataclass(frozen=True)
class Planned:
    """A deadline about to be stored (the filing writes these with Core; `serialise` reads them too)."""

    kind: str
    due_at: dt.datetime
    basis: str
    uncertain: bool
    starts_at: dt.datetime  # the instant the clock started; day limits count from its China date
    rule: str  # the rule set's key, e.g. "station_first_response"
    met_at: None = None
    cancelled_at: None = None

    @classmethod
    def of(cls, kind: str, deadline: Deadline, rule: str, starts_at: dt.datetime) -> Planned:
        basis = f"{deadline.basis}:{deadline.n}"
        return cls(kind, deadline.ends_at, basis, deadline.uncertain, starts_at, rule)

    def values(self) -> dict:
        return {
            "kind": self.kind,
            "due_at": self.due_at,
            "basis": self.basis,
            "uncertain": self.uncertain,
            "starts_at": self.starts_at,
            "rule": self.rule,
        }


def recompute(row: ComplaintDeadline | Planned, cal: WorkCalendar) -> Deadline | None:
    """The deadline `row` stands for, counted again on `cal`; None when it cannot move (wall-clock
    hours) or its start was not kept (stored before it was)."""
    if row.starts_at is None:
        return None
    unit, _, n = row.basis.partition(":")
    if unit == Basis.HOURS:
        return None
    return cal.count(unit, as_utc(row.starts_at), int(n))


def add(
    complaint: Complaint, kind: str, deadline: Deadline, rule: str, starts_at: dt.datetime
) -> ComplaintDeadline:
    """Store (or replace, while unmet) the deadline `kind` of the complaint."""
    return _put(complaint, Planned.of(kind, deadline, rule, starts_at))


def _put(complaint: Complaint, planned: Planned) -> ComplaintDeadline:
    row = next((d for d in complaint.deadlines if d.kind == planned.kind), None)
    if row is None:
        row = ComplaintDeadline(kind=planned.kind)
        complaint.deadlines.append(row)
    row.due_at, row.basis, row.uncertain = planned.due_at, planned.basis, planned.uncertain
    row.starts_at, row.rule = planned.starts_at, planned.rule
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
    return [
        Planned.of(name, rules.deadline(key, received_at, cal=cal), key, received_at) for name, key in keys
    ]


def merchant_plan(rules: rulesets.RuleSet, filed_at: dt.datetime, cal: workcal.WorkCalendar) -> list[Planned]:
    return [
        Planned.of(kind, rules.deadline(key, filed_at, cal=cal), key, filed_at)
        for kind, key in (
            ("merchant_reply", "merchant_first_reply"),
            ("merchant_settle", "merchant_settlement"),
        )
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


def _rules(complaint: Complaint) -> rulesets.RuleSet:
    return rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)


def verification_clock(
    complaint: Complaint, received_at: dt.datetime, *, extended: bool = False
) -> ComplaintDeadline:
    """A report's clue verification (Order 121 Art. 27): from `received_at` (the filing, or the latest
    report of new facts, Art. 35), with the approved extension when `extended`."""
    deadline = _rules(complaint).deadline("clue_verification", received_at, extended=extended)
    return add(complaint, "clue_verification", deadline, "clue_verification", received_at)


def extend_verification(complaint: Complaint) -> ComplaintDeadline:
    """The verification limit plus its extension, counted from the same start."""
    row = next(d for d in complaint.deadlines if d.kind == "clue_verification")
    return verification_clock(complaint, as_utc(row.starts_at or complaint.created_at), extended=True)


def case_clock(complaint: Complaint, opened_at: dt.datetime, *, extended: bool = False) -> ComplaintDeadline:
    """An opened case (立案) is decided within the penalty procedure's limit (90 days, Art. 64), from the
    day it was opened; with the head's approved extension (30 days) when `extended`."""
    deadline = _rules(complaint).deadline("case_handling", opened_at, extended=extended)
    return add(complaint, "case_handling", deadline, "case_handling", opened_at)


def extend_case_handling(complaint: Complaint) -> ComplaintDeadline:
    """The case-handling limit plus its extension, counted from the same start (立案; a case opened
    before its clock was stored counts from the moment it was opened)."""
    row = next((d for d in complaint.deadlines if d.kind == "case_handling"), None)
    start = (
        row.starts_at if row is not None and row.starts_at else complaint.accepted_at or complaint.created_at
    )
    return case_clock(complaint, as_utc(start), extended=True)


def mediation_clock(complaint: Complaint) -> None:
    """Mediation runs from acceptance; time suspended for testing does not count (Art. 22)."""
    rules = rulesets.rules_for(today_cn(complaint.created_at), complaint.rule_set)
    accepted_on = today_cn(complaint.accepted_at)
    deadline = rules.deadline("mediation", accepted_on, excluded=complaint.suspended_days)
    add(complaint, "mediation", deadline, "mediation", complaint.accepted_at)


def _running():
    """A clock still running: neither met nor cancelled."""
    return sa.and_(ComplaintDeadline.met_at.is_(None), ComplaintDeadline.cancelled_at.is_(None))


def missed(now: dt.datetime, limit: int = 500) -> list[ComplaintDeadline]:
    """Unmet, uncancelled, not yet escalated deadlines that ran out, locked for this sweep."""
    query = (
        sa.select(ComplaintDeadline)
        .where(ComplaintDeadline.due_at < now, _running(), ComplaintDeadline.escalated_at.is_(None))
        .order_by(ComplaintDeadline.due_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


#: Open cases whose clocks run (a suspended mediation's is paused).
_TICKING = tuple(s for s in OPEN_STATUSES if s != Status.SUSPENDED)


def _running_at(station_ids: set[int]):
    return (
        sa.select(ComplaintDeadline)
        .join(Complaint, Complaint.id == ComplaintDeadline.complaint_id)
        .where(_running(), Complaint.station_id.in_(station_ids), Complaint.status.in_(_TICKING))
    )


def overdue_at(
    station_ids: set[int], now: dt.datetime, limit: int = 20
) -> tuple[int, list[list[ComplaintDeadline]]]:
    """Open cases at these stations with a running clock that ran out: how many, and for the `limit`
    cases late the longest, each one's late clocks, oldest first (the console's "what is late")."""
    late = _running_at(station_ids).where(ComplaintDeadline.due_at < now)
    sub = late.subquery()
    oldest = (
        sa.select(sub.c.complaint_id)
        .group_by(sub.c.complaint_id)
        .order_by(sa.func.min(sub.c.due_at), sub.c.complaint_id)
        .limit(limit)
    )
    by_case: dict[int, list[ComplaintDeadline]] = {i: [] for i in db.session.scalars(oldest)}
    for row in db.session.scalars(
        late.where(ComplaintDeadline.complaint_id.in_(by_case)).order_by(ComplaintDeadline.due_at)
    ):
        by_case[row.complaint_id].append(row)
    return _cases(late), list(by_case.values())


def due_within(station_ids: set[int], now: dt.datetime, within: dt.timedelta) -> int:
    """How many open cases at these stations have a clock running out within `within` from now."""
    soon = _running_at(station_ids).where(
        ComplaintDeadline.due_at >= now, ComplaintDeadline.due_at < now + within
    )
    return _cases(soon)


def _cases(clocks) -> int:
    """How many cases the clocks selected by `clocks` belong to."""
    sub = clocks.subquery()
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(sub.c.complaint_id))))


def label(kind: str) -> str:
    """The deadline's name as people read it (never the internal key)."""
    return DEADLINE_KINDS.get(kind, DEADLINE_KIND_UNKNOWN)


def serialise(row: ComplaintDeadline | Planned, now: dt.datetime, cal: WorkCalendar | None = None) -> dict:
    return {
        "kind": row.kind,
        "label": label(row.kind),
        "due_at": row.due_at.isoformat(),
        "uncertain": row.uncertain,
        "met": row.met_at is not None,
        "overdue": row.met_at is None and row.cancelled_at is None and row.due_at < now,
        "cancelled": row.cancelled_at is not None,
        **describe(row, now, cal),
    }


# -- the one way a deadline reads -------------------------------------------------------------------


def _by_the_hour(row: ComplaintDeadline | Planned) -> bool:
    return row.basis.partition(":")[0] in (Basis.HOURS, Basis.WORKING_HOURS)


def due_day(row: ComplaintDeadline | Planned) -> dt.date:
    """The last day of a day limit (stored as the midnight after it), or an hour limit's China date."""
    due_at = as_utc(row.due_at)
    return today_cn(due_at if _by_the_hour(row) else due_at - dt.timedelta(microseconds=1))


def date_words(day: dt.date, now: dt.datetime, *, year: bool = False) -> str:
    """'2月11日（星期四）', with the year when it is not this year: '2027年2月11日（星期四）'.

    `year=True` always names the year: for text that is stored (a timeline event) and read later, when
    "this year" may no longer be the year it was written in."""
    key = "date_this_year" if day.year == today_cn(now).year and not year else "date_other_year"
    weekday = CALENDAR[f"weekday_{day.weekday()}"]
    return W[key].format(year=day.year, month=day.month, day=day.day, weekday=weekday)


def moment_words(moment: dt.datetime, now: dt.datetime, *, year: bool = False) -> str:
    """A moment in China time: '2月11日（星期四） 09:30', with the year when it is not this year."""
    at = as_utc(moment).astimezone(CHINA)
    return W["time"].format(date=date_words(at.date(), now, year=year), hh=at.hour, mm=at.minute)


def when_words(row: ComplaintDeadline | Planned, now: dt.datetime, *, year: bool = False) -> str:
    """The day a limit ends on, and for an hour limit the time as well (China); `year` as in date_words."""
    if not _by_the_hour(row):
        return date_words(due_day(row), now, year=year)
    return moment_words(row.due_at, now, year=year)


def _ceil(delta: dt.timedelta, unit: dt.timedelta) -> int:
    return max(1, -(-delta // unit))


def left_words(row: ComplaintDeadline | Planned, now: dt.datetime, cal: WorkCalendar) -> str:
    """'剩余 3 个工作日', '剩余 5 天', '剩余 20 小时', '已超期 2 天'; '已完成' or '已取消' once it no longer runs."""
    if row.met_at is not None:
        return W["met"]
    if row.cancelled_at is not None:
        return W["cancelled"]
    due_at, today, day = as_utc(row.due_at), today_cn(now), due_day(row)
    if now >= due_at:
        if day < today:
            return W["overdue_days"].format(n=(today - day).days)
        return W["overdue_hours"].format(n=_ceil(now - due_at, dt.timedelta(hours=1)))
    unit = row.basis.partition(":")[0]
    if _by_the_hour(row) or day == today:
        return W["left_hours"].format(n=_ceil(due_at - now, dt.timedelta(hours=1)))
    if unit == Basis.WORKING_DAYS:
        return W["left_working_days"].format(n=max(1, cal.working_days_between(today, day)))
    return W["left_days"].format(n=(day - today).days)


def uncertain_words(row: ComplaintDeadline | Planned, cal: WorkCalendar) -> str:
    """Why an uncertain deadline may still move: '2027 年调休安排尚未公布，按法定节假日推算'."""
    if not row.uncertain:
        return ""
    deadline = recompute(row, cal)
    first = cal.unsettled_by(deadline) if deadline is not None else None
    day = due_day(row)
    year = first.unsettled_year if first is not None else (cal.unsettled_year(day) or day.year)
    return CALENDAR["unsettled"].format(year=year)


def describe(row: ComplaintDeadline | Planned, now: dt.datetime, cal: WorkCalendar | None = None) -> dict:
    """Everything a person reads of a deadline, in Chinese: `when`, `left`, `why_uncertain`, and `text`,
    the one line: '2027年2月11日（星期四）前，剩余 40 个工作日（2027 年调休安排尚未公布，按法定节假日推算）'."""
    cal = cal or workcal.load_cached()
    when, left, why = when_words(row, now), left_words(row, now, cal), uncertain_words(row, cal)
    text = W["text_uncertain"] if why else W["text"]
    return {
        "when": when,
        "left": left,
        "why_uncertain": why,
        "text": text.format(when=when, left=left, why=why),
    }
