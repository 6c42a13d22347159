"""Everything a store page shows, read with a few Core queries (no ORM identity map on the scan path).

A cache miss on the scan path is the service's hottest database work: one query for the code, the store,
its circle, region, their stations and the store's publicity record (computed by the worker, never here);
one each for credentials, current commitments and badges; one
more for the responsible station only when it is neither the store's own nor its circle's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased

from app.core.extensions import db
from app.directory import cities, routing
from app.directory.models import BusinessCircle, Region, Station
from app.stores.models import (
    Badge,
    CodeStatus,
    Commitment,
    CommitmentKind,
    Credential,
    CredentialKind,
    Store,
    StoreCode,
    StorePublicity,
)

OwnStation = aliased(Station, name="own_station")
CircleStation = aliased(Station, name="circle_station")


def _station_columns(table, prefix: str) -> list:
    return [
        table.id.label(f"{prefix}_id"),
        table.name.label(f"{prefix}_name"),
        table.kind.label(f"{prefix}_kind"),
        table.phone.label(f"{prefix}_phone"),
        table.address.label(f"{prefix}_address"),
    ]


_HEAD = (
    sa.select(
        StoreCode.status,
        StoreCode.store_id,
        Store.name,
        Store.uscc,
        Store.address,
        Store.industry,
        Store.latitude,
        Store.longitude,
        Store.accepts_complaints,
        Store.merchant_contact,
        Store.merchant_phone,
        Store.region_id,
        BusinessCircle.region_id.label("circle_region_id"),
        BusinessCircle.name.label("circle_name"),
        Region.name.label("region_name"),
        *_station_columns(OwnStation, "own"),
        *_station_columns(CircleStation, "circ"),
        StorePublicity.data.label("publicity"),
    )
    .select_from(StoreCode)
    .join(Store, Store.id == StoreCode.store_id)
    .outerjoin(BusinessCircle, BusinessCircle.id == Store.circle_id)
    .outerjoin(Region, Region.id == Store.region_id)
    .outerjoin(OwnStation, OwnStation.id == Store.station_id)
    .outerjoin(CircleStation, CircleStation.id == BusinessCircle.station_id)
    .outerjoin(StorePublicity, StorePublicity.store_id == Store.id)
)


@dataclass(frozen=True)
class StationInfo:
    name: str
    kind: object
    phone: str
    address: str


@dataclass
class Snapshot:
    status: CodeStatus | None  # None: no such code
    store_id: int | None = None
    head: Row | None = None
    station: StationInfo | None = None
    credentials: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    badges: list = field(default_factory=list)
    city: str = ""  # the store's city (`app.directory.cities`), for the out-of-city scan check only


def _station_from(head: Row, prefix: str) -> StationInfo | None:
    if getattr(head, f"{prefix}_id") is None:
        return None
    return StationInfo(*(getattr(head, f"{prefix}_{k}") for k in ("name", "kind", "phone", "address")))


def _none(type_):
    return sa.cast(sa.null(), type_)


def _lists_query():
    """Credentials, current commitments and badges in one round trip (UNION ALL, one shape)."""
    text, date_, integer, boolean = sa.String(), sa.Date(), sa.Integer(), sa.Boolean()
    creds = sa.select(
        sa.literal("c").label("part"),
        Credential.id.label("id"),
        sa.cast(Credential.kind, text).label("kind"),
        Credential.title.label("title"),
        Credential.number.label("number"),
        Credential.holder.label("holder"),
        Credential.holder_is_person.label("flag"),
        Credential.valid_until.label("d1"),
        Credential.issued_on.label("d2"),
        _none(sa.Text()).label("terms"),
        _none(integer).label("num"),
        _none(text).label("level"),
    ).where(Credential.store_id == sa.bindparam("store_id"))
    pledges = sa.select(
        sa.literal("m"),
        Commitment.id,
        sa.cast(Commitment.kind, text),
        _none(text),
        _none(text),
        _none(text),
        _none(boolean),
        Commitment.effective_from,
        _none(date_),
        sa.cast(Commitment.terms, sa.Text()),
        Commitment.version,
        _none(text),
    ).where(Commitment.store_id == sa.bindparam("store_id"), Commitment.superseded_at.is_(None))
    badges = sa.select(
        sa.literal("b"),
        Badge.id,
        Badge.kind,
        Badge.title,
        _none(text),
        _none(text),
        _none(boolean),
        _none(date_),
        _none(date_),
        _none(sa.Text()),
        Badge.year,
        Badge.level,
    ).where(Badge.store_id == sa.bindparam("store_id"))
    union = sa.union_all(creds, pledges, badges).subquery()
    return sa.select(union).order_by(union.c.part, union.c.id)


# Built once: SQLAlchemy then reuses the compiled statements instead of re-keying them per request.
_HEAD_BY_CODE = _HEAD.where(StoreCode.code == sa.bindparam("code"))
_LISTS = _lists_query()


@dataclass(frozen=True)
class CredentialRow:
    kind: CredentialKind
    title: str
    number: str
    holder: str
    holder_is_person: bool
    issued_on: object
    valid_until: object


@dataclass(frozen=True)
class CommitmentRow:
    kind: CommitmentKind
    terms: dict
    version: int
    effective_from: object


@dataclass(frozen=True)
class BadgeRow:
    kind: str
    title: str
    level: str
    year: int | None


_STATION_BY_ID = sa.select(Station.name, Station.kind, Station.phone, Station.address).where(
    Station.id == sa.bindparam("station_id")
)


def _station_for(conn, head: Row) -> StationInfo | None:
    subject = routing.Subject(head.own_id, head.circ_id, head.region_id or head.circle_region_id)
    station_id, _ = routing.decide(subject, conn=conn)
    if station_id is None:
        return None
    if station_id == head.own_id:
        return _station_from(head, "own")
    if station_id == head.circ_id:
        return _station_from(head, "circ")
    row = conn.execute(_STATION_BY_ID, {"station_id": station_id}).first()
    return StationInfo(*row) if row else None


def _scan_engine() -> sa.Engine:
    """The scan path's own pool, in autocommit and without a ping per checkout.

    Pinging on every checkout costs a round trip per scan; instead a read that meets a connection the
    server dropped (a database restart) is retried once on a fresh one, see `load`.
    """
    engine = current_app.extensions.get("scan_engine")
    if engine is None:
        options = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.pop("pool_pre_ping", None)
        engine = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", **options)
        current_app.extensions["scan_engine"] = engine
    return engine


def load(code: str) -> Snapshot:
    """Read a store's page data; one retry when the pooled connection turns out to be dead."""
    try:
        return _load(code)
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return _load(code)


def _load(code: str) -> Snapshot:
    with _scan_engine().connect() as conn:
        head = conn.execute(_HEAD_BY_CODE, {"code": code}).first()
        if head is None:
            return Snapshot(status=None)
        if head.status == CodeStatus.REVOKED:
            return Snapshot(status=head.status, store_id=head.store_id)
        station = _station_for(conn, head)
        snap = Snapshot(head.status, head.store_id, head, station)
        snap.city = cities.city_of_region(conn, head.region_id or head.circle_region_id)
        for r in conn.execute(_LISTS, {"store_id": head.store_id}):
            if r.part == "c":
                snap.credentials.append(
                    CredentialRow(
                        CredentialKind(r.kind), r.title, r.number, r.holder, bool(r.flag), r.d2, r.d1
                    )
                )
            elif r.part == "m":
                snap.commitments.append(
                    CommitmentRow(CommitmentKind(r.kind), json.loads(r.terms), r.num, r.d1)
                )
            else:
                snap.badges.append(BadgeRow(r.kind, r.title, r.level, r.num))
        return snap
