"""WGS 84 → GCJ-02 for drawing stores over AMap tiles, against reference pairs, and the map using it.

The reference pairs were computed with PRCoords 1.0.2 (`prcoords.wgs_gcj`, an independent public-domain
implementation of the same published formula), not with the library under test.
"""

from __future__ import annotations

import math

import pytest

from app.core import drawing, geodesy

# (WGS 84 lon, lat) → (GCJ-02 lon, lat)
REFERENCE = [
    ((116.397128, 39.916527), (116.40337249402477, 39.91793074924595)),  # Tiananmen, Beijing
    ((120.1633, 33.3479), (120.1682438575035, 33.34646206510662)),  # Yancheng
    ((121.4737, 31.2304), (121.47822305927693, 31.22845773757727)),  # Shanghai
    ((114.0579, 22.5431), (114.06301399856547, 22.54038281422246)),  # Shenzhen
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference_pairs(wgs, gcj):
    lon, lat = geodesy.to_system(*wgs, "gcj02")
    assert lon == pytest.approx(gcj[0], abs=1e-7) and lat == pytest.approx(gcj[1], abs=1e-7)
    # The shift is the few hundred metres that put points off their streets on AMap.
    metres = math.hypot((lon - wgs[0]) * 111_320 * math.cos(math.radians(wgs[1])), (lat - wgs[1]) * 110_574)
    assert 300 < metres < 800


def test_wgs84_tiles_and_points_outside_china_are_left_alone():
    assert geodesy.to_system(121.4737, 31.2304, "wgs84") == (121.4737, 31.2304)
    assert geodesy.to_system(2.3522, 48.8566, "gcj02") == (2.3522, 48.8566)  # Paris


def test_the_tile_system_is_configured_or_known_from_the_host():
    amap = "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8"
    tianditu = "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk={key}"
    assert geodesy.tile_system("", amap) == "gcj02"
    assert geodesy.tile_system("", tianditu) == "wgs84"
    assert geodesy.tile_system("gcj02", "https://tiles.example.cn/{z}/{x}/{y}.png") == "gcj02"
    assert geodesy.tile_system("nonsense", "https://evil-autonavi.com.example/{z}") == "wgs84"


def _feature(lon: float, lat: float) -> dict:
    return {"geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {}}


def test_points_are_drawn_in_the_tiles_system():
    url = "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    feature = _feature(121.4737, 31.2304)
    for system in ("wgs84", "gcj02"):
        drawn = drawing.draw_map([feature], tile_url=url, tile_system=system)
        lon, lat = geodesy.to_system(121.4737, 31.2304, system)
        x, y = drawing.mercator(lon, lat, drawn.zoom)
        origin_x, origin_y = x - drawn.width / 2, y - drawn.height / 2  # one point: the view's centre
        tile_x, tile_y, _ = drawn.tiles[0]
        assert tile_x == pytest.approx((origin_x // 256) * 256 - origin_x, abs=0.1), system
        assert tile_y == pytest.approx((origin_y // 256) * 256 - origin_y, abs=0.1), system
    # Without tiles nothing is moved: the plain background has no system of its own.
    assert drawing.draw_map([feature]).points == drawing.draw_map([feature], tile_system="gcj02").points
