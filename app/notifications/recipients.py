"""Who receives a station alert: the one copy of the rule, as SQL conditions on `Staff`.

A station alert goes to the station's reachable staff in the roles asked for (handlers and supervisors
unless said otherwise; reachable = active, bound to the official account and still following it). When
nobody at the station can be alerted at all, the reachable supervisors of its parent station stand in, so
that a case never waits unseen for the escalation sweep. A new complaint's alert also goes to the store's
reachable merchant contacts.

Each rule is written once as a condition (`station_alert`, `merchants`); the ORM form (`station_staff`,
`filing`) and the filing path's Core form (`FILING`, a scalar subquery that the filing's counts statement
embeds, so the recipients come in the same round trip) only select different columns from it.
`tests/notifications/test_recipients.py` proves the two forms agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.core.extensions import db
from app.directory.models import Station
from app.staff.models import Staff, StaffRole

#: The roles alerted for a station's cases (merchant contacts are alerted for their store's only).
STATION_STAFF = (StaffRole.HANDLER, StaffRole.SUPERVISOR)


def _has_reachable_staff(station_id, *, excluding) -> sa.ColumnElement[bool]:
    other = aliased(Staff)
    found = sa.exists().where(
        other.station_id == station_id, other.role.in_(STATION_STAFF), Staff.reachable(other)
    )
    if excluding is not None:
        found = found.where(other.id != excluding)
    return found


def station_alert(
    station_id,
    roles: tuple[StaffRole, ...] = STATION_STAFF,
    *,
    stand_in: bool = True,
    excluding=None,
) -> sa.ColumnElement[bool]:
    """The staff alerted for a station's case: its reachable staff in `roles`, or, when the station has
    nobody reachable in any station role (besides `excluding`, a person WeChat just refused), its parent's
    reachable supervisors (unless `stand_in` is False). `station_id` and `excluding` may be values or
    bind parameters."""
    at_station = sa.and_(Staff.station_id == station_id, Staff.role.in_(roles))
    if stand_in:
        # One station is looked at: this one, or its parent when nobody here is reachable (the database
        # then reads the parent's id only in that case, and the staff table once, on its index).
        parent = sa.select(Station.parent_id).where(Station.id == station_id).scalar_subquery()
        looked_at = sa.case((_has_reachable_staff(station_id, excluding=excluding), station_id), else_=parent)
        at_station = sa.and_(
            Staff.station_id == looked_at,
            sa.or_(
                sa.and_(Staff.station_id == station_id, Staff.role.in_(roles)),
                sa.and_(Staff.station_id != station_id, Staff.role == StaffRole.SUPERVISOR),
            ),
        )
    condition = sa.and_(Staff.reachable(), at_station)
    return condition if excluding is None else sa.and_(condition, Staff.id != excluding)


def merchants(store_id) -> sa.ColumnElement[bool]:
    """The store's reachable merchant contacts."""
    return sa.and_(Staff.reachable(), Staff.store_id == store_id, Staff.role == StaffRole.MERCHANT)


# -- the ORM form -------------------------------------------------------------------------------------


def station_staff(
    station_id: int,
    roles: tuple[StaffRole, ...] = STATION_STAFF,
    *,
    stand_in: bool = True,
    excluding: int | None = None,
    handlers_first: bool = False,
) -> list[Staff]:
    """The people a station alert goes to (`station_alert`), by id (handlers first if asked)."""
    order = [Staff.id]
    if handlers_first:
        order.insert(0, sa.case((Staff.role == StaffRole.HANDLER, 0), else_=1))
    query = sa.select(Staff).where(station_alert(station_id, roles, stand_in=stand_in, excluding=excluding))
    return list(db.session.scalars(query.order_by(*order)))


def filing(station_id: int, store_id: int) -> list[Staff]:
    """Who is alerted of a new complaint: the station alert and the store's merchant contacts, by id."""
    query = sa.select(Staff).where(sa.or_(station_alert(station_id), merchants(store_id)))
    return list(db.session.scalars(query.order_by(Staff.id)))


# -- the filing path's Core form ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    openid: str
    role: StaffRole


#: `filing` as one packed string ("id:role:openid,..."), for the filing's counts statement to embed.
#: Bind parameters: `station_id`, `store_id`. `unpack` reads it back.
FILING = (
    sa.select(
        sa.func.aggregate_strings(
            sa.cast(Staff.id, sa.String) + ":" + sa.cast(Staff.role, sa.String) + ":" + Staff.oa_openid, ","
        )
    )
    .where(
        sa.or_(
            station_alert(sa.bindparam("station_id", type_=sa.Integer)),
            merchants(sa.bindparam("store_id", type_=sa.Integer)),
        )
    )
    .scalar_subquery()
)


def unpack(packed: str | None) -> list[Person]:
    """The people of a `FILING` value, by id."""
    people = []
    for item in (packed or "").split(","):
        if item:
            staff_id, role, openid = item.split(":", 2)
            people.append(Person(int(staff_id), openid, StaffRole(role)))
    return sorted(people, key=lambda p: p.id)
