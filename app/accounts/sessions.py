"""The console's session: a signed cookie (`console`, path `/admin`, HttpOnly, SameSite=Strict, Secure
behind https) naming the account, its session version and the session's CSRF token.

It expires after `CONSOLE_IDLE_SECONDS` without a request (the cookie is re-signed on every page) and
`CONSOLE_SESSION_SECONDS` after login whatever happens. Disabling the account, changing its password or
its TOTP secret bumps the version and so ends every open session. Forms carry the CSRF token in a hidden
field (compared in constant time); the console also refuses a POST whose Origin/Referer names another
site (the staff pages' check).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts.models import ConsoleUser
from app.core.extensions import db

COOKIE = "console"
COOKIE_PATH = "/admin"
CSRF_FIELD = "csrf_token"
_SALT = "console-session"


@dataclass(frozen=True)
class ConsoleSession:
    user: ConsoleUser
    csrf: str
    issued: int

    def renewed(self) -> str:
        """The cookie value to send back: same session, fresh idle timer."""
        return _serializer().dumps(
            {"u": self.user.id, "v": self.user.session_version, "c": self.csrf, "t": self.issued}
        )


def idle_seconds() -> int:
    return int(current_app.config.get("CONSOLE_IDLE_SECONDS") or 1800)


def absolute_seconds() -> int:
    return int(current_app.config.get("CONSOLE_SESSION_SECONDS") or 12 * 3600)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue(user: ConsoleUser) -> ConsoleSession:
    return ConsoleSession(user, secrets.token_urlsafe(24), int(time.time()))


def read(value: str | None) -> ConsoleSession | None:
    """The session in the cookie, if signature, idle and absolute age, account and version all hold."""
    if not value:
        return None
    try:
        data = _serializer().loads(value, max_age=idle_seconds())
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    uid, version, csrf, issued = data.get("u"), data.get("v"), data.get("c"), data.get("t")
    if not (isinstance(uid, int) and isinstance(version, int) and isinstance(csrf, str) and csrf):
        return None
    if not isinstance(issued, int) or time.time() - issued > absolute_seconds():
        return None
    user = db.session.get(ConsoleUser, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return ConsoleSession(user, csrf, issued)


def csrf_valid(session: ConsoleSession, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(token.encode(), session.csrf.encode())


def cookie_secure() -> bool:
    return str(current_app.config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")
