"""Console login by scanning a temporary QR code of the official account with WeChat.

For station staff who are bound to the official account and whose console account is linked to that
binding (`ConsoleUser.staff_id`). The console page asks for a login attempt: a random token in Redis
(`LOGIN_TTL` seconds) and a secret kept in the browser's cookie, whose hash the token remembers. The QR
carries `login:<token>` as its scene. Scanning it sends the official account a SCAN (or subscribe) event;
the callback calls `approve` with the scanner's openid, which marks the attempt approved for the console
account linked to the bound, active staff member. The browser then `claim`s it, once, with its cookie
secret: someone who only sees (or decodes) the QR cannot use the approval. Without Redis there is no QR
login; the password still works.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import redis
import sqlalchemy as sa

from app.accounts.models import ConsoleUser
from app.accounts.texts import QR_LOGIN
from app.core import redis_client
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.staff.models import Staff

SCENE_PREFIX = "login:"
LOGIN_TTL = 300
_KEY = "console:qr-login:{token}"
_PENDING = "pending"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start() -> tuple[str, str] | None:
    """(token, browser secret) of a new attempt, or None when Redis is unavailable."""
    token, secret = secrets.token_hex(16), secrets.token_urlsafe(24)
    try:
        get_redis().set(_KEY.format(token=token), f"{_PENDING}|{_digest(secret)}", ex=LOGIN_TTL)
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        return None
    return token, secret


def scene(token: str) -> str:
    return SCENE_PREFIX + token


def is_login_scene(value: str | None) -> bool:
    return bool(value) and value.startswith(SCENE_PREFIX)


def _staff_account(openid: str) -> ConsoleUser | None:
    staff = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == openid))
    if staff is None or not staff.active:
        return None
    user = db.session.scalar(sa.select(ConsoleUser).where(ConsoleUser.staff_id == staff.id))
    return user if user is not None and user.active else None


def approve(openid: str, scene_value: str) -> str:
    """The official account's answer to a scan of a login QR (and the approval, when it is valid)."""
    token = scene_value[len(SCENE_PREFIX) :]
    user = _staff_account(openid)
    if user is None:
        return QR_LOGIN["no_account"]
    key = _KEY.format(token=token)
    try:
        r = get_redis()
        value = r.get(key)
        if value is None or not value.decode().startswith(_PENDING + "|"):
            return QR_LOGIN["expired"]
        digest = value.decode().split("|", 1)[1]
        r.set(key, f"{user.id}|{digest}", xx=True, keepttl=True)
    except (redis_client.OUTAGE, redis.ResponseError):
        return QR_LOGIN["expired"]
    return QR_LOGIN["approved"].format(username=user.username)


def claim(token: str, secret: str) -> ConsoleUser | None:
    """The approved account, once, for the browser holding the attempt's secret; else None."""
    if not token or not secret or len(token) != 32:
        return None
    try:
        value = get_redis().get(_KEY.format(token=token))
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        return None
    if value is None:
        return None
    who, _, digest = value.decode().partition("|")
    if who == _PENDING or not hmac.compare_digest(digest, _digest(secret)):
        return None
    try:
        if not get_redis().delete(_KEY.format(token=token)):  # spent by a concurrent claim
            return None
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        return None
    user = db.session.get(ConsoleUser, int(who))
    return user if user is not None and user.active else None
