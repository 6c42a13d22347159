"""What station staff and merchant contacts see of a complaint, and the actions they take from H5.

The consumer's view is `app.complaints.presenters.consumer`; this one adds what only the station sees:
internal notes and system events on the timeline, abuse flags and the consumer's contact (a merchant
sees none of these; a reporter who left no contact shows as anonymous). Who may see and act is `app.complaints.access`; which
transition is allowed when is `app.complaints.flow`. Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.complaints import access, deadlines, flow
from app.complaints.filing import input as complaint_input
from app.complaints.flow import Actor
from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintEvent, ComplaintKind, Status
from app.complaints.texts import (
    ABUSE_FLAGS,
    ACTORS,
    CATEGORIES,
    CHANNELS,
    CONTACT_HIDDEN_FOR_MERCHANT,
    DECLINE_REASONS,
    DEMANDS,
    KINDS,
    MERCHANT_GAVE_UP,
    OUTCOMES,
    REPORT_ANONYMOUS,
    STATUS,
    SUSPEND_REASONS,
    TERMINATION_REASONS,
)
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.models import parse_id
from app.core.texts import STATION_KINDS
from app.core.timeutil import CHINA, utcnow
from app.directory.models import Station
from app.staff.models import Staff, StaffRole
from app.uploads import photos

STATION_ACTIONS = ("accept", "decline", "reply", "transfer", "suspend", "resume", "resolve")
MERCHANT_ACTIONS = ("merchant_reply", "merchant_settle", "to_station")
ALL_ACTIONS = STATION_ACTIONS + MERCHANT_ACTIONS


def _cn(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(CHINA).strftime(fmt) if value else ""


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def is_merchant(staff: Staff) -> bool:
    return staff.role == StaffRole.MERCHANT


def actor(staff: Staff) -> Actor:
    return Actor("merchant" if is_merchant(staff) else "staff", staff.id, "h5")


# -------------------------------------------------------------------------------------------- loading


def find(number: str, *, for_update: bool = False) -> Complaint:
    """The complaint by number (NotFound otherwise); locked for the transaction when acting on it."""
    query = sa.select(Complaint).where(Complaint.number == number)
    if for_update:
        query = query.with_for_update()
    else:
        query = query.options(
            selectinload(Complaint.events), selectinload(Complaint.deadlines), selectinload(Complaint.uploads)
        )
    complaint = db.session.scalar(query)
    if complaint is None:
        raise NotFound("complaint_not_found")
    return complaint


# -------------------------------------------------------------------------------------------- actions


def available_actions(staff: Staff, c: Complaint) -> list[str]:
    """The actions this person may take now: their role's, in the states complaint_flow allows."""
    if not access.can_act(staff, c):
        return []
    if is_merchant(staff):
        return list(MERCHANT_ACTIONS) if c.status == Status.MERCHANT_NEGOTIATING else []
    status = c.status
    allowed = {
        "accept": status in (Status.SUBMITTED, Status.WITH_STATION),
        "decline": status in (Status.SUBMITTED, Status.WITH_STATION),
        "reply": status in (*OPEN_STATUSES, Status.RESOLVED),
        "transfer": status in OPEN_STATUSES,
        "suspend": status == Status.ACCEPTED,
        "resume": status == Status.SUSPENDED,
        "resolve": status == Status.ACCEPTED,
    }
    return [name for name in STATION_ACTIONS if allowed[name]]


def _field(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _amount(form: Mapping[str, str], name: str) -> Decimal | None:
    raw = _field(form, name).strip()
    if not raw:
        return None
    try:
        return complaint_input.parse_amount(raw)
    except ValueError as exc:
        raise ValidationFailed({name: str(exc)}) from None


def _station(form: Mapping[str, str]) -> Station:
    station_id = parse_id(_field(form, "station_id"))
    station = db.session.get(Station, station_id) if station_id is not None else None
    if station is None:
        raise NotFound("station_not_found")
    return station


def act(
    staff: Staff, complaint: Complaint, action: str, form: Mapping[str, str]
) -> tuple[str, ComplaintEvent]:
    """Take `action` on `complaint` as `staff`, with the submitted form values.

    Returns (what was done, the timeline event). Raises Forbidden("staff_not_allowed") when the person
    may not act on this case or the action is not their role's, and complaint_flow's errors (409 for a
    transition the state does not allow, 422 for bad input). Flushes; the caller commits.
    """
    access.require_act(staff, complaint)
    mine = MERCHANT_ACTIONS if is_merchant(staff) else STATION_ACTIONS
    if action not in mine:
        raise Forbidden("staff_not_allowed")
    who = actor(staff)
    done = action
    if action == "accept":
        event = flow.accept(complaint, who)
    elif action == "decline":
        event = flow.decline(complaint, who, _field(form, "reason_code"), _field(form, "text"))
    elif action == "reply":
        internal = _field(form, "internal") in ("1", "on", "true", "yes")
        event = flow.reply(complaint, who, _field(form, "text"), internal=internal)
        done = "note" if internal else "reply"
    elif action == "transfer":
        event = flow.transfer(complaint, who, _station(form), _field(form, "reason"))
    elif action == "suspend":
        event = flow.suspend(complaint, who, _field(form, "reason_code"), _field(form, "text"))
    elif action == "resume":
        event = flow.resume(complaint, who)
    elif action == "resolve":
        outcome = _field(form, "outcome")
        reason = _field(form, "reason_code") or None
        event = flow.resolve(
            complaint,
            who,
            outcome,
            _amount(form, "amount_recovered"),
            _field(form, "text"),
            reason if outcome == "terminated" else None,
        )
    elif action == "merchant_reply":
        event = flow.merchant_reply(complaint, who, _field(form, "text"))
    elif action == "merchant_settle":
        event = flow.merchant_settle(complaint, who, _field(form, "text"), _amount(form, "amount"))
    else:  # to_station
        event = flow.to_station(complaint, who, MERCHANT_GAVE_UP)
    return done, event


# ---------------------------------------------------------------------------------------------- views


def _next_deadline(c: Complaint):
    pending = [d for d in c.deadlines if d.met_at is None and d.cancelled_at is None]
    return min(pending, key=lambda d: d.due_at, default=None)


def case_list(staff: Staff, now: dt.datetime | None = None, limit: int = 50) -> list[dict]:
    """The person's open cases, most urgent deadline first (access.open_cases' order)."""
    now = now or utcnow()
    rows = []
    for c in access.open_cases(staff, limit=limit):
        due = _next_deadline(c)
        rows.append(
            {
                "number": c.number,
                "kind_label": KINDS[c.kind.value],
                "status_label": STATUS[c.status.value],
                "store": c.store.name,
                "station": c.station.name,
                "category_label": CATEGORIES.get(c.category, c.category),
                "created_at": _cn(c.created_at),
                "due": None
                if due is None
                else {
                    "label": deadlines.label(due.kind),
                    "uncertain": due.uncertain,
                    "overdue": due.due_at < now,
                    **deadlines.describe(due, now),
                },
            }
        )
    return rows


def _contact(staff: Staff, c: Complaint) -> dict:
    if is_merchant(staff):
        return {"shown": False, "note": CONTACT_HIDDEN_FOR_MERCHANT}
    if c.kind == ComplaintKind.REPORT and (c.anonymous or not (c.name or c.phone)):
        return {"shown": False, "note": REPORT_ANONYMOUS}
    return {"shown": True, "name": c.name, "phone": c.phone}


def _actor_label(e: ComplaintEvent, names: dict[int, str]) -> str:
    label = ACTORS.get(e.actor, e.actor)
    if e.actor in ("staff", "merchant") and e.actor_id in names:
        label += f"（{names[e.actor_id]}）"
    return label


def _timeline(c: Complaint, *, internal: bool) -> list[dict]:
    """The events, with internal ones (notes, system flags) only when `internal` (station staff)."""
    events = [e for e in c.events if internal or e.visible_to_consumer]
    ids = {e.actor_id for e in events if e.actor in ("staff", "merchant") and e.actor_id}
    names = (
        dict(db.session.execute(sa.select(Staff.id, Staff.name).where(Staff.id.in_(ids))).tuples().all())
        if ids
        else {}
    )
    return [
        {
            "at": _cn(e.at),
            "actor": _actor_label(e, names),
            "channel": CHANNELS.get(e.channel, e.channel),
            "action": e.action,
            "text": e.text,
            "internal": not e.visible_to_consumer,
            "status_label": STATUS.get(e.to_status, "") if e.to_status != e.from_status else "",
        }
        for e in events
    ]


def _deadlines(c: Complaint, now: dt.datetime) -> list[dict]:
    return [
        {
            "label": deadlines.label(d.kind),
            "uncertain": d.uncertain,
            "met": d.met_at is not None,
            "met_at": _cn(d.met_at),
            "cancelled": d.cancelled_at is not None,
            "overdue": d.met_at is None and d.cancelled_at is None and d.due_at < now,
            **deadlines.describe(d, now),
        }
        for d in sorted(c.deadlines, key=lambda d: d.due_at)
    ]


def transfer_targets(c: Complaint) -> list[dict]:
    rows = db.session.scalars(sa.select(Station).where(Station.id != c.station_id).order_by(Station.name))
    return [{"id": s.id, "name": s.name, "kind_label": STATION_KINDS[s.kind.value]} for s in rows]


def detail(staff: Staff, c: Complaint, now: dt.datetime | None = None) -> dict:
    """Everything the complaint page shows to `staff` (who must be allowed to see it)."""
    now = now or utcnow()
    actions = available_actions(staff, c)
    station_side = not is_merchant(staff)  # internal notes and abuse flags stay with the station
    return {
        "number": c.number,
        "kind": c.kind.value,
        "kind_label": KINDS[c.kind.value],
        "status": c.status.value,
        "status_label": STATUS[c.status.value],
        "store": {"name": c.store.name, "address": c.store.address},
        "station": {"name": c.station.name, "kind_label": STATION_KINDS[c.station.kind.value]},
        "category_label": CATEGORIES.get(c.category, c.category),
        "demand_label": DEMANDS.get(c.demand, c.demand),
        "amount": _money(c.amount),
        "purchase_date": c.purchase_date.isoformat() if c.purchase_date else "",
        "description": c.description,
        "created_at": _cn(c.created_at),
        "merchant_first": c.merchant_first,
        "content_review": c.content_check.value == "review",
        "contact": _contact(staff, c),
        "photos": [u.public_id for u in c.uploads if photos.can_read(u, staff=staff)],
        "timeline": _timeline(c, internal=station_side),
        "deadlines": _deadlines(c, now),
        "deadline_uncertain": any(d.uncertain for d in c.deadlines if d.cancelled_at is None),
        "commitments": c.commitments_snapshot or [],
        "abuse_flags": [ABUSE_FLAGS.get(f, f) for f in (c.abuse_flags or [])] if station_side else [],
        "outcome_label": OUTCOMES.get(c.outcome) if c.outcome else None,
        "amount_recovered": _money(c.amount_recovered),
        "consumer_confirmed": c.consumer_confirmed,
        "rating": c.rating,
        "actions": actions,
        "decline_reasons": DECLINE_REASONS,
        "suspend_reasons": SUSPEND_REASONS,
        "outcomes": OUTCOMES,
        "termination_reasons": TERMINATION_REASONS,
        "stations": transfer_targets(c) if "transfer" in actions else [],
    }
