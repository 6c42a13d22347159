"""Who may see a complaint, and the one way every surface gets a complaint to show or to act on.

Who sees what:
- a handler: complaints currently at their own station;
- a supervisor: complaints at their station or at any station below it (its parent chain reaches theirs);
- a merchant contact: complaints about their store that went to the merchant first (首问负责), never a
  report (举报: the reporter's identity is never shown to the store);
- a consumer: their own complaints.
What each of them may do, and in which state, is the table in `states`.

Getting a complaint: `for_view` (to show it) and `for_action` (to change it) take the number in any form
`app.core.numbers` accepts (the chat also a tail of 4+ characters), check who asks, and answer a
complaint that does not exist and one the asker may not see with the same `complaint_not_found`, so a
stranger learns nothing about which numbers exist. `for_action` locks the row for the transaction:
`SELECT ... FOR UPDATE` on PostgreSQL. SQLite has no row locks; there a no-op `UPDATE` of the row takes
the database's write lock first, so two writers still go one after the other (the second waits, up to
the connection's busy timeout, and then reads what the first committed).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.complaints import states
from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintDeadline, ComplaintKind
from app.complaints.states import Actor, Role
from app.core.errors import Conflict, NotFound
from app.core.extensions import db
from app.core.numbers import normalise_number
from app.directory.models import Station
from app.staff.models import Staff, StaffRole

#: The shortest tail of a number the chat looks up among a person's own cases.
TAIL_MIN = 4


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


def role(staff: Staff) -> Role:
    if staff.role == StaffRole.MERCHANT:
        return Role.MERCHANT
    return Role.SUPERVISOR if staff.role == StaffRole.SUPERVISOR else Role.STATION


def actor(staff: Staff, channel: str) -> Actor:
    """The timeline's actor for a staff member or merchant contact working through `channel`."""
    kind = "merchant" if staff.role == StaffRole.MERCHANT else "staff"
    return Actor(kind, staff.id, channel, supervisor=staff.role == StaffRole.SUPERVISOR)


# ------------------------------------------------------------------------------ getting a complaint


def for_view(
    number: str | None,
    *,
    staff: Staff | None = None,
    consumer_id: int | None = None,
    within: set[int] | frozenset[int] | None = None,
    tails: bool = False,
) -> Complaint:
    """The complaint to show (timeline, deadlines and evidence loaded), not locked.

    `staff`: they must be able to see it; `consumer_id`: it must be theirs; `within`: it must be held by
    one of these stations (a console account's subtree); none: the operator at the command line. Anything
    else is NotFound("complaint_not_found"), whether or not the number exists. `tails`: the last 4 or
    more characters find the one case among those allowed that ends with them.
    """
    number = _number(number, staff, tails, within)
    query = sa.select(Complaint).where(Complaint.number == number)
    query = query.options(
        selectinload(Complaint.events), selectinload(Complaint.deadlines), selectinload(Complaint.uploads)
    )
    complaint = _checked(db.session.scalar(query), staff, consumer_id)
    if within is not None and complaint.station_id not in within:
        raise NotFound("complaint_not_found")
    return complaint


def for_action(
    number: str | None, *, staff: Staff | None = None, consumer_id: int | None = None, tails: bool = False
) -> Complaint:
    """The complaint to act on, locked until the transaction ends; who may see it as in `for_view`."""
    number = _number(number, staff, tails)
    return _checked(lock(sa.select(Complaint).where(Complaint.number == number)), staff, consumer_id)


def lock(query: sa.Select) -> Complaint | None:
    """Run a one-complaint query with the row locked for the transaction, its attributes read afresh."""
    if db.session.get_bind().dialect.name == "sqlite":
        # No row locks: a no-op UPDATE takes the database's write lock before the row is read.
        target = query.with_only_columns(Complaint.id).scalar_subquery()
        db.session.execute(
            sa.update(Complaint).where(Complaint.id == target).values(id=Complaint.id),
            execution_options={"synchronize_session": False},
        )
    query = query.with_for_update(of=Complaint).execution_options(populate_existing=True)
    return db.session.scalar(query)


def _checked(complaint: Complaint | None, staff: Staff | None, consumer_id: int | None) -> Complaint:
    if complaint is None:
        raise NotFound("complaint_not_found")
    if staff is not None and not can_see(staff, complaint):
        raise NotFound("complaint_not_found")
    if consumer_id is not None and complaint.consumer_id != consumer_id:
        raise NotFound("complaint_not_found")
    return complaint


def _number(raw: str | None, staff: Staff | None, tails: bool, within=None) -> str:
    """The full number: as given, or (`tails`) the one case among `staff`'s (or held `within` these
    stations) that ends with it."""
    number = normalise_number(raw)
    if number is None:
        raise NotFound("complaint_not_found")
    if not tails or (staff is None and within is None) or len(number) < TAIL_MIN:
        return number
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.number == number)) is not None:
        return number
    query = sa.select(Complaint).where(Complaint.number.endswith(number, autoescape=True))
    if within is not None:
        query = query.where(Complaint.station_id.in_(within))
    if staff is not None and staff.role == StaffRole.MERCHANT:
        query = query.where(Complaint.store_id == staff.store_id)
    elif staff is not None:
        query = query.where(Complaint.station_id.in_(visible_station_ids(staff)))
    hits = [c.number for c in db.session.scalars(query.limit(5)) if staff is None or can_see(staff, c)]
    if len(hits) > 1:
        raise Conflict("complaint_number_ambiguous")
    return hits[0] if hits else number


def closed_cases(staff: Staff, limit: int = 50) -> list[Complaint]:
    """Cases this person may see that are no longer open (resolved, closed, declined, withdrawn), latest first."""
    query = sa.select(Complaint).where(Complaint.status.not_in(OPEN_STATUSES))
    if staff.role == StaffRole.MERCHANT:
        query = query.where(
            Complaint.store_id == staff.store_id,
            Complaint.kind == ComplaintKind.COMPLAINT,
            Complaint.merchant_first.is_(True),
        )
    else:
        ids = visible_station_ids(staff)
        if not ids:
            return []
        query = query.where(Complaint.station_id.in_(ids))
    return list(
        db.session.scalars(query.order_by(Complaint.updated_at.desc(), Complaint.id.desc()).limit(limit))
    )


def open_cases(staff: Staff, limit: int = 20) -> list[Complaint]:
    """Open complaints this person may act on, most urgent deadline first."""
    query = sa.select(Complaint).where(Complaint.status.in_(OPEN_STATUSES))
    if staff.role == StaffRole.MERCHANT:
        query = query.where(
            Complaint.store_id == staff.store_id,
            Complaint.status.in_(states.acting_states(Role.MERCHANT)),
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
