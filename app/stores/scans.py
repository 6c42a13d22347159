"""Scan counting without slowing the scan: count in memory, flush to Redis about once a second,
and let the worker move Redis counters into `store_scans_daily`.

If Redis is down, counts stay in memory until it answers (bounded); a process that dies loses at
most its last second of counts. These are statistics, not records. With the out-of-city check on
(`scan_origin`), a store's scan also counts in one of three per-day origin counters (in the store's
city, another city, unknown); the address and city of a scan are never kept.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import Counter

import redis
import sqlalchemy as sa
from flask import current_app

from app.core import redis_client
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.stores import scan_origin
from app.stores.models import RevokedScanDaily, StoreScanDaily

_pending: Counter = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()
MAX_PENDING_KEYS = 100_000


def day_key(day: dt.date) -> str:
    return f"scans:{day:%Y%m%d}"


REVOKED_PREFIX = "r:"  # hash field of a scan of a revoked code: "r:<code>" (a store's field is its id)


ORIGIN_PREFIX = "o:"  # hash field of a store's scans by origin: "o:<store id>:<in|out|unknown>"
ORIGIN_COLUMNS = {
    scan_origin.IN: "in_city",
    scan_origin.OUT: "out_of_city",
    scan_origin.UNKNOWN: "city_unknown",
}


def count(store_id: int, day: dt.date, origin: str | None = None) -> None:
    """One scan of a store; `origin` (`scan_origin.verdict`: in / out / unknown, None when the check is
    off) is counted next to it. Nothing else about the scan is kept."""
    if origin in ORIGIN_COLUMNS:
        _count(day, store_id, f"{ORIGIN_PREFIX}{store_id}:{origin}")
    else:
        _count(day, store_id)


def count_revoked(code: str, day: dt.date) -> None:
    """A scan of a revoked code: its sticker is still up somewhere (staff replace it)."""
    _count(day, REVOKED_PREFIX + code)


def _count(day: dt.date, *fields: int | str) -> None:
    global _last_flush
    with _lock:
        for field in fields:
            if len(_pending) < MAX_PENDING_KEYS or (field, day) in _pending:
                _pending[(field, day)] += 1
    if time.monotonic() - _last_flush >= current_app.config["SCAN_FLUSH_SECONDS"]:
        flush()


def flush() -> int:
    """Push in-memory counts to Redis. Returns how many scans were pushed."""
    global _last_flush
    with _lock:
        _last_flush = time.monotonic()
        batch = dict(_pending)
        _pending.clear()
    if not batch:
        return 0
    if redis_client.breaker_open():
        _put_back(batch)
        return 0
    try:
        pipe = get_redis().pipeline(transaction=False)
        for (store_id, day), n in batch.items():
            pipe.hincrby(day_key(day), str(store_id), n)
        for day in {day for _, day in batch}:
            pipe.expire(day_key(day), 40 * 24 * 3600)
        pipe.execute()
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        _put_back(batch)
        return 0
    return sum(batch.values())


def _put_back(batch: dict) -> None:
    with _lock:
        for k, n in batch.items():
            _pending[k] += n


def persist() -> int:
    """Move Redis day counters into the database (the worker runs this periodically).

    Each day hash is renamed before it is read, so scans arriving meanwhile land in a fresh hash.
    A renamed hash left by a crash is picked up on the next run.
    """
    r = get_redis()
    moved = 0
    for key in list(r.scan_iter("scans:*")):
        key = key.decode()
        parts = key.split(":")
        if len(parts) == 2:
            work = f"{key}:persist:{uuid.uuid4().hex}"
            try:
                r.rename(key, work)
            except redis.ResponseError:  # vanished meanwhile
                continue
        else:
            work = key
        day = dt.datetime.strptime(parts[1], "%Y%m%d").date()
        rows: dict[int, StoreScanDaily] = {}
        for field, value in r.hgetall(work).items():
            field, n = field.decode(), int(value)
            if field.startswith(REVOKED_PREFIX):
                code = field[len(REVOKED_PREFIX) :]
                row = db.session.get(RevokedScanDaily, (code, day))
                if row is None:
                    db.session.add(RevokedScanDaily(code=code, day=day, scans=n))
                else:
                    row.scans += n
                moved += n
            elif field.startswith(ORIGIN_PREFIX):
                store_id, _, origin = field[len(ORIGIN_PREFIX) :].partition(":")
                column = ORIGIN_COLUMNS.get(origin)
                if column and store_id.isdigit():
                    row = _store_row(rows, int(store_id), day)
                    setattr(row, column, getattr(row, column) + n)
            else:
                _store_row(rows, int(field), day).scans += n
                moved += n
        db.session.commit()
        r.delete(work)
    return moved


def _store_row(rows: dict[int, StoreScanDaily], store_id: int, day: dt.date) -> StoreScanDaily:
    """The day's row of a store, created at zero when there is none yet (once per persist run)."""
    row = rows.get(store_id) or db.session.get(StoreScanDaily, (store_id, day))
    if row is None:
        row = StoreScanDaily(store_id=store_id, day=day, scans=0, in_city=0, out_of_city=0, city_unknown=0)
        db.session.add(row)
    rows[store_id] = row
    return row


def total_for(store_id: int, day: dt.date) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(StoreScanDaily.scans), 0)).where(
            StoreScanDaily.store_id == store_id, StoreScanDaily.day == day
        )
    )
