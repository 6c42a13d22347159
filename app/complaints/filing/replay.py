"""Answers to filings kept in Redis for a day, so a retried request is answered without the database.

`begin` makes one round trip: it reads the stored answer for (consumer, Idempotency-Key), if any, and
claims the key (SET NX, short expiry), so that copies of one request sent at once wait for the first
instead of racing it through the text check and the database. `remember` stores the answer and drops
the claim once the filing is committed; `release` drops the claim of a filing that failed. Both wake the
waiting copies, which block on a list (BLPOP in short slices, within the client's socket timeout)
instead of polling.

Redis only makes replays cheap; it decides nothing. With Redis down (or its breaker open) there is no
stored answer and no claim, and the database's unique (consumer, key) decides, as it always does in the
end: a stored answer is written only after the commit, and a request that finds none goes to the
database, which finds the complaint filed under the key (see `complaint_filing.file`).
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass

from app.core import redis_client
from app.core.redis_client import get_redis

ANSWER_TTL_SECONDS = 24 * 3600
CLAIM_MS = 15_000  # longer than any filing takes; a crashed worker's claim lapses by itself
WAIT_SECONDS = 5.0  # a copy waits this long for the first request's answer, then goes on by itself
WAIT_SLICE_SECONDS = 0.25  # one BLPOP: shorter than the fail-fast client's socket timeout
WAKE_TOKENS = 16  # waiters woken at once; any more find the answer after their current slice
WAKE_TTL_SECONDS = 10


class Claim(enum.Enum):
    OURS = "ours"  # this request files; the others wait for its answer
    TAKEN = "taken"  # another copy of the request is being filed
    NONE = "none"  # Redis unavailable: no claim, the database decides


@dataclass(frozen=True)
class Stored:
    req_hash: str
    openid_hash: str
    sandbox: bool
    answer: dict


def _answer_key(consumer_id: int, key: str) -> str:
    return f"cf:a:{consumer_id}:{key}"


def _claim_key(consumer_id: int, key: str) -> str:
    return f"cf:c:{consumer_id}:{key}"


def _wake_key(consumer_id: int, key: str) -> str:
    return f"cf:w:{consumer_id}:{key}"


def _decode(raw: bytes | None) -> Stored | None:
    if raw is None:
        return None
    try:
        return Stored(**json.loads(raw))
    except (ValueError, TypeError):
        return None  # not ours, or from another version: the database answers


def _redis():
    return None if redis_client.breaker_open() else get_redis()


def begin(consumer_id: int, key: str) -> tuple[Stored | None, Claim]:
    r = _redis()
    if r is None:
        return None, Claim.NONE
    try:
        pipe = r.pipeline(transaction=False)
        pipe.get(_answer_key(consumer_id, key))
        pipe.set(_claim_key(consumer_id, key), b"1", nx=True, px=CLAIM_MS)
        raw, claimed = pipe.execute()
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        return None, Claim.NONE
    return _decode(raw), Claim.OURS if claimed else Claim.TAKEN


def wait(consumer_id: int, key: str, timeout: float = WAIT_SECONDS) -> Stored | None:
    """The first copy's answer once it is stored; None when that copy gave up (or Redis went away)."""
    deadline = time.monotonic() + timeout
    answer_key, claim_key, wake_key = (
        _answer_key(consumer_id, key),
        _claim_key(consumer_id, key),
        _wake_key(consumer_id, key),
    )
    while (left := deadline - time.monotonic()) > 0:
        r = _redis()
        if r is None:
            return None
        try:
            r.blpop([wake_key], timeout=min(WAIT_SLICE_SECONDS, left))
            pipe = r.pipeline(transaction=False)
            pipe.get(answer_key)
            pipe.exists(claim_key)
            raw, claimed = pipe.execute()
        except redis_client.OUTAGE as exc:
            redis_client.trip(exc)
            return None
        if raw is not None:
            return _decode(raw)
        if not claimed:
            return None  # the first copy failed (its error is its own): this one tries by itself
    return None


def _wake(pipe, consumer_id: int, key: str) -> None:
    wake_key = _wake_key(consumer_id, key)
    pipe.delete(_claim_key(consumer_id, key))
    pipe.rpush(wake_key, *([b"1"] * WAKE_TOKENS))
    pipe.expire(wake_key, WAKE_TTL_SECONDS)


def remember(consumer_id: int, key: str, stored: Stored) -> None:
    r = _redis()
    if r is None:
        return
    try:
        pipe = r.pipeline(transaction=False)
        pipe.set(
            _answer_key(consumer_id, key),
            json.dumps(vars(stored), ensure_ascii=False, separators=(",", ":")),  # asdict would deep-copy
            ex=ANSWER_TTL_SECONDS,
        )
        _wake(pipe, consumer_id, key)
        pipe.execute()
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)


def release(consumer_id: int, key: str) -> None:
    r = _redis()
    if r is None:
        return
    try:
        pipe = r.pipeline(transaction=False)
        _wake(pipe, consumer_id, key)
        pipe.execute()
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
