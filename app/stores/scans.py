"""Scan counting without slowing the scan: count in memory, flush to Redis about once a second,
and let the worker move Redis counters into `store_scans_daily`.

If Redis is down, counts stay in memory until it answers (bounded); a process that dies loses at
most its last second of counts. These are statistics, not records.
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
from app.stores.models import RevokedScanDaily, StoreScanDaily

_pending: Counter = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()
MAX_PENDING_KEYS = 100_000


def day_key(day: dt.date) -> str:
    return f"scans:{day:%Y%m%d}"


REVOKED_PREFIX = "r:"  # hash field of a scan of a revoked code: "r:<code>" (a store's field is its id)


def count(store_id: int, day: dt.date) -> None:
    _count(store_id, day)


def count_revoked(code: str, day: dt.date) -> None:
    """A scan of a revoked code: its sticker is still up somewhere (staff replace it)."""
    _count(REVOKED_PREFIX + code, day)


def _count(field: int | str, day: dt.date) -> None:
    global _last_flush
    with _lock:
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
        for field, value in r.hgetall(work).items():
            field, n = field.decode(), int(value)
            if field.startswith(REVOKED_PREFIX):
                model, key = RevokedScanDaily, (field[len(REVOKED_PREFIX) :], day)
                row = db.session.get(model, key)
                if row is None:
                    db.session.add(RevokedScanDaily(code=key[0], day=day, scans=n))
            else:
                row = db.session.get(StoreScanDaily, (int(field), day))
                if row is None:
                    db.session.add(StoreScanDaily(store_id=int(field), day=day, scans=n))
            if row is not None:
                row.scans += n
            moved += n
        db.session.commit()
        r.delete(work)
    return moved


def total_for(store_id: int, day: dt.date) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(StoreScanDaily.scans), 0)).where(
            StoreScanDaily.store_id == store_id, StoreScanDaily.day == day
        )
    )
