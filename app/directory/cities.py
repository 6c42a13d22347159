"""The city a store lies in, for the out-of-city scan check: its region's `city`, or the nearest one set
above it in the region tree (a district's regions usually inherit the city set once at the top)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from app.directory.models import Region

#: A city as IP→city data spells it: Chinese characters (and the middle dot of some prefecture names).
CITY_PATTERN = re.compile(r"^[\u4e00-\u9fff·]{2,20}$")

_REGIONS = sa.select(Region.id, Region.parent_id, Region.city)


def city_of_region(conn: Connection, region_id: int | None) -> str:
    """The city of `region_id` or of the nearest region above it that has one; "" when none has."""
    if region_id is None:
        return ""
    rows = {rid: (parent, city) for rid, parent, city in conn.execute(_REGIONS)}
    seen: set[int] = set()
    while region_id is not None and region_id in rows and region_id not in seen:
        seen.add(region_id)
        parent, city = rows[region_id]
        if city:
            return city
        region_id = parent
    return ""
