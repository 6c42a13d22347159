"""Regions and business circles from a form: list, create, edit (rename), move in the tree.

A region may name its city (`city`, e.g. 盐城市; regions below inherit it), which the out-of-city scan
check compares with the scanner's. Names follow the enrolment files' rules (`importing.region_path`: a region is named by its name or its
path 滨湖区/湖滨街道, at most 64 characters a level), and a move that would close a loop in the region
tree is refused with the importer's message (`importing.find_cycle`). A circle's region must exist (the
files create regions; this form does not create one by the way), its station must exist and be open.

Scope (console accounts, who see one subtree of stations): a circle belongs to the subtree of the station
serving it; the regions of an account are its station's region and every region below it (the top of the
station tree sees them all; a station without a region, none). A scoped account creates regions only
below one of its own, keeps its own region's parent, and gives circles only stations and regions of its
subtree (a circle's current region may stay). Every change is audited. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import sqlalchemy as sa

from app.audit.log import Actor, diff, record
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.models import depth_first, subtree
from app.directory import importing
from app.directory.cities import CITY_PATTERN
from app.directory.models import BusinessCircle, Region, Station
from app.directory.stations import region_path
from app.directory.texts import AREA_ERRORS, CIRCLE_LABELS, REGION_LABELS

REGION_FIELDS = ("name", "parent", "city")
CIRCLE_FIELDS = ("name", "region", "station")
FIELD_MAX = 2000
CIRCLE_NAME_MAX = 100


# -- scope ----------------------------------------------------------------------------------------------


def region_subtree(region_id: int) -> set[int]:
    """The region and every region below it (the table is small: read it whole)."""
    return subtree(db.session.execute(sa.select(Region.id, Region.parent_id)).tuples(), region_id)


def region_scope(station: Station) -> frozenset[int] | None:
    """The regions an account at `station` may see and change; None: all of them (the tree's top)."""
    if station.parent_id is None:
        return None
    if station.region_id is None:
        return frozenset()
    return frozenset(region_subtree(station.region_id))


def region_tree(scope: Collection[int] | None) -> list[tuple[int, Region]]:
    """(depth, region) in tree order: every region of the scope, each under its parent when that is in
    the scope too."""
    regions = [
        r
        for r in db.session.scalars(sa.select(Region).order_by(Region.name))
        if scope is None or r.id in scope
    ]
    ids = {r.id for r in regions}
    return depth_first(
        regions,
        lambda r: r.parent_id if r.parent_id in ids else None,
        [r for r in regions if r.parent_id not in ids],
    )


def circles(stations: Collection[int] | None) -> list[BusinessCircle]:
    """The circles served by the given stations (None: all), by name."""
    query = sa.select(BusinessCircle).order_by(BusinessCircle.name)
    if stations is not None:
        query = query.where(BusinessCircle.station_id.in_(list(stations)))
    return list(db.session.scalars(query))


# -- form values ------------------------------------------------------------------------------------------


def region_values(region: Region) -> dict[str, str]:
    """The form's values; `city` only when set (an audit entry of a region without one does not list it)."""
    values = {"name": region.name, "parent": region_path(region.parent)}
    if region.city:
        values["city"] = region.city
    return values


def circle_values(circle: BusinessCircle) -> dict[str, str]:
    return {
        "name": circle.name,
        "region": region_path(circle.region),
        "station": circle.station.name if circle.station else "",
    }


def _clean(form: Mapping[str, str], fields: tuple[str, ...], labels: Mapping[str, str]) -> dict[str, str]:
    values = {k: str(form.get(k) or "").strip() for k in fields}
    bad = {labels[k]: AREA_ERRORS["bad_characters"] for k, v in values.items() if "\x00" in v}
    bad.update({labels[k]: AREA_ERRORS["too_long"] for k, v in values.items() if len(v) > FIELD_MAX})
    if bad:
        raise ValidationFailed(bad)
    return values


def _region_named(text: str) -> tuple[Region | None, str | None]:
    """The existing region a form names (by name or path: its last level), or why there is none."""
    try:
        path = importing.region_path(text)
    except importing.CellError as exc:
        return None, exc.reason
    region = db.session.scalar(sa.select(Region).where(Region.name == path[-1]))
    return (
        (region, None) if region is not None else (None, AREA_ERRORS["region_missing"].format(name=path[-1]))
    )


def _region_name_problem(name: str) -> str | None:
    if not name:
        return AREA_ERRORS["required"]
    try:
        path = importing.region_path(name)
    except importing.CellError as exc:
        return exc.reason
    return AREA_ERRORS["one_level"] if len(path) > 1 else None


def _cycle(region: Region | None, name: str, parent: Region | None) -> list[str] | None:
    """The loop that giving `region` (None: a new one) this name and parent would close, as names."""
    if region is None or parent is None:
        return None
    names = {rid: rname for rid, rname in db.session.execute(sa.select(Region.id, Region.name))}
    names[region.id] = name
    parents = {
        names[rid]: names.get(pid) for rid, pid in db.session.execute(sa.select(Region.id, Region.parent_id))
    }
    parents[name] = names[parent.id]
    return importing.find_cycle(name, parents)


def _audit(actor: Actor, kind: str, target: str, before: dict, after: dict, station_id: int | None) -> None:
    """`kind`.create (no `before`) or `kind`.update with the changed fields; nothing when none changed."""
    old, new = diff(before, after)
    if new:
        action = f"{kind}.update" if before else f"{kind}.create"
        record(actor, action, target, station_id=station_id, before=old if before else None, after=new)


# -- regions --------------------------------------------------------------------------------------------


def save_region(
    form: Mapping[str, str],
    actor: Actor,
    *,
    region: Region | None = None,
    scope: Collection[int] | None = None,
    scope_root: int | None = None,
    station_id: int | None = None,
) -> Region:
    """Create a region (`region` None) or rename and move one. With a `scope` (`region_scope`), the new
    parent must be in it, and the scope's own region (`scope_root`) keeps its parent. `station_id`: the
    station the audit entry is about (the account's own)."""
    values = _clean(form, REGION_FIELDS, REGION_LABELS)
    problems: dict[str, str] = {}
    name, parent_text = values["name"], values["parent"]
    trouble = _region_name_problem(name)
    if trouble:
        problems[REGION_LABELS["name"]] = trouble
    else:
        other = db.session.scalar(sa.select(Region.id).where(Region.name == name))
        if other is not None and (region is None or other != region.id):
            problems[REGION_LABELS["name"]] = AREA_ERRORS["region_exists"].format(name=name)
    parent = None
    if parent_text:
        parent, trouble = _region_named(parent_text)
        if trouble:
            problems[REGION_LABELS["parent"]] = trouble
    if scope is not None and REGION_LABELS["parent"] not in problems:
        keeps_parent = region is not None and parent is region.parent
        if region is not None and region.id == scope_root:
            if not keeps_parent:
                problems[REGION_LABELS["parent"]] = AREA_ERRORS["own_region_parent"]
        elif parent is None or (parent.id not in scope and not keeps_parent):
            problems[REGION_LABELS["parent"]] = AREA_ERRORS["parent_required"]
    if values["city"] and not CITY_PATTERN.match(values["city"]):
        problems[REGION_LABELS["city"]] = AREA_ERRORS["bad_city"]
    if not problems:
        cycle = _cycle(region, name, parent)
        if cycle:
            problems[REGION_LABELS["parent"]] = importing.REGION_CYCLE + " → ".join(cycle)
    if problems:
        raise ValidationFailed(problems)
    before = region_values(region) if region is not None else {}
    if region is None:
        region = Region(name=name)
        db.session.add(region)
    region.name = name
    region.parent = parent
    region.city = values["city"] or None
    db.session.flush()
    after = region_values(region)
    if "city" in before:
        after.setdefault("city", "")  # a city cleared shows in the audit entry
    _audit(actor, "region", region.name, before, after, station_id)
    return region


# -- business circles -----------------------------------------------------------------------------------


def save_circle(
    form: Mapping[str, str],
    actor: Actor,
    *,
    circle: BusinessCircle | None = None,
    stations: Collection[int] | None = None,
    regions: Collection[int] | None = None,
) -> BusinessCircle:
    """Create a circle (`circle` None) or rename it, move it to another region, give it another station.
    With scopes, the station must be one of `stations` and a changed region one of `regions`."""
    values = _clean(form, CIRCLE_FIELDS, CIRCLE_LABELS)
    problems: dict[str, str] = {}
    name = values["name"]
    if not name:
        problems[CIRCLE_LABELS["name"]] = AREA_ERRORS["required"]
    elif len(name) > CIRCLE_NAME_MAX:
        problems[CIRCLE_LABELS["name"]] = AREA_ERRORS["circle_too_long"]
    else:
        other = db.session.scalar(sa.select(BusinessCircle.id).where(BusinessCircle.name == name))
        if other is not None and (circle is None or other != circle.id):
            problems[CIRCLE_LABELS["name"]] = AREA_ERRORS["circle_exists"].format(name=name)
    region = None
    if values["region"]:
        region, trouble = _region_named(values["region"])
        if trouble:
            problems[CIRCLE_LABELS["region"]] = trouble
        elif (
            regions is not None
            and region.id not in regions
            and (circle is None or region is not circle.region)
        ):
            problems[CIRCLE_LABELS["region"]] = AREA_ERRORS["region_out_of_scope"]
    station = None
    station_name = values["station"]
    if not station_name:
        problems[CIRCLE_LABELS["station"]] = AREA_ERRORS["required"]
    else:
        station = db.session.scalar(sa.select(Station).where(Station.name == station_name))
        if station is None:
            problems[CIRCLE_LABELS["station"]] = AREA_ERRORS["station_missing"].format(name=station_name)
        elif stations is not None and station.id not in stations:
            problems[CIRCLE_LABELS["station"]] = AREA_ERRORS["station_out_of_scope"]
        elif station.closed_at is not None:
            problems[CIRCLE_LABELS["station"]] = AREA_ERRORS["station_closed"].format(name=station_name)
    if problems:
        raise ValidationFailed(problems)
    before = circle_values(circle) if circle is not None else {}
    if circle is None:
        circle = BusinessCircle(name=name)
        db.session.add(circle)
    circle.name, circle.region, circle.station = name, region, station
    db.session.flush()
    _audit(actor, "circle", circle.name, before, circle_values(circle), station.id)
    return circle
