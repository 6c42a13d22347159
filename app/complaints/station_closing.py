"""Closing (撤销) a station: only when nothing depends on it any more.

Here rather than in `directory` because the first thing that must be gone is the station's open cases
(they are handed to another station first, by a transfer). Also: stores and business circles it is
responsible for, stations below it, staff on duty. A closed station is never picked by routing
(`app.directory.routing`). Flushes, never commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.log import Actor, record
from app.complaints.models import OPEN_STATUSES, Complaint
from app.core.errors import Conflict
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
