"""Which station answers for a store, by ordered rules kept in the database (`routing_rules`).

A rule names a way to find a station and, optionally, the categories and kinds it applies to. The
first applicable rule that finds a station wins, and the decision records the rule's name. The
default order follows DOMAIN.md: food-safety complaints and all reports (举报: suspected violations,
which only an authority can investigate) go to the regulatory office of the store's region (Art. 13:
where the store actually operates); everything else to the store's own station, then its business
circle's service station, then the region's regulatory office, then the district 12315 centre. The
centre is always the last resort, so no store is a dead end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.extensions import db
from app.directory.models import Region, RoutingRule, Station, StationKind
from app.stores.models import Store


@dataclass(frozen=True)
class Route:
    station: Station | None
    rule: str


@dataclass(frozen=True)
class RuleSpec:
    rule: str
    categories: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None


#: The default rule order; also written to `routing_rules` by the migration and `flask routing reset`.
DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("region_regulatory_office", categories=("food_safety",)),
    RuleSpec("region_regulatory_office", kinds=("report",)),
    RuleSpec("store_station"),
    RuleSpec("circle_station"),
    RuleSpec("region_regulatory_office"),
    RuleSpec("district_centre"),
)


@dataclass(frozen=True)
class Subject:
    """What routing needs to know about a store: ids only, so the scan path can route without the ORM."""

    own_station_id: int | None
    circle_station_id: int | None
    region_id: int | None

    @classmethod
    def of(cls, store: Store) -> Subject:
        region_id = store.region_id or (store.circle.region_id if store.circle else None)
        return cls(store.station_id, store.circle.station_id if store.circle else None, region_id)


_OFFICE_IN_REGION = (
    sa.select(Station.id)
    .where(
        Station.region_id == sa.bindparam("region_id"),
        Station.kind == StationKind.REGULATORY_OFFICE,
        Station.closed_at.is_(None),
    )
    .order_by(Station.id)
    .limit(1)
)
_PARENT_REGION = sa.select(Region.parent_id).where(Region.id == sa.bindparam("region_id"))
_CENTRE = (
    sa.select(Station.id)
    .where(Station.kind == StationKind.CENTER_12315, Station.closed_at.is_(None))
    .order_by(Station.id)
    .limit(1)
)

#: region id -> office id, and the centre's id: kept with the rules (same lifetime, same clearing).
_lookups: dict = {}


def regulatory_office_id(region_id: int | None, conn=None) -> int | None:
    """The regulatory office of the region, or of the nearest region above it that has one.

    `conn`: a Core connection to read on (the scan path), else the ORM session.
    """
    _fresh_lookups()
    key = ("office", region_id)
    if key in _lookups:
        return _lookups[key]
    reader = conn if conn is not None else db.session
    seen: set[int] = set()
    office, current = None, region_id
    while current is not None and current not in seen:
        seen.add(current)
        office = reader.scalar(_OFFICE_IN_REGION, {"region_id": current})
        if office is not None:
            break
        current = reader.scalar(_PARENT_REGION, {"region_id": current})
    _lookups[key] = office
    return office


def district_centre_id(conn=None) -> int | None:
    _fresh_lookups()
    if "centre" not in _lookups:
        _lookups["centre"] = (conn if conn is not None else db.session).scalar(_CENTRE)
    return _lookups["centre"]


_CONTACT = sa.select(Station.name, Station.phone).where(Station.id == sa.bindparam("station_id"))


def station_contact(station_id: int) -> tuple[str, str]:
    """(name, phone) of a station, kept with the rules (a committed change to stations clears it)."""
    _fresh_lookups()
    key = ("contact", station_id)
    if key not in _lookups:
        row = db.session.connection().execute(_CONTACT, {"station_id": station_id}).one()
        _lookups[key] = (row.name, row.phone)
    return _lookups[key]


def _fresh_lookups() -> None:
    global _lookups_until
    now = time.monotonic()
    if now > _lookups_until:
        _lookups.clear()
        _lookups_until = now + RULES_TTL_SECONDS


_lookups_until = 0.0


def district_centre() -> Station | None:
    centre = district_centre_id()
    return db.session.get(Station, centre) if centre is not None else None


FINDERS: dict[str, Callable[..., int | None]] = {
    "store_station": lambda subject, conn: subject.own_station_id,
    "circle_station": lambda subject, conn: subject.circle_station_id,
    "region_regulatory_office": lambda subject, conn: regulatory_office_id(subject.region_id, conn),
    "district_centre": lambda subject, conn: district_centre_id(conn),
}


#: Rules are read on every cache miss of the scan path; a process keeps them this long. A committed change
#: to `routing_rules` clears this process's copy at once (see app.stores.cache_hooks) and every other process's
#: within the same bound.
RULES_TTL_SECONDS = 10.0
_rules_cache: tuple[float, list[RuleSpec]] | None = None


def forget_rules() -> None:
    """Forget the rules and the station lookups (after a committed change to stations or rules)."""
    global _rules_cache
    _rules_cache = None
    _lookups.clear()


def active_rules() -> list[RuleSpec]:
    global _rules_cache
    now = time.monotonic()
    if _rules_cache is not None and _rules_cache[0] > now:
        return _rules_cache[1]
    rules = _read_rules()
    _rules_cache = (now + RULES_TTL_SECONDS, rules)
    return rules


def _read_rules() -> list[RuleSpec]:
    rows = db.session.scalars(
        sa.select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.position)
    ).all()
    if not rows:
        return list(DEFAULT_RULES)
    return [
        RuleSpec(
            r.rule,
            tuple(r.categories) if r.categories else None,
            tuple(r.kinds) if r.kinds else None,
        )
        for r in rows
    ]


def decide(
    subject: Subject, category: str | None = None, kind: str = "complaint", conn=None
) -> tuple[int | None, str]:
    """(station id, rule name) for a filing about the subject; `category=None` is the store page's answer."""
    for spec in active_rules():
        if spec.categories is not None and category not in spec.categories:
            continue
        if spec.kinds is not None and kind not in spec.kinds:
            continue
        finder = FINDERS.get(spec.rule)
        station_id = finder(subject, conn) if finder else None
        if station_id is not None:
            return station_id, spec.rule
    return district_centre_id(conn), "district_centre"


def station_id_for(store: Store) -> int | None:
    """The id of the station the store's page names as responsible (no complaint category)."""
    return decide(Subject.of(store))[0]


def responsible_station(store: Store, category: str | None = None, kind: str = "complaint") -> Route:
    station_id, rule = decide(Subject.of(store), category, kind)
    return Route(db.session.get(Station, station_id) if station_id is not None else None, rule)


def reset_rules() -> None:
    """Replace the table with the default order (used by the CLI)."""
    db.session.execute(sa.delete(RoutingRule))
    for position, spec in enumerate(DEFAULT_RULES, start=1):
        db.session.add(
            RoutingRule(
                position=position,
                rule=spec.rule,
                categories=list(spec.categories) if spec.categories else None,
                kinds=list(spec.kinds) if spec.kinds else None,
            )
        )
