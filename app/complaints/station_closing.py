"""Closing (撤销) a station: only when nothing depends on it any more.

Here rather than in `directory` because the first thing that must be gone is the station's open cases
(they are handed to another station first, by a transfer: `hand_over_and_close` transfers them all
through `flow.transfer`, so each case's timeline, the consumer's message and the receiving station's
alert happen as for any transfer, and then closes the station, all in one transaction). Also: stores and business circles it is
responsible for, stations below it, staff on duty. A closed station is never picked by routing
(`app.directory.routing`). Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from app.audit.log import Actor, record
from app.complaints import flow, states
from app.complaints.models import OPEN_STATUSES, Complaint
from app.complaints.texts import HAND_OVER
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.directory.models import BusinessCircle, Station
from app.staff.models import Staff
from app.stores.models import Store


def close_station(station: Station, actor: Actor) -> bool:
    """Close a station nobody depends on any more. Conflict, naming what is left, while it still has open
    cases (transfer them first), stores or circles it is responsible for, stations below it, or staff on
    duty. False when it was already closed."""
    if station.closed_at is not None:
        return False
    left = []
    counts = (
        (
            sa.select(sa.func.count())
            .select_from(Complaint)
            .where(Complaint.station_id == station.id, Complaint.status.in_(OPEN_STATUSES)),
            "{n} 件未办结的投诉（请先转办到其他站点）",
        ),
        (
            sa.select(sa.func.count()).select_from(Store).where(Store.station_id == station.id),
            "{n} 家店铺以它为负责站点",
        ),
        (
            sa.select(sa.func.count())
            .select_from(BusinessCircle)
            .where(BusinessCircle.station_id == station.id),
            "{n} 个商圈由它服务",
        ),
        (
            sa.select(sa.func.count())
            .select_from(Station)
            .where(Station.parent_id == station.id, Station.closed_at.is_(None)),
            "{n} 个下级站点",
        ),
        (
            sa.select(sa.func.count())
            .select_from(Staff)
            .where(Staff.station_id == station.id, Staff.active.is_(True)),
            "{n} 名在岗工作人员",
        ),
    )
    for query, text in counts:
        n = db.session.scalar(query) or 0
        if n:
            left.append(text.format(n=n))
    if left:
        raise Conflict("station_in_use", "还不能撤销该站点：仍有" + "、".join(left) + "。")
    station.closed_at = utcnow()
    db.session.flush()
    record(
        actor,
        "station.close",
        station.name,
        station_id=station.id,
        before={"closed": False},
        after={"closed": True},
    )
    return True


#: Who the timeline names for a hand-over made in the console or the CLI (the office, not a station's
#: staff member).
CONSOLE = states.Actor("system", None, "console")
COMMAND_LINE = states.Actor("system", None, "cli")


def hand_over_and_close(
    station: Station,
    to_station: Station | None,
    reason: str,
    actor: Actor,
    *,
    scope: Collection[int] | None = None,
    by: states.Actor = CONSOLE,
) -> int:
    """Transfer every open case of `station` to `to_station` with `reason`, then close `station`; returns
    how many cases were handed over. All or nothing: when the station cannot be closed afterwards (stores,
    circles, stations below it, staff), `close_station`'s Conflict leaves the caller to roll back. With a
    `scope` (a console account's stations), the receiving station must be in it. A station already
    closed is left alone (0): a retried request hands over nothing twice. `by`: who the cases' timelines
    name (the console, or `COMMAND_LINE`)."""
    if station.closed_at is not None:
        return 0
    reason = (reason or "").strip()
    problems = {}
    if to_station is None or (scope is not None and to_station.id not in scope):
        problems[HAND_OVER["to"]] = HAND_OVER["choose"]
    elif to_station.id == station.id:
        problems[HAND_OVER["to"]] = HAND_OVER["itself"]
    elif to_station.closed_at is not None:
        problems[HAND_OVER["to"]] = HAND_OVER["closed"]
    if not reason:
        problems[HAND_OVER["reason"]] = HAND_OVER["reason_required"]
    elif len(reason) > flow.TEXT_MAX or "\x00" in reason:
        problems[HAND_OVER["reason"]] = HAND_OVER["reason_invalid"].format(limit=flow.TEXT_MAX)
    if problems:
        raise ValidationFailed(problems)
    query = (
        sa.select(Complaint)
        .where(Complaint.station_id == station.id, Complaint.status.in_(OPEN_STATUSES))
        .order_by(Complaint.id)
    )
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(of=Complaint)  # a case is not acted on while it changes hands
    cases = db.session.scalars(query).all()
    for complaint in cases:
        flow.transfer(complaint, by, to_station, reason)
    record(
        actor,
        "station.hand_over",
        station.name,
        station_id=station.id,
        before={"open_cases": [c.number for c in cases]},
        after={"station": to_station.name, "reason": reason},
    )
    close_station(station, actor)
    return len(cases)
