"""Coordinate systems of map tiles: the stores' coordinates are WGS 84; AMap's tiles are GCJ-02.

The stores' latitude and longitude (enrolment files, the console's store form) are WGS 84 as a phone's
GPS or Tianditu gives them (Tianditu's CGCS2000 differs from WGS 84 by centimetres), and the GeoJSON
stays WGS 84 as RFC 7946 requires. Chinese commercial maps (AMap/高德, Tencent) draw their tiles in
GCJ-02, the published obfuscation that moves a point by a few hundred metres; a point drawn over those
tiles is moved the same way first. The transform is coordTransform's (PyPI, maintained; the standard
published GCJ-02 formula, unchanged outside mainland China).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import coordTransform

SYSTEMS = ("wgs84", "gcj02")
#: Tile hosts known to draw in GCJ-02 when no system is configured.
GCJ02_HOSTS = ("autonavi.com", "amap.com", "map.qq.com", "gtimg.com")


def tile_system(configured: str, tile_url: str) -> str:
    """The tiles' coordinate system: the configured one, else GCJ-02 for a known GCJ-02 host, else WGS 84."""
    if configured in SYSTEMS:
        return configured
    host = (urlsplit(tile_url).hostname or "").lower()
    return "gcj02" if any(host == h or host.endswith("." + h) for h in GCJ02_HOSTS) else "wgs84"


def to_system(lon: float, lat: float, system: str) -> tuple[float, float]:
    """A WGS 84 point in the tiles' system."""
    if system == "gcj02":
        lon, lat = coordTransform.wgs84_to_gcj02(lon, lat)
    return float(lon), float(lat)
