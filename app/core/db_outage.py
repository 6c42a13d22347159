"""The database briefly away — a restart, a failover, a connection dropped under a transaction.

A fault the service knows: every surface answers it with 503, the stable code `database_unavailable`, a
Chinese message and `Retry-After` (the mini-program's retry under the same Idempotency-Key then files
once; WeChat retries a push that was not answered 200), never with a 500. `register` installs that answer
on a blueprint with the surface's own rendering; `dropped` tells a connection lost mid-transaction (worth
running a safe unit of work again at once) from a database that refuses connections (worth waiting for).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, Response, make_response

from app.core.errors import Unavailable
from app.core.extensions import db

log = logging.getLogger(__name__)

#: What the driver raises while the database is away: connection refused, terminated, timed out; a pool
#: with no connection to give.
OUTAGE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
CODE = "database_unavailable"
#: A PostgreSQL restart takes about 3 seconds.
RETRY_AFTER_SECONDS = 3


def error() -> Unavailable:
    return Unavailable(CODE)


def dropped(exc: BaseException) -> bool:
    """The connection died under the statement (SQLAlchemy has invalidated it; the pool makes a new one)."""
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


def forget_session() -> None:
    """Roll the session back without raising: its connection may be gone with the database."""
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()


def register(bp: Blueprint, render: Callable[[Unavailable], Response | tuple]) -> None:
    """Answer the outage on `bp` with `render(error())` (its status 503) plus `Retry-After`."""

    def _database_away(exc: Exception):
        forget_session()
        log.warning("database unavailable in %s: %s", bp.name, type(exc).__name__)
        response = make_response(render(error()))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for cls in OUTAGE:
        bp.register_error_handler(cls, _database_away)
