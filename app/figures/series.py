"""The figures over time (by week or month) and side by side for the stations below one.

Both are `kpis.figure` over smaller scopes, so every point is the same figure the console shows for
that week, month or station, recomputable by hand from `kpis.cases`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa

from app.complaints.access import station_ids_under
from app.core.extensions import db
from app.directory.models import Station
from app.figures import kpis
from app.figures.texts import SERIES

BY = ("week", "month")
MAX_BUCKETS = 53  # a year of weeks; longer periods are shown by month, the first months cut off


@dataclass(frozen=True)
class Bucket:
    first_day: dt.date
    last_day: dt.date
    label: str


def default_by(first: dt.date, last: dt.date) -> str:
    return "week" if (last - first).days < 92 else "month"


def buckets(first: dt.date, last: dt.date, by: str, today: dt.date) -> list[Bucket]:
    """The weeks (Monday to Sunday) or calendar months touching the period, clipped to it; at most
    `MAX_BUCKETS`, the latest kept. Labels carry the year when it is not this year."""
    out: list[Bucket] = []
    if by == "week":
        start = first - dt.timedelta(days=first.weekday())
        while start <= last:
            end = start + dt.timedelta(days=6)
            a, b = max(start, first), min(end, last)
            label = SERIES["week"].format(day=f"{a.month}/{a.day}")
            if a.year != today.year:
                label = f"{a.year}/" + label
            out.append(Bucket(a, b, label))
            start = end + dt.timedelta(days=1)
    else:
        start = first.replace(day=1)
        while start <= last:
            after = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            a, b = max(start, first), min(after - dt.timedelta(days=1), last)
            key = "month" if a.year == today.year else "month_year"
            out.append(Bucket(a, b, SERIES[key].format(year=a.year, month=a.month)))
            start = after
    return out[-MAX_BUCKETS:]


def course(scope: kpis.Scope, by: str, today: dt.date, keys: tuple[str, ...] | None = None):
    """(buckets, {figure key: [Figure per bucket]})."""
    spans = buckets(scope.first_day, scope.last_day, by, today)
    through = kpis.rollup_reach()
    out: dict[str, list[kpis.Figure]] = {}
    for bucket in spans:
        part = replace(scope, first_day=bucket.first_day, last_day=bucket.last_day)
        for spec in kpis.SPECS:
            if keys is None or spec.key in keys:
                out.setdefault(spec.key, []).append(kpis.figure(spec.key, part, through=through))
    return spans, out


def children(station: Station | None) -> list[Station]:
    """The stations directly below `station` (or the top stations), in order, open ones only."""
    parent = None if station is None else station.id
    query = sa.select(Station).where(
        Station.parent_id.is_(None) if parent is None else Station.parent_id == parent
    )
    return [s for s in db.session.scalars(query.order_by(Station.id)) if s.closed_at is None]


def compare(scope: kpis.Scope, stations: list[Station]) -> list[tuple[Station, list[kpis.Figure]]]:
    """Every figure for each station's subtree over the scope's period."""
    through = kpis.rollup_reach()
    rows = []
    for station in stations:
        ids = tuple(sorted(station_ids_under(station)))
        part = replace(scope, station_name=station.name, station_ids=ids, roots=(station.id,))
        rows.append((station, [kpis.figure(spec.key, part, through=through) for spec in kpis.SPECS]))
    return rows
