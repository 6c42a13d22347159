"""The scan path: the store page from a per-process layer, then Redis, then the database.

Keys are per China calendar day (`sp:<code>:<YYYYMMDD>`), so expiry states and days-left are right on
the day they change even on a warm cache. A blob is `<gen>|<store id>,<store's city>|<json>`; `sp:gen` is bumped when a
change touches many stores (a station's phone, say), and a blob from another generation is a miss.

Writes race with invalidation: a reader that loaded the database before a commit must not put the old
page back after the commit's invalidation. Readers note the store's version (`spv:<code>`) before the
query and store the blob only if neither it nor the generation moved (one Lua script).

Staleness bounds, Redis up or down: Redis entries are deleted after every commit that changes a store;
the per-process layer lives `STORE_CACHE_LOCAL_TTL_SECONDS` (1 s by default). If Redis cannot be told
about a change, the process bumps the generation as soon as Redis answers again, and Redis entries
live at most `STORE_CACHE_TTL_SECONDS` anyway.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import redis
import sqlalchemy as sa
from flask import current_app

from app.core import redis_client
from app.core.errors import Gone, NotFound
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.core.timeutil import CHINA, today_cn, utcnow
from app.stores import codes, scan_origin, scans, snapshot
from app.stores import page as store_page
from app.stores.models import CodeStatus, StoreCode

GEN_KEY = "sp:gen"
SEQ_KEY = "sp:seq"  # how many single-store invalidations were ever published
CHANGES_KEY = "sp:changes"  # stream of invalidated codes, read by every process's local layer
STREAM_MAX = 10_000
STREAM_READ_MAX = 1_000
MISSING = "!missing"
REVOKED = "!revoked"

_SET_IF_UNCHANGED = """
if (redis.call('get', KEYS[2]) or '0') == ARGV[2] and (redis.call('get', KEYS[3]) or '0') == ARGV[3] then
  redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[4])
  return 1
end
return 0
"""


class _LocalLayer:
    """Per-process memory of pages, kept honest by a once-a-second sync with Redis.

    Every invalidation is appended to the Redis stream `sp:changes` (and counted in `sp:seq`). Each
    process reads the stream's new entries at most every `STORE_CACHE_SYNC_SECONDS` and drops the codes
    it names (all pages when the generation moved or entries were missed). Entries are trusted only
    while the last successful sync is younger than `STORE_CACHE_LOCAL_TTL_SECONDS`: with Redis down,
    local pages expire that long after Redis was last seen, so staleness stays bounded either way.
    """

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, dt.date, str]] = {}  # code -> (stored at, day, blob)
        self._lock = threading.Lock()
        self.redis_owes_invalidation = False
        self.last_sync = 0.0  # monotonic time of the last successful sync
        self.last_attempt = 0.0
        self.seen_seq: int | None = None
        self.seen_gen: bytes | None = None
        self.stream_id = "0-0"

    def get(self, code: str, day: dt.date, trust: float, max_age: float) -> str | None:
        hit = self._data.get(code)
        if hit is None or hit[1] != day:
            return None
        now = time.monotonic()
        if now - self.last_sync > trust or now - hit[0] > max_age:
            return None
        return hit[2]

    def put(self, code: str, day: dt.date, blob: str, trust: float) -> None:
        if trust <= 0:
            return
        with self._lock:
            if len(self._data) > 50_000:
                self._data.clear()
            self._data[code] = (time.monotonic(), day, blob)

    def drop(self, code: str | None = None) -> None:
        with self._lock:
            if code is None:
                self._data.clear()
            else:
                self._data.pop(code, None)

    def sync(self, r: redis.Redis, every: float) -> None:
        """Apply invalidations published by every process since the last sync (one round trip)."""
        now = time.monotonic()
        if now - self.last_attempt < every:
            return
        self.last_attempt = now
        pipe = r.pipeline(transaction=False)
        pipe.get(SEQ_KEY)
        pipe.get(GEN_KEY)
        pipe.xrange(CHANGES_KEY, min=f"({self.stream_id}", count=STREAM_READ_MAX)
        seq, gen, entries = pipe.execute()
        seq = int(seq or 0)
        missed = self.seen_seq is not None and seq - self.seen_seq > len(entries)
        if self.seen_seq is None or missed or gen != self.seen_gen:
            self.drop()
        else:
            for _, fields in entries:
                self.drop(fields[b"code"].decode())
        if entries:
            self.stream_id = entries[-1][0].decode()
        elif self.seen_seq is None:
            last = r.xrevrange(CHANGES_KEY, count=1)
            self.stream_id = last[0][0].decode() if last else "0-0"
        self.seen_seq, self.seen_gen = seq, gen
        self.last_sync = time.monotonic()


local = _LocalLayer()


def page_key(code: str, day: dt.date) -> str:
    return f"sp:{code}:{day:%Y%m%d}"


def version_key(code: str) -> str:
    return f"spv:{code}"


def _seconds_to_midnight(now: dt.datetime) -> int:
    china = now.astimezone(CHINA)
    tomorrow = dt.datetime.combine(china.date() + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return max(1, int((tomorrow - china).total_seconds()))


def _decode(blob: str) -> tuple[int | None, str, str]:
    """Return (store id or None, the store's city or "", payload) from `<store id>,<city>|<payload>`
    (`<store id>|<payload>` from before cities were kept reads as no city)."""
    head, _, payload = blob.partition("|")
    store_id, _, city = head.partition(",")
    return (int(store_id) if store_id else None), city, payload


def _raise_for(payload: str) -> None:
    if payload == MISSING:
        raise NotFound("store_not_found")
    if payload == REVOKED:
        raise Gone("code_revoked")


def get_page_json(code: str, *, count_scan: bool = True, client_addr: str | None = None) -> str:
    """The store page for `code` as a JSON string. Raises NotFound / Gone. `client_addr` (the scanner's
    address) only decides whether the scan counts as from the store's city; it is not kept."""
    code = codes.normalize(code)
    if not codes.is_well_formed(code):
        raise NotFound("store_not_found")
    now = utcnow()
    day = today_cn(now)
    cfg = current_app.config
    _sync_local(cfg)
    blob = local.get(
        code, day, cfg["STORE_CACHE_LOCAL_TTL_SECONDS"], cfg["STORE_CACHE_LOCAL_MAX_AGE_SECONDS"]
    )
    if blob is None and cfg["STORE_CACHE_TTL_SECONDS"] > 0:
        blob = _from_redis(code, day)
    if blob is None:
        blob = _build_and_store(code, day, now)
    store_id, city, payload = _decode(blob)
    if count_scan and payload == REVOKED:
        scans.count_revoked(code, day)
    _raise_for(payload)
    if count_scan and store_id is not None:
        scans.count(store_id, day, scan_origin.verdict(cfg, client_addr, city))
    return payload


def get_page(code: str, *, count_scan: bool = True, client_addr: str | None = None) -> dict:
    return json.loads(get_page_json(code, count_scan=count_scan, client_addr=client_addr))


def _sync_local(cfg) -> None:
    if cfg["STORE_CACHE_LOCAL_TTL_SECONDS"] <= 0 or redis_client.breaker_open():
        return
    try:
        local.sync(get_redis(), cfg["STORE_CACHE_SYNC_SECONDS"])
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)


def _from_redis(code: str, day: dt.date) -> str | None:
    cfg = current_app.config
    if redis_client.breaker_open():
        return None
    try:
        r = get_redis()
        _settle_owed_invalidation(r)
        gen, raw = r.mget(GEN_KEY, page_key(code, day))
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        return None
    if raw is None:
        return None
    raw = raw.decode()
    blob_gen, _, blob = raw.partition("|")
    if blob_gen != (gen.decode() if gen else "0"):
        return None
    local.put(code, day, blob, cfg["STORE_CACHE_LOCAL_TTL_SECONDS"])
    return blob


def _build_and_store(code: str, day: dt.date, now: dt.datetime) -> str:
    cfg = current_app.config
    r = None
    versions = ("0", "0")
    ttl = min(cfg["STORE_CACHE_TTL_SECONDS"], _seconds_to_midnight(now) + 60)
    if ttl > 0 and not redis_client.breaker_open():  # a TTL of 0 turns the Redis layer off
        try:
            r = get_redis()
            gen, ver = r.mget(GEN_KEY, version_key(code))
            versions = (gen.decode() if gen else "0", ver.decode() if ver else "0")
        except redis_client.OUTAGE as exc:
            redis_client.trip(exc)
            r = None
    snap = snapshot.load(code)
    if snap.status is None:
        blob = "|" + MISSING
    elif snap.status == CodeStatus.REVOKED:
        blob = f"{snap.store_id}|{REVOKED}"
    else:
        page = store_page.build(
            snap,
            code,
            day,
            expiring_days=cfg["CREDENTIAL_EXPIRING_DAYS"],
            hotline=cfg["HOTLINE_12315"],
        )
        head = f"{snap.store_id},{snap.city}|"
        blob = head + json.dumps(page, ensure_ascii=False, separators=(",", ":"))
    if r is not None:
        try:
            r.eval(
                _SET_IF_UNCHANGED,
                3,
                page_key(code, day),
                GEN_KEY,
                version_key(code),
                f"{versions[0]}|{blob}",
                versions[0],
                versions[1],
                ttl,
            )
        except redis_client.OUTAGE as exc:
            redis_client.trip(exc)
    local.put(code, day, blob, cfg["STORE_CACHE_LOCAL_TTL_SECONDS"])
    return blob


def invalidate(codes_: list[str] | None) -> None:
    """Forget cached pages after a commit. `None` means every store (bump the generation)."""
    if codes_ is None:
        local.drop()
    else:
        for c in codes_:
            local.drop(c)
    try:
        r = get_redis()
        pipe = r.pipeline(transaction=False)
        if codes_ is None:
            pipe.incr(GEN_KEY)
        else:
            day = today_cn()
            for c in codes_:
                pipe.incr(version_key(c))
                for d in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)):
                    pipe.delete(page_key(c, d))
                pipe.xadd(CHANGES_KEY, {"code": c}, maxlen=STREAM_MAX, approximate=True)
                pipe.incr(SEQ_KEY)
        pipe.execute()
    except (redis.RedisError, OSError):
        local.redis_owes_invalidation = True


def _settle_owed_invalidation(r: redis.Redis) -> None:
    if local.redis_owes_invalidation:
        r.incr(GEN_KEY)
        local.redis_owes_invalidation = False


def codes_for_stores(store_ids: set[int]) -> list[str]:
    """Every code (active or revoked) of these stores, read on a fresh connection after commit."""
    if not store_ids:
        return []
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.select(StoreCode.code).where(StoreCode.store_id.in_(sorted(store_ids)))))
