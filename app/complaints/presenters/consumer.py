"""What the consumer sees of a complaint (the station's view lives with the official account)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.complaints import deadlines, states
from app.complaints.models import Complaint
from app.complaints.states import Role
from app.complaints.texts import CATEGORIES, DEMANDS, KINDS, OUTCOMES, STATUS
from app.core.extensions import db
from app.core.texts import STATION_KINDS
from app.core.timeutil import utcnow


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def summary(c: Complaint) -> dict:
    return {
        "number": c.number,
        "kind": c.kind.value,
        "kind_label": KINDS[c.kind.value],
        "status": c.status.value,
        "status_label": STATUS[c.status.value],
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
        "deadlines": [deadlines.serialise(d, now) for d in c.deadlines],
        "deadline_uncertain": any(d.uncertain for d in c.deadlines if d.cancelled_at is None),
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
        "outcome_label": OUTCOMES.get(c.outcome) if c.outcome else None,
        "amount_recovered": _money(c.amount_recovered),
        "consumer_confirmed": c.consumer_confirmed,
        "rating": c.rating,
        "actions": actions(c, now),
    }


FILED_DEADLINES = ("first_response", "accept_decline", "merchant_reply", "clue_verification")


def filed(c: Complaint) -> dict:
    """The answer to a filing: number, status, station, the first deadlines."""
    return filed_view(
        number=c.number,
        status=c.status.value,
        station_name=c.station.name,
        station_phone=c.station.phone,
        deadline_rows=c.deadlines,
        merchant_first=c.merchant_first,
    )


def filed_view(
    *, number: str, status: str, station_name: str, station_phone: str, deadline_rows, merchant_first: bool
) -> dict:
    """`filed` from plain values (the filing's Core path has no ORM objects)."""
    now = utcnow()
    rows = [d for d in deadline_rows if d.kind in FILED_DEADLINES]
    return {
        "number": number,
        "status": status,
        "status_label": STATUS[status],
        "station": {"name": station_name, "phone": station_phone},
        "deadlines": {d.kind: deadlines.serialise(d, now) for d in rows},
        "deadline_uncertain": any(d.uncertain for d in rows),
        "merchant_first": merchant_first,
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
