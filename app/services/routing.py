"""Which station answers for a store.

The order follows DOMAIN.md: the store's own station; its business circle's service station; the
regulatory office of its region (Art. 13: where the store actually operates); the district 12315 centre.
Every answer carries the name of the rule that fired.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Region, Station, StationKind, Store


@dataclass(frozen=True)
class Route:
    station: Station | None
    rule: str


def _regulatory_office_for(region: Region | None) -> Station | None:
    seen: set[int] = set()
    while region is not None and region.id not in seen:
        seen.add(region.id)
        office = db.session.scalar(
            sa.select(Station)
            .where(Station.region_id == region.id, Station.kind == StationKind.REGULATORY_OFFICE)
            .order_by(Station.id)
            .limit(1)
        )
        if office is not None:
            return office
        region = region.parent
    return None


def district_centre() -> Station | None:
    return db.session.scalar(
        sa.select(Station).where(Station.kind == StationKind.CENTER_12315).order_by(Station.id).limit(1)
    )


def responsible_station(store: Store) -> Route:
    if store.station is not None:
        return Route(store.station, "store_station")
    if store.circle is not None and store.circle.station is not None:
        return Route(store.circle.station, "circle_station")
    office = _regulatory_office_for(store.region)
    if office is not None:
        return Route(office, "region_regulatory_office")
    return Route(district_centre(), "district_centre")
