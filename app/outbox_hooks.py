"""After a commit that wrote outbox rows, queue one delivery job per row; drop the list on rollback.

notify appends each new row to `session.info["outbox_new"]`. The jobs are queued only once the rows are
committed (a job never looks for a row that is not there yet), on the app's fail-fast Redis. When Redis
is down, or its breaker is open, nothing is queued and nothing fails: the worker's periodic sweep finds
the rows in the database.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

KEY = "outbox_new"
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
    rows = session.info.pop(KEY, None)
    if not rows or not has_app_context():
        return
    ids = _ids(rows)
    if not ids:
        return
    from app import jobs, redis_client

    if redis_client.breaker_open():
        log.info("Redis breaker open: outbox %s left to the sweep", ids)
        return
    try:
        jobs.enqueue(ids)
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        log.warning("Redis unavailable, outbox %s left to the sweep: %r", ids, exc)
    except Exception:  # never fail the request that committed: the sweep delivers anyway
        log.exception("could not queue outbox %s; left to the sweep", ids)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint: the outer transaction may still commit
        return
    session.info.pop(KEY, None)


def register() -> None:
    global _registered
    if _registered:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _registered = True
