"""What station staff and merchant contacts see of a complaint, and the actions they take from H5.

The consumer's view is `app.complaints.presenters.consumer`; this one adds what only the station sees:
internal notes and system events on the timeline, abuse flags and the consumer's contact (a merchant
sees none of these; a reporter who left no contact shows as anonymous). Who may see a case and how it is
loaded and locked is `app.complaints.access`; which action is offered when is the table in
`app.complaints.states`, which the transitions in `app.complaints.flow` check. Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import sqlalchemy as sa

from app.complaints import access, deadlines, flow, split, states
from app.complaints.filing import input as complaint_input
from app.complaints.models import Complaint, ComplaintEvent, ComplaintKind, Status
from app.complaints.states import Role
from app.complaints.texts import (
    ABUSE_FLAGS,
    ACTORS,
    CASE_RESULTS,
    CATEGORIES,
    CHANNELS,
    CONTACT_HIDDEN_FOR_MERCHANT,
    CONTACT_HIDDEN_FOR_ROLE,
    DEMANDS,
    KINDS,
    NATIONAL_CASE,
    NOT_OPEN_REASONS,
    OUTCOMES,
    REPORT_ANONYMOUS,
    SUSPEND_REASONS,
    status_label,
)
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.models import parse_id
from app.core.texts import STATION_KINDS
from app.core.timeutil import utcnow
from app.directory.models import Station
from app.staff.models import Staff, StaffRole
from app.uploads import photos

#: Every action a form on the staff pages may post: the station's (a supervisor's included) and the
#: merchant's, on complaints and reports, from the table.
ALL_ACTIONS = tuple(
    dict.fromkeys(
        states.every_action(Role.STATION)
        + states.every_action(Role.SUPERVISOR)
        + states.every_action(Role.MERCHANT)
    )
)


def _cn(value: dt.datetime | None, now: dt.datetime) -> str:
    """A moment as a worker reads it: '12月7日（星期一） 12:17', the year only when not this year."""
    return deadlines.moment_words(value, now) if value else ""


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def is_merchant(staff: Staff) -> bool:
    return staff.role == StaffRole.MERCHANT


# -------------------------------------------------------------------------------------------- actions


def available_actions(staff: Staff, c: Complaint, now: dt.datetime | None = None) -> list[str]:
    """The actions this person may take now (the table in `states`, for their role)."""
    if not access.can_see(staff, c):
        return []
    return states.allowed(c, access.role(staff), now or utcnow())


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

    `complaint` comes from `access.for_action` (seen by `staff`, locked). Returns (what was done, the
    timeline event). Raises the transitions' errors: 403 for an action not the person's role's, 409
    for one the state does not allow, 422 for bad input. Flushes; the caller commits.
    """
    who = access.actor(staff, "h5")
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
    elif action == "extend":
        done = "extend" if complaint.status == Status.SUBMITTED else "extend_case"
        event = flow.extend(complaint, who, _field(form, "reason"))
    elif action == "open_case":
        event = flow.open_case(complaint, who, _field(form, "text"))
    elif action == "not_open":
        event = flow.not_open(complaint, who, _field(form, "reason_code"), _field(form, "text"))
    elif action == "conclude":
        event = flow.conclude(complaint, who, _field(form, "result"), _field(form, "text"))
    elif action == "split":
        twin = split.split(complaint, who, _field(form, "text"))
        event = twin.linked.events[-1]
    elif action == "merchant_reply":
        event = flow.merchant_reply(complaint, who, _field(form, "text"))
    elif action == "merchant_settle":
        event = flow.merchant_settle(complaint, who, _field(form, "text"), _amount(form, "amount"))
    else:  # to_station
        event = flow.to_station(complaint, who, states.MERCHANT_GAVE_UP)
    return done, event


# ---------------------------------------------------------------------------------------------- views


def _next_deadline(c: Complaint):
    pending = [d for d in c.deadlines if d.met_at is None and d.cancelled_at is None]
    return min(pending, key=lambda d: d.due_at, default=None)


def case_list(
    staff: Staff, now: dt.datetime | None = None, limit: int = 50, *, closed: bool = False
) -> list[dict]:
    """The person's open cases, most urgent deadline first (access.open_cases' order); or (`closed`)
    the cases no longer open, latest first."""
    now = now or utcnow()
    rows = []
    cases = access.closed_cases(staff, limit=limit) if closed else access.open_cases(staff, limit=limit)
    for c in cases:
        due = _next_deadline(c)
        rows.append(
            {
                "number": c.number,
                "kind_label": KINDS[c.kind.value],
                "status_label": status_label(c.kind.value, c.status.value),
                "store": c.store.name,
                "station": c.station.name,
                "category_label": CATEGORIES.get(c.category, c.category),
                "created_at": _cn(c.created_at, now),
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


def _contact(staff: Staff | None, c: Complaint) -> dict:
    if staff is not None and is_merchant(staff):
        return {"shown": False, "note": CONTACT_HIDDEN_FOR_MERCHANT}
    if c.kind == ComplaintKind.REPORT and (c.anonymous or not (c.name or c.phone)):
        return {"shown": False, "note": REPORT_ANONYMOUS}
    return {"shown": True, "name": c.name, "phone": c.phone}


def _actor_label(e: ComplaintEvent, names: dict[int, str]) -> str:
    label = ACTORS.get(e.actor, e.actor)
    if e.actor in ("staff", "merchant") and e.actor_id in names:
        label += f"（{names[e.actor_id]}）"
    return label


def _timeline(c: Complaint, now: dt.datetime, *, internal: bool) -> list[dict]:
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
            "at": _cn(e.at, now),
            "actor": _actor_label(e, names),
            "channel": CHANNELS.get(e.channel, e.channel),
            "action": e.action,
            "text": e.text,
            "internal": not e.visible_to_consumer,
            "status_label": status_label(c.kind.value, e.to_status or "")
            if e.to_status != e.from_status
            else "",
        }
        for e in events
    ]


def _deadlines(c: Complaint, now: dt.datetime) -> list[dict]:
    return [
        {
            "label": deadlines.label(d.kind),
            "uncertain": d.uncertain,
            "met": d.met_at is not None,
            "met_at": _cn(d.met_at, now),
            "cancelled": d.cancelled_at is not None,
            "overdue": d.met_at is None and d.cancelled_at is None and d.due_at < now,
            **deadlines.describe(d, now),
        }
        for d in sorted(c.deadlines, key=lambda d: d.due_at)
    ]


def national_case_words(c: Complaint, now: dt.datetime) -> str | None:
    """'已转全国12315平台处理：平台案件编号 …，12月7日（星期一）移交，…' once the case moved there."""
    if not (c.national_case_number and c.national_filed_on):
        return None
    return NATIONAL_CASE.format(
        number=c.national_case_number, date=deadlines.date_words(c.national_filed_on, now)
    )


def transfer_targets(c: Complaint) -> list[dict]:
    rows = db.session.scalars(sa.select(Station).where(Station.id != c.station_id).order_by(Station.name))
    return [{"id": s.id, "name": s.name, "kind_label": STATION_KINDS[s.kind.value]} for s in rows]


def _facts(c: Complaint, now: dt.datetime) -> dict:
    """What every reader at the station or above sees of a case: the staff page and the console alike."""
    deadline_rows = _deadlines(c, now)
    return {
        "number": c.number,
        "kind": c.kind.value,
        "kind_label": KINDS[c.kind.value],
        "status": c.status.value,
        "status_label": status_label(c.kind.value, c.status.value),
        "linked": {"number": c.linked.number, "kind_label": KINDS[c.linked.kind.value]} if c.linked else None,
        "national_case": national_case_words(c, now),
        "store": {"name": c.store.name, "address": c.store.address},
        "station": {"name": c.station.name, "kind_label": STATION_KINDS[c.station.kind.value]},
        "category_label": CATEGORIES.get(c.category, c.category),
        "demand_label": DEMANDS.get(c.demand, c.demand),
        "amount": _money(c.amount),
        "purchase_date": deadlines.date_words(c.purchase_date, now) if c.purchase_date else "",
        "description": c.description,
        "created_at": _cn(c.created_at, now),
        "merchant_first": c.merchant_first,
        "content_review": c.content_check.value == "review",
        "deadlines": deadline_rows,
        "next_due": next((d for d in deadline_rows if not d["met"] and not d["cancelled"]), None),
        "deadline_uncertain": any(d.uncertain for d in c.deadlines if d.cancelled_at is None),
        "commitments": c.commitments_snapshot or [],
        "outcome_label": OUTCOMES.get(c.outcome) if c.outcome else None,
        "amount_recovered": _money(c.amount_recovered),
        "consumer_confirmed": c.consumer_confirmed,
        "rating": c.rating,
    }


def supervision(c: Complaint, now: dt.datetime | None = None, *, personal: bool = False) -> dict:
    """A case as a regulator above the station reads it (read-only): everything the station sees but
    its forms; the complainant's name and phone only with `personal` (the console's administrators)."""
    now = now or utcnow()
    contact = _contact(None, c) if personal else {"shown": False, "note": CONTACT_HIDDEN_FOR_ROLE}
    return {
        **_facts(c, now),
        "contact": contact,
        "timeline": _timeline(c, now, internal=True),
        "abuse_flags": [ABUSE_FLAGS.get(f, f) for f in (c.abuse_flags or [])],
    }


def detail(staff: Staff, c: Complaint, now: dt.datetime | None = None) -> dict:
    """Everything the complaint page shows to `staff` (who must be allowed to see it)."""
    now = now or utcnow()
    actions = available_actions(staff, c, now)
    station_side = not is_merchant(staff)  # internal notes and abuse flags stay with the station
    decline_rules, decline_reasons = flow.grounds(c, "decline")
    termination_rules, termination_reasons = flow.grounds(c, "terminate")
    return {
        **_facts(c, now),
        "contact": _contact(staff, c),
        "photos": [u.public_id for u in c.uploads if photos.can_read(u, staff=staff)],
        "timeline": _timeline(c, now, internal=station_side),
        "abuse_flags": [ABUSE_FLAGS.get(f, f) for f in (c.abuse_flags or [])] if station_side else [],
        "actions": actions,
        "decline_reasons": decline_reasons,
        "decline_rules": decline_rules,
        "suspend_reasons": SUSPEND_REASONS,
        "outcomes": OUTCOMES,
        "termination_reasons": termination_reasons,
        "termination_rules": termination_rules,
        "stations": transfer_targets(c) if "transfer" in actions else [],
        "not_open_reasons": NOT_OPEN_REASONS,
        "case_results": CASE_RESULTS,
    }
