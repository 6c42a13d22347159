"""Who among station staff and merchants may see and act on a complaint. One place for the rule.

- a handler: complaints currently at their own station;
- a supervisor: complaints at their station or at any station below it (its parent chain reaches theirs);
- a merchant contact: complaints about their store while the merchant has the first chance
  (merchant_negotiating), never a report (举报: the reporter's identity is never shown to the store).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintDeadline, ComplaintKind, Status
from app.core.errors import Forbidden
from app.core.extensions import db
from app.directory.models import Station
from app.staff.models import Staff, StaffRole


def station_ids_under(station: Station) -> set[int]:
    """The station and every station whose parent chain reaches it."""
    ids = {station.id}
    frontier = [station.id]
    while frontier:
        children = db.session.scalars(sa.select(Station.id).where(Station.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def visible_station_ids(staff: Staff) -> set[int]:
    if not staff.active or staff.station is None:
        return set()
    if staff.role == StaffRole.SUPERVISOR:
        return station_ids_under(staff.station)
    if staff.role == StaffRole.HANDLER:
        return {staff.station_id}
    return set()


def can_see(staff: Staff, complaint: Complaint) -> bool:
    if not staff.active:
        return False
    if staff.role == StaffRole.MERCHANT:
        return (
            complaint.store_id == staff.store_id
            and complaint.kind == ComplaintKind.COMPLAINT
            and complaint.merchant_first
        )
    return complaint.station_id in visible_station_ids(staff)


def can_act(staff: Staff, complaint: Complaint) -> bool:
    if staff.role == StaffRole.MERCHANT:
        return can_see(staff, complaint) and complaint.status == Status.MERCHANT_NEGOTIATING
    return can_see(staff, complaint)


def require_act(staff: Staff, complaint: Complaint) -> None:
    if not can_act(staff, complaint):
        raise Forbidden("staff_not_allowed")


def open_cases(staff: Staff, limit: int = 20) -> list[Complaint]:
    """Open complaints this person may act on, most urgent deadline first."""
    query = sa.select(Complaint).where(Complaint.status.in_(OPEN_STATUSES))
    if staff.role == StaffRole.MERCHANT:
        query = query.where(
            Complaint.store_id == staff.store_id,
            Complaint.status == Status.MERCHANT_NEGOTIATING,
            Complaint.kind == ComplaintKind.COMPLAINT,
        )
    else:
        ids = visible_station_ids(staff)
        if not ids:
            return []
        query = query.where(Complaint.station_id.in_(ids))
    next_due = (
        sa.select(sa.func.min(ComplaintDeadline.due_at))
        .where(
            ComplaintDeadline.complaint_id == Complaint.id,
            ComplaintDeadline.met_at.is_(None),
            ComplaintDeadline.cancelled_at.is_(None),
        )
        .scalar_subquery()
    )
    return list(db.session.scalars(query.order_by(next_due.asc().nulls_last(), Complaint.id).limit(limit)))
