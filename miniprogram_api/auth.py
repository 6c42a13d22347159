"""`login_required` for mini-program views: `Authorization: Bearer <token>` sets `flask.g.consumer`.

The token is checked by signature and expiry alone (no Redis, no session table), then the consumer is
loaded from the database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from flask import g, request

from app.consumers import login
from app.consumers.models import Consumer
from app.core.errors import Unauthorized

F = TypeVar("F", bound=Callable)


def login_required(view: F) -> F:
    """Reject the request with 401 `login_required` (no token) or `token_invalid` (bad or expired)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.consumer = login.consumer_for_token(bearer_token())
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def bearer_token() -> str:
    """The token from the Authorization header; raises Unauthorized when there is none."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise Unauthorized("login_required")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("token_invalid")
    return token.strip()


def current_consumer() -> Consumer:
    """The consumer `login_required` put on `g` (only inside a protected view)."""
    return g.consumer
