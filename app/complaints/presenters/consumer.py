"""What the consumer sees of a complaint (the station's view lives with the official account)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.complaints import deadlines
from app.complaints.flow import REOPEN_WINDOW
from app.complaints.models import Complaint, Status
from app.complaints.texts import CATEGORIES, DEMANDS, KINDS, OUTCOMES, STATUS
from app.core.errors import NotFound
from app.core.extensions import db
from app.core.texts import STATION_KINDS
from app.core.timeutil import utcnow


def owned(consumer_id: int, number: str) -> Complaint:
    """The consumer's own complaint; anyone else's (or none) is the same 404."""
    complaint = db.session.scalar(
        sa.select(Complaint)
        .where(Complaint.number == (number or "").strip().upper(), Complaint.consumer_id == consumer_id)
        .options(selectinload(Complaint.events), selectinload(Complaint.deadlines))
    )
    if complaint is None:
        raise NotFound("complaint_not_found")
    return complaint


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
    return {
        "withdraw": c.is_open,
        "message": c.is_open or c.status == Status.RESOLVED,
        "confirm": c.status == Status.RESOLVED,
        "reopen": c.status == Status.CLOSED
        and c.consumer_confirmed is False
        and c.reopen_count == 0
        and c.disputed_at is not None
        and now - c.disputed_at <= REOPEN_WINDOW,
        "rate": c.status in (Status.RESOLVED, Status.CLOSED, Status.DECLINED) and c.rating is None,
    }


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
        "national_case": (
            {"number": c.national_case_number, "filed_on": c.national_filed_on.isoformat()}
            if c.national_case_number and c.national_filed_on
            else None
        ),
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
