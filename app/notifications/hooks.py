"""After a commit that wrote outbox rows, queue their delivery; drop the lists on rollback.

The writers remember what they wrote with `app.notifications.after_commit` (ORM rows, queued row by row:
one may be an old row put back for another try; ids the filing's Core path inserted, queued as one job).
Jobs are queued only once the rows are committed (a job never looks for a row that is not there yet), on
the app's fail-fast Redis. When Redis is down, or its breaker is open, nothing is queued and nothing
fails: the worker's periodic sweep finds the rows in the database.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core import redis_client
from app.notifications import after_commit, queue

log = logging.getLogger(__name__)

_registered = False


def _ids(rows) -> list[int]:
    ids = set()
    for row in rows:
        state = sa.inspect(row)
        # The identity survives the commit's expiry, so reading it needs no SQL (none may run here).
        if state.identity is not None and not state.deleted and not state.was_deleted:
            ids.add(int(state.identity[0]))
    return sorted(ids)


def _after_commit(session: Session) -> None:
    rows, fresh = after_commit.take(session)
    if not (rows or fresh) or not has_app_context():
        return
    ids = _ids(rows)  # ORM rows may be old ones put back for another try: `enqueue` checks
    fresh = sorted(set(fresh))  # inserted by this commit: no job can exist yet
    if redis_client.breaker_open():
        log.info("Redis breaker open: outbox %s left to the sweep", ids + fresh)
        return
    try:
        if fresh:
            queue.enqueue_new(fresh)
        if ids:
            queue.enqueue(ids)
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        log.warning("Redis unavailable, outbox %s left to the sweep: %r", ids + fresh, exc)
    except Exception:  # never fail the request that committed: the sweep delivers anyway
        log.exception("could not queue outbox %s; left to the sweep", ids + fresh)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint: the outer transaction may still commit
        return
    after_commit.drop(session)


def register() -> None:
    global _registered
    if _registered:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _registered = True
