"""app.notifications.recipients: who receives a station alert, and the filing's Core form agreeing with
the ORM form.

Real database (PostgreSQL and SQLite). The rule is also written out below in plain Python (`expected`), and
both forms are compared with it on a seeded random directory of stations, staff and merchants.
"""

from __future__ import annotations

import itertools
import random

import pytest
import sqlalchemy as sa

from app.core.extensions import db
from app.directory.models import Station
from app.notifications import recipients
from app.staff.models import Staff, StaffRole
from tests import factories

H, S, M = StaffRole.HANDLER, StaffRole.SUPERVISOR, StaffRole.MERCHANT
_openids = itertools.count(1)


def person(role: StaffRole, *, station=None, store=None, active=True, bound=True, following=True) -> Staff:
    staff = Staff(
        name=f"人员{next(_openids)}",
        role=role,
        station=station,
        store=store,
        active=active,
        oa_openid=f"oa-{next(_openids)}" if bound else None,
        oa_following=following,
    )
    db.session.add(staff)
    return staff


def core_filing(station_id: int, store_id: int) -> list[tuple[int, str, StaffRole]]:
    packed = db.session.execute(
        sa.select(recipients.FILING), {"station_id": station_id, "store_id": store_id}
    ).scalar()
    return [(p.id, p.openid, p.role) for p in recipients.unpack(packed)]


def orm_filing(station_id: int, store_id: int) -> list[tuple[int, str, StaffRole]]:
    return [(p.id, p.oa_openid, p.role) for p in recipients.filing(station_id, store_id)]


def ids(people: list[Staff]) -> list[int]:
    return [p.id for p in people]


def reachable(p: Staff) -> bool:
    return p.active and p.oa_openid is not None and p.oa_following


def expected(
    everyone: list[Staff], station: Station, roles=recipients.STATION_STAFF, stand_in=True, excluding=None
) -> list[int]:
    """The rule in plain words: the station's reachable staff in `roles`; when nobody at the station is
    reachable in any station role, the parent's reachable supervisors (never `excluding`)."""
    everyone = [p for p in everyone if p.id != excluding]
    here = [p for p in everyone if p.station_id == station.id and reachable(p)]
    chosen = [p for p in here if p.role in roles]
    if stand_in and station.parent_id is not None and not [p for p in here if p.role in (H, S)]:
        chosen = [p for p in everyone if p.station_id == station.parent_id and p.role == S and reachable(p)]
    return sorted(p.id for p in chosen)


def test_station_staff_handlers_and_supervisors_but_not_the_unreachable(ctx):
    office = factories.station(name="市场监管所")
    station = factories.station(parent=office)
    handler, supervisor = person(H, station=station), person(S, station=station)
    person(H, station=station, following=False)  # unfollowed the account
    person(H, station=station, bound=False)
    person(S, station=station, active=False)
    person(S, station=office)  # the parent's supervisor: someone at the station is reachable
    db.session.flush()

    assert ids(recipients.station_staff(station.id)) == [handler.id, supervisor.id]
    assert ids(recipients.station_staff(station.id, (H,))) == [handler.id]


def test_station_nobody_can_receive_hands_to_the_parent_supervisors(ctx):
    office = factories.station(name="市场监管所")
    station = factories.station(parent=office)
    orphan = factories.station()  # no parent
    person(H, station=station, following=False)
    boss, _ = person(S, station=office), person(H, station=office)
    person(S, station=office, following=False)
    person(H, station=orphan, active=False)
    store = factories.store(station=station)
    merchant = person(M, store=store)
    db.session.flush()

    assert ids(recipients.station_staff(station.id)) == [boss.id]
    assert ids(recipients.station_staff(station.id, stand_in=False)) == []
    assert ids(recipients.station_staff(orphan.id)) == []
    assert ids(recipients.filing(station.id, store.id)) == [boss.id, merchant.id]
    assert core_filing(station.id, store.id) == orm_filing(station.id, store.id)


def test_a_supervisor_only_station_asked_for_handlers_does_not_hand_over(ctx):
    office = factories.station(name="市场监管所")
    station = factories.station(parent=office)
    person(S, station=station)
    person(S, station=office)
    db.session.flush()

    assert recipients.station_staff(station.id, (H,)) == []  # the station has someone: its supervisor


def test_excluding_the_person_wechat_refused(ctx):
    office = factories.station(name="市场监管所")
    station = factories.station(parent=office)
    refused = person(H, station=station)
    boss = person(S, station=office)
    db.session.flush()
    assert ids(recipients.station_staff(station.id, excluding=refused.id)) == [boss.id]

    supervisor, handler = person(S, station=station), person(H, station=station)
    db.session.flush()
    handed = recipients.station_staff(station.id, excluding=refused.id, handlers_first=True)
    assert ids(handed) == [handler.id, supervisor.id]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_core_and_orm_forms_agree_with_the_rule_on_varied_data(ctx, seed):
    rng = random.Random(seed)
    office = factories.station(name=f"市场监管所{seed}")
    middle = [factories.station(parent=office) for _ in range(3)]
    leaves = [factories.station(parent=rng.choice(middle)) for _ in range(6)]
    stations = [office, *middle, *leaves, factories.station()]
    stores = [factories.store(station=rng.choice(stations)) for _ in range(5)]
    everyone = []
    for _ in range(40):
        role = rng.choice([H, H, S, S, M])
        everyone.append(
            person(
                role,
                station=rng.choice(stations) if role != M else None,
                store=rng.choice(stores) if role == M else None,
                active=rng.random() > 0.15,
                bound=rng.random() > 0.2,
                following=rng.random() > 0.3,
            )
        )
    # Whatever the seed drew: one leaf whose only handler unfollowed, under a reachable supervisor.
    everyone += [person(H, station=leaves[0], following=False), person(S, station=leaves[0].parent)]
    db.session.flush()

    for station, store in itertools.product(stations, stores):
        merchants = sorted(p.id for p in everyone if p.store_id == store.id and p.role == M and reachable(p))
        assert ids(recipients.filing(station.id, store.id)) == sorted(expected(everyone, station) + merchants)
        assert core_filing(station.id, store.id) == orm_filing(station.id, store.id)
    for station in stations:
        for roles in ((H, S), (H,), (S,)):
            assert ids(recipients.station_staff(station.id, roles)) == expected(everyone, station, roles)
            plain = ids(recipients.station_staff(station.id, roles, stand_in=False))
            assert plain == expected(everyone, station, roles, stand_in=False)
        for refused in [p for p in everyone if p.station_id == station.id]:  # WeChat refused this one
            handed = ids(recipients.station_staff(station.id, excluding=refused.id))
            assert handed == expected(everyone, station, excluding=refused.id)
    handed_over = [s for s in stations if expected(everyone, s) and not expected(everyone, s, stand_in=False)]
    assert handed_over, "the seeded data must include a station handing to its parent"
