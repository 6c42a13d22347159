"""Who is responsible where: regions, business circles and stations."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column, updated_at_column


class StationKind(enum.StrEnum):
    CENTER_12315 = "center_12315"
    REGULATORY_OFFICE = "regulatory_office"
    SERVICE_STATION = "service_station"
    LIAISON_STATION = "liaison_station"


class Region(db.Model):
    """An administrative area (district, street/town). Its regulatory office has jurisdiction (Art. 13)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    #: The city (地级市) the region lies in, as IP→city data spells it ("盐城市"); regions below inherit
    #: it. Only the out-of-city scan check reads it (`app.stores.scan_origin`).
    city: Mapped[str | None] = mapped_column(sa.String(32))
    created_at = created_at_column()

    parent: Mapped[Region | None] = relationship(remote_side=[id])


class Station(db.Model):
    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[StationKind] = mapped_column(enum_column(StationKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stations.id"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    #: Closed stations (撤销) take no new cases: routing never picks them. Rows stay for history.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()
    updated_at = updated_at_column()

    parent: Mapped[Station | None] = relationship(remote_side=[id])
    region: Mapped[Region | None] = relationship()

    def chain(self) -> list[Station]:
        """This station and its parents, up to the district centre (guarded against cycles)."""
        seen, node, out = set(), self, []
        while node is not None and node.id not in seen:
            seen.add(node.id)
            out.append(node)
            node = node.parent
        return out


class BusinessCircle(db.Model):
    """A mall, market or street whose service station settles disputes on the spot."""

    __tablename__ = "business_circles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stations.id"))
    created_at = created_at_column()

    region: Mapped[Region | None] = relationship()
    station: Mapped[Station | None] = relationship()


__all__ = ["BusinessCircle", "Region", "Station", "StationKind"]


class RoutingRule(db.Model):
    """Ordered routing rules kept as data. The first rule that applies and finds a station wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    rule: Mapped[str] = mapped_column(sa.String(40))
    categories: Mapped[list | None] = mapped_column(sa.JSON)  # None: every category
    kinds: Mapped[list | None] = mapped_column(sa.JSON)  # None: complaints and reports
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
