"""Sticker integrity: codes whose scans look wrong, for staff to review.

- **A jump**: a store's scans on one of the last `RECENT_DAYS` days at least `JUMP_MIN` and more than
  `JUMP_FACTOR` times its own average over the `HISTORY_DAYS` days before (days without scans count as
  0). A sticker copied onto leaflets or another shop, or a QR swapped for a look-alike, shows like this.
- **A revoked code still scanned** in the last `REVOKED_DAYS` days: the old sticker is still up (scans
  of revoked codes are counted per code and day, `RevokedScanDaily`), so someone should replace it.

- **Mostly from another city**: on one of the last `RECENT_DAYS` days, at least `SCAN_OUT_OF_CITY_MIN`
  of a store's scans had a known origin and more than `SCAN_OUT_OF_CITY_SHARE` of those came from outside
  the store's city (a sticker photographed and passed around, or a code printed on something sent away).
  Counted only while the IP→city check is on (`scan_origin`); "unknown" scans are left out of the share.

Read-only, from the daily counters the worker persists (`scans.persist`); nothing about who scanned is
kept. Callers filter the stores to what the reader may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.stores.models import RevokedScanDaily, Store, StoreCode, StoreScanDaily

RECENT_DAYS = 2
HISTORY_DAYS = 28
JUMP_MIN = 50
JUMP_FACTOR = 5.0
REVOKED_DAYS = 7


@dataclass(frozen=True)
class Jump:
    store: Store
    day: dt.date
    scans: int
    average: float


@dataclass(frozen=True)
class StillScanned:
    store: Store
    code: str
    scans: int
    last_day: dt.date


@dataclass(frozen=True)
class Away:
    store: Store
    day: dt.date
    out_of_city: int
    counted: int  # scans whose origin is known (in the city or out of it)
    unknown: int

    @property
    def percent(self) -> int:
        return round(100 * self.out_of_city / self.counted)


def mostly_from_elsewhere(today: dt.date, *, minimum: int, share: float) -> list[Away]:
    """Store days of the last `RECENT_DAYS` with at least `minimum` scans of known origin, more than
    `share` of them from another city."""
    first_recent = today - dt.timedelta(days=RECENT_DAYS - 1)
    known = StoreScanDaily.in_city + StoreScanDaily.out_of_city
    rows = db.session.execute(
        sa.select(
            StoreScanDaily.store_id,
            StoreScanDaily.day,
            StoreScanDaily.out_of_city,
            known,
            StoreScanDaily.city_unknown,
        ).where(
            StoreScanDaily.day >= first_recent,
            StoreScanDaily.day <= today,
            StoreScanDaily.out_of_city > 0,
            known >= minimum,
        )
    ).all()
    rows = [r for r in rows if r[2] > share * r[3]]
    if not rows:
        return []
    stores = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Store).where(Store.id.in_({r[0] for r in rows})).options(selectinload(Store.codes))
        )
    }
    found = [Away(stores[sid], day, out, counted, unknown) for sid, day, out, counted, unknown in rows]
    found.sort(key=lambda a: (-a.percent, -a.out_of_city, a.store.name, a.day))
    return found


def jumps(today: dt.date) -> list[Jump]:
    first_recent = today - dt.timedelta(days=RECENT_DAYS - 1)
    start = first_recent - dt.timedelta(days=HISTORY_DAYS)
    candidates = db.session.execute(
        sa.select(StoreScanDaily.store_id, StoreScanDaily.day, StoreScanDaily.scans).where(
            StoreScanDaily.day >= first_recent, StoreScanDaily.day <= today, StoreScanDaily.scans >= JUMP_MIN
        )
    ).all()
    if not candidates:
        return []
    ids = {c.store_id for c in candidates}
    history: dict[int, dict[dt.date, int]] = {}
    for store_id, day, scans in db.session.execute(
        sa.select(StoreScanDaily.store_id, StoreScanDaily.day, StoreScanDaily.scans).where(
            StoreScanDaily.store_id.in_(ids), StoreScanDaily.day >= start, StoreScanDaily.day < today
        )
    ):
        history.setdefault(store_id, {})[day] = scans
    stores = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Store).where(Store.id.in_(ids)).options(selectinload(Store.codes))
        )
    }
    found = []
    for store_id, day, scans in candidates:
        window = [day - dt.timedelta(days=n) for n in range(1, HISTORY_DAYS + 1)]
        average = sum(history.get(store_id, {}).get(d, 0) for d in window) / HISTORY_DAYS
        if scans > JUMP_FACTOR * max(average, 1.0):
            found.append(Jump(stores[store_id], day, scans, round(average, 1)))
    found.sort(key=lambda j: (-j.scans, j.store.name))
    return found


def still_scanned(today: dt.date) -> list[StillScanned]:
    since = today - dt.timedelta(days=REVOKED_DAYS - 1)
    rows = db.session.execute(
        sa.select(
            RevokedScanDaily.code, sa.func.sum(RevokedScanDaily.scans), sa.func.max(RevokedScanDaily.day)
        )
        .where(RevokedScanDaily.day >= since)
        .group_by(RevokedScanDaily.code)
    ).all()
    if not rows:
        return []
    owners = {
        c.code: c.store
        for c in db.session.scalars(
            sa.select(StoreCode)
            .where(StoreCode.code.in_([r[0] for r in rows]))
            .options(selectinload(StoreCode.store))
        )
    }
    found = [StillScanned(owners[code], code, int(n), last) for code, n, last in rows if code in owners]
    found.sort(key=lambda s: (-s.scans, s.code))
    return found
