"""Geometry for server-drawn SVG: line charts of a figure's course, and points on a map.

The console and the public map draw their charts and maps as inline SVG on the server: no script, no
CDN, nothing to vendor, and the page prints as it shows. The templates turn these coordinates into
elements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from app.core import geodesy

TILE = 256


@dataclass(frozen=True)
class Line:
    width: int
    height: int
    left: int  # the plot area starts here (room for the axis labels)
    top: int
    bottom: int
    path: str  # SVG polyline points, gaps (no value) split into several
    segments: list[str]
    dots: list[tuple[float, float, str, str]]  # x, y, value label, bucket label
    ticks: list[tuple[float, str]]  # y, label
    labels: list[tuple[float, str]]  # x, bucket label (a few, not to crowd)


def line(values: list[Decimal | None], labels: list[str], unit: str, *, width=420, height=150) -> Line:
    """A line over the buckets; a rate on 0–100, other units from 0 to their maximum."""
    left, right, top, bottom = 44, 28, 10, height - 24
    numbers = [float(v) for v in values if v is not None]
    top_value = 100.0 if unit == "%" else max(numbers or [0.0]) * 1.1 or 1.0
    n = max(len(values), 1)
    step = (width - left - right) / max(n - 1, 1)

    def x(i: int) -> float:
        return round(left + (i * step if n > 1 else (width - left - right) / 2), 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * v / top_value, 1)

    segments, current, dots = [], [], []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        current.append(f"{x(i)},{y(float(value))}")
        dots.append((x(i), y(float(value)), f"{value}", labels[i]))
    if current:
        segments.append(" ".join(current))
    ticks = [(y(top_value * f), _short(top_value * f)) for f in (0, 0.5, 1)]
    every = max(1, math.ceil(n / 6))
    shown = [(x(i), label) for i, label in enumerate(labels) if i % every == 0 or i == n - 1]
    if len(shown) > 1 and shown[-1][0] - shown[-2][0] < step * every * 0.6:
        shown.pop(-2)  # the last label would overlap its neighbour
    return Line(width, height, left, top, bottom, " ".join(segments), segments, dots, ticks, shown)


def _short(value: float) -> str:
    if value >= 10000:
        return f"{value / 10000:.1f}万"
    return f"{value:.0f}" if value >= 10 or value == 0 else f"{value:.1f}"


def bar(value: Decimal | None, unit: str, maximum: Decimal | None) -> float:
    """The share (0–1) of a comparison bar: a rate of 100 %, other units of the largest station's."""
    if value is None:
        return 0.0
    top = Decimal(100) if unit == "%" else maximum
    return float(min(value / top, 1)) if top else 0.0


# --- map ----------------------------------------------------------------------------------------------


def mercator(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at a zoom level (the tiles' projection)."""
    lat = max(min(lat, 85.05), -85.05)
    scale = TILE * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale
    return x, y


@dataclass(frozen=True)
class Map:
    width: int
    height: int
    points: list[tuple[float, float, dict]]  # x, y, feature properties
    tiles: list[tuple[float, float, str]]  # x, y, tile URL (none without a provider)
    zoom: int
    labels: list[tuple[float, float, str]] = ()  # x, y, name: only where no other label is already


LABEL_EM = 12  # the label's font size in the view's units (the console's CSS draws them at 12px)


def place_labels(points: list[tuple[float, float, dict]], width: int) -> list[tuple[float, float, str]]:
    """Names beside their points, most complained-about first, each left out where it would overlap a
    label already placed or run off the view (its point still shows its name on hover)."""
    placed: list[tuple[float, float, float, float]] = []
    labels = []
    for x, y, props in sorted(points, key=lambda p: -(p[2].get("complaints") or 0)):
        name = str(props.get("name", ""))
        box = (x + 11, y - LABEL_EM + 4, x + 11 + LABEL_EM * len(name), y + 6)
        if not name or box[2] > width:
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        labels.append((x + 11, y + 4, name))
    return labels


def draw_map(
    features: list[dict],
    *,
    width=1000,
    height=600,
    tile_url: str = "",
    tile_key: str = "",
    tile_system: str = "wgs84",
) -> Map:
    """The features placed on a `width`×`height` view fitting them all, at the largest zoom that does
    (at most 17); with a tile URL template ({x}, {y}, {z}, {key}), the tiles under the view, the points
    moved into the tiles' coordinate system first (`geodesy`: GCJ-02 for AMap)."""
    coords = [f["geometry"]["coordinates"] for f in features]
    if tile_url:
        coords = [geodesy.to_system(lon, lat, tile_system) for lon, lat in coords]
    if not coords:
        return Map(width, height, [], [], 0)
    pad = 40
    zoom = 17
    for zoom in range(17, 0, -1):
        xs, ys = zip(*(mercator(lon, lat, zoom) for lon, lat in coords), strict=True)
        if max(xs) - min(xs) <= width - 2 * pad and max(ys) - min(ys) <= height - 2 * pad:
            break
    xs, ys = zip(*(mercator(lon, lat, zoom) for lon, lat in coords), strict=True)
    origin_x = (max(xs) + min(xs)) / 2 - width / 2
    origin_y = (max(ys) + min(ys)) / 2 - height / 2
    points = [
        (round(x - origin_x, 1), round(y - origin_y, 1), f["properties"])
        for x, y, f in zip(xs, ys, features, strict=True)
    ]
    tiles = []
    if tile_url:
        limit = 2**zoom
        for ty in range(int(origin_y // TILE), int((origin_y + height) // TILE) + 1):
            for tx in range(int(origin_x // TILE), int((origin_x + width) // TILE) + 1):
                if 0 <= ty < limit:
                    url = tile_url
                    for name, value in (("x", tx % limit), ("y", ty), ("z", zoom), ("key", tile_key)):
                        url = url.replace("{" + name + "}", str(value))
                    tiles.append((round(tx * TILE - origin_x, 1), round(ty * TILE - origin_y, 1), url))
    return Map(width, height, points, tiles, zoom, place_labels(points, width))
