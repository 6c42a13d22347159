"""What the consumer sees of a complaint (the station's view lives with the official account)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.complaints import deadlines, states
from app.complaints.flow import AUTO_CLOSE_DAYS
from app.complaints.models import Complaint, ComplaintKind, Status
from app.complaints.states import REOPEN_WINDOW, Role
from app.complaints.texts import (
    CASE_RESULTS,
    CATEGORIES,
    CONSUMER_DEADLINES,
    DEMANDS,
    KINDS,
    NEXT_STEPS,
    NOT_OPEN_REASONS,
    OUTCOMES,
    REPORT_NEXT_STEPS,
    status_label,
)
from app.core.extensions import db
from app.core.texts import STATION_KINDS
from app.core.timeutil import CHINA, utcnow


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def summary(c: Complaint) -> dict:
    return {
        "number": c.number,
        "kind": c.kind.value,
        "kind_label": KINDS[c.kind.value],
        "status": c.status.value,
        "status_label": status_label(c.kind.value, c.status.value),
        "store": {"code": c.store.active_code.code if c.store.active_code else None, "name": c.store.name},
        "category": c.category,
        "category_label": CATEGORIES[c.category],
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


def actions(c: Complaint, now: dt.datetime) -> dict:
    """Each consumer action of the table in `states`, and whether it is open now."""
    allowed = states.allowed(c, Role.CONSUMER, now)
    return {name: name in allowed for name in states.actions_for(Role.CONSUMER, c.kind)}


def detail(c: Complaint) -> dict:
    now = utcnow()
    station = c.station
    return {
        **summary(c),
        "demand": c.demand,
        "demand_label": DEMANDS[c.demand],
        "description": c.description,
        "amount": _money(c.amount),
        "purchase_date": c.purchase_date.isoformat() if c.purchase_date else None,
        "name": c.name,
        "phone": c.phone,
        "merchant_first": c.merchant_first,
        "station": {
            "name": station.name,
            "kind": station.kind.value,
            "kind_label": STATION_KINDS[station.kind.value],
            "phone": station.phone,
        },
        "deadlines": consumer_deadlines(c, now),
        "deadline_uncertain": any(d.uncertain for d in c.deadlines if d.cancelled_at is None),
        "next_step": next_step(c, now),
        "timeline": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "actor": e.actor,
                "text": e.text,
                "status": e.to_status,
            }
            for e in c.events
            if e.visible_to_consumer
        ],
        "commitments_snapshot": c.commitments_snapshot,
        "evidence": [u.public_id for u in c.uploads],
        "outcome": c.outcome,
        "outcome_label": _outcome_label(c),
        "linked": (
            {"number": c.linked.number, "kind": c.linked.kind.value, "kind_label": KINDS[c.linked.kind.value]}
            if c.linked
            else None
        ),
        "amount_recovered": _money(c.amount_recovered),
        "consumer_confirmed": c.consumer_confirmed,
        "rating": c.rating,
        "national_case": (
            {"number": c.national_case_number, "filed_on": c.national_filed_on.isoformat()}
            if c.national_case_number and c.national_filed_on
            else None
        ),
        "actions": actions(c, now),
    }


def _outcome_label(c: Complaint) -> str | None:
    """The result in words: a complaint's outcome, or a report's decision (不予立案 reason, 结案 result)."""
    if not c.outcome:
        return None
    if c.kind == ComplaintKind.REPORT:
        return CASE_RESULTS.get(c.outcome) or NOT_OPEN_REASONS.get(c.outcome)
    return OUTCOMES.get(c.outcome)


# --- what the consumer waits for, and what they must do by when -----------------------------------------

#: Who each stored deadline binds (the consumer's own are computed: `consumer_deadlines`).
DEADLINE_PARTY = {"merchant_reply": "merchant", "merchant_settle": "merchant"}
CLOSING = ("small_dispute_close", "ordinary_close")


@dataclass(frozen=True)
class _Computed:
    """A consumer's deadline in the shape of a stored one, so `deadlines.serialise` shows it the same way."""

    kind: str
    due_at: dt.datetime
    uncertain: bool = False
    met_at: None = None
    cancelled_at: None = None
    basis: str = "calendar_days"  # counted from the moment of the resolution or dispute, day by day


def _row(d, now: dt.datetime) -> dict:
    row = deadlines.serialise(d, now)
    if d.kind in CONSUMER_DEADLINES:
        row["label"] = CONSUMER_DEADLINES[d.kind]
    row["party"] = "consumer" if d.kind in CONSUMER_DEADLINES else DEADLINE_PARTY.get(d.kind, "station")
    return row


def _consumer_rows(c: Complaint, now: dt.datetime) -> list[_Computed]:
    if c.status == Status.RESOLVED and c.resolved_at is not None:
        return [_Computed("consumer_confirm", c.resolved_at + dt.timedelta(days=AUTO_CLOSE_DAYS))]
    if actions(c, now).get("reopen"):
        return [_Computed("consumer_reopen", c.disputed_at + REOPEN_WINDOW)]
    return []


def _shown(c: Complaint, now: dt.datetime) -> list:
    """The stored deadlines a consumer is shown: none cancelled, and one closing limit only (a small
    dispute's own while it runs, else the ordinary one), then the consumer's own."""
    rows = [d for d in c.deadlines if d.cancelled_at is None]
    small = next((d for d in rows if d.kind == "small_dispute_close"), None)
    if small is not None:
        running = small.met_at is None and small.due_at >= now
        drop = "ordinary_close" if running or small.met_at is not None else "small_dispute_close"
        rows = [d for d in rows if d.kind != drop]
    return sorted(rows, key=lambda d: d.due_at) + _consumer_rows(c, now)


def consumer_deadlines(c: Complaint, now: dt.datetime) -> list[dict]:
    return [_row(d, now) for d in _shown(c, now)]


def when(at: dt.datetime, now: dt.datetime) -> str:
    """12月14日 18:00, with the year when it is not this year (China time)."""
    local, today = at.astimezone(CHINA), now.astimezone(CHINA)
    year = f"{local.year}年" if local.year != today.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def next_step(c: Complaint, now: dt.datetime) -> dict | None:
    """Who acts next and by when, in one Chinese sentence; None once nothing more happens."""
    open_rows = {d.kind: d for d in _shown(c, now) if d.met_at is None}
    station = c.station.name if c.station else ""
    if c.kind == ComplaintKind.REPORT:
        return _report_next(Status(c.status), open_rows, station, now)
    return _next(Status(c.status), open_rows, station, now)


def _report_next(status: Status, open_rows: dict, station: str, now: dt.datetime) -> dict | None:
    """A report's next step: the station verifies (核查) and decides whether to open a case, then
    investigates; the reporter has nothing to confirm or rate."""
    key, kind = {
        Status.SUBMITTED: ("verify", "clue_verification"),
        Status.INVESTIGATING: ("investigate", "case_handling"),
    }.get(status, (None, None))
    if key is None:
        return None
    row = open_rows.get(kind)
    due = when(row.due_at, now) if row is not None else ""
    text = REPORT_NEXT_STEPS[key if row is not None else key + "_undated"].format(
        station=station or "负责站点", due=due
    )
    return {"party": "station", "text": text, "due_at": row.due_at.isoformat() if row is not None else None}


def _next(status: Status, open_rows: dict, station: str, now: dt.datetime) -> dict | None:
    def step(key: str, party: str, kind: str | None) -> dict:
        row = open_rows.get(kind) if kind else None
        due = when(row.due_at, now) if row is not None else ""
        text = NEXT_STEPS[key if row is not None else key + "_undated"].format(
            station=station or "负责站点", due=due, days=AUTO_CLOSE_DAYS
        )
        return {"party": party, "text": text, "due_at": row.due_at.isoformat() if row is not None else None}

    if status == Status.MERCHANT_NEGOTIATING:
        return step(
            "merchant", "merchant", "merchant_settle" if "merchant_settle" in open_rows else "merchant_reply"
        )
    if status in (Status.SUBMITTED, Status.WITH_STATION):
        if "first_response" in open_rows:
            return step("station_first", "station", "first_response")
        return step("station_accept", "station", "accept_decline")
    if status in (Status.ACCEPTED, Status.SUSPENDED):
        return step(
            "station_close", "station", next((k for k in (*CLOSING, "mediation") if k in open_rows), None)
        )
    if status == Status.RESOLVED:
        return step("consumer_confirm", "consumer", "consumer_confirm")
    if "consumer_reopen" in open_rows:
        return step("consumer_reopen", "consumer", "consumer_reopen")
    return None


FILED_DEADLINES = (
    "first_response",
    "accept_decline",
    "merchant_reply",
    "merchant_settle",
    "clue_verification",
)


def filed(c: Complaint) -> dict:
    """The answer to a filing: number, status, station, the first deadlines."""
    return filed_view(
        kind=c.kind.value,
        number=c.number,
        status=c.status.value,
        station_name=c.station.name,
        station_phone=c.station.phone,
        deadline_rows=c.deadlines,
        merchant_first=c.merchant_first,
    )


def filed_view(
    *,
    kind: str = "complaint",
    number: str,
    status: str,
    station_name: str,
    station_phone: str,
    deadline_rows,
    merchant_first: bool,
) -> dict:
    """`filed` from plain values (the filing's Core path has no ORM objects)."""
    now = utcnow()
    rows = [d for d in deadline_rows if d.kind in FILED_DEADLINES]
    return {
        "number": number,
        "status": status,
        "status_label": status_label(kind, status),
        "station": {"name": station_name, "phone": station_phone},
        "deadlines": [_row(d, now) for d in rows],
        "deadline_uncertain": any(d.uncertain for d in rows),
        "merchant_first": merchant_first,
        "next_step": (_report_next if kind == "report" else _next)(
            Status(status), {d.kind: d for d in rows}, station_name, now
        ),
    }


def page_of(consumer_id: int, page: int, per_page: int) -> dict:
    base = sa.select(Complaint).where(Complaint.consumer_id == consumer_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {"items": [summary(c) for c in rows], "page": page, "per_page": per_page, "total": total}
