"""Stations from a form: create, edit, move in the tree.

The form's fields are the stations file's columns, and `save_station` hands them to
`importing.import_stations` as a one-row table: the same checks and Chinese messages, cycles in the tree
refused, regions and circles created when missing. The name identifies the station (as in the file), so
a station is renamed nowhere. Scope rules (for console accounts, who see one subtree) are checked here,
so that no surface has its own copy. Closing a station needs its open cases, so it lives in
`app.complaints.station_closing`. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import sqlalchemy as sa

from app.audit.log import Actor, diff, record
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.directory import importing
from app.directory.models import BusinessCircle, Region, Station

FIELDS: tuple[str, ...] = ("name", "kind", "parent", "region", "address", "phone", "circles")
LABELS: dict[str, str] = {c.key: c.label for c in importing.STATION_COLUMNS}
FORMATS: dict[str, str] = {c.key: c.fmt for c in importing.STATION_COLUMNS}


def region_path(region: Region | None) -> str:
    names, seen = [], set()
    while region is not None and region.id not in seen:
        seen.add(region.id)
        names.append(region.name)
        region = region.parent
    return "/".join(reversed(names))


def form_values(station: Station) -> dict[str, str]:
    circles = db.session.scalars(
        sa.select(BusinessCircle.name)
        .where(BusinessCircle.station_id == station.id)
        .order_by(BusinessCircle.id)
    )
    return {
        "name": station.name,
        "kind": station.kind.value,
        "parent": station.parent.name if station.parent else "",
        "region": region_path(station.region),
        "address": station.address,
        "phone": station.phone,
        "circles": "|".join(circles),
    }


def _by_name(name: str) -> Station | None:
    return db.session.scalar(sa.select(Station).where(Station.name == name)) if name else None


def save_station(
    form: Mapping[str, str],
    actor: Actor,
    *,
    scope: Collection[int] | None = None,
    scope_root: int | None = None,
) -> Station:
    """Create or update the station named in the form. With a `scope` (a console account's station
    ids), only stations of the subtree may be changed, a new one needs a parent in it, the subtree's top
    keeps its parent, and a circle served by a station outside the subtree cannot be taken."""
    values = {k: str(form[k]).strip() for k in FIELDS if k in form}
    bad = {LABELS[k]: "内容包含无效字符" for k, v in values.items() if "\x00" in v}
    bad.update({LABELS[k]: "内容过长" for k, v in values.items() if len(v) > 2000})
    if bad:
        raise ValidationFailed(bad)
    name = values.get("name", "")
    station = _by_name(name)
    if scope is not None:
        problems = {}
        parent = _by_name(values.get("parent", ""))
        if station is not None and station.id not in scope:
            problems[LABELS["name"]] = "该名称已被其他辖区的站点使用"
        elif station is not None and station.id == scope_root:
            if "parent" in values and values["parent"] != (station.parent.name if station.parent else ""):
                problems[LABELS["parent"]] = "不能改变本账号所在站点的上级"
        elif (station is None or "parent" in values) and (parent is None or parent.id not in scope):
            problems[LABELS["parent"]] = "请选择本站或下级站点作为上级"
        for circle in importing.split_list(values.get("circles", "")):
            owner = db.session.scalar(
                sa.select(BusinessCircle.station_id).where(BusinessCircle.name == circle)
            )
            if owner is not None and owner not in scope:
                problems[LABELS["circles"]] = f"商圈“{circle}”由其他辖区的站点服务"
        if problems:
            raise ValidationFailed(problems)
    before = form_values(station) if station is not None else {}
    result = importing.import_stations(importing.Table.from_records([values]))
    if not result.ok:
        raise ValidationFailed({p.column: p.reason for p in result.problems})
    station = _by_name(name)
    old, new = diff(before, form_values(station))
    if new:
        action = "station.update" if before else "station.create"
        record(actor, action, station.name, station_id=station.id, before=old or None, after=new)
    return station
