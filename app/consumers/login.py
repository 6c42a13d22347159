"""Mini-program login: a `wx.login` code becomes a Consumer and a signed API token.

The token is signed with SECRET_KEY (itsdangerous) and carries its own expiry, so checking it needs
neither Redis nor a session table: a Redis outage never logs anybody out. It names the consumer by id
and by a fingerprint of the openid, so a token cannot follow a reused row id to somebody else.

WeChat's `session_key` is stored on the Consumer (the newest one) and never leaves the server.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from app.consumers.models import Consumer
from app.core.errors import DomainError, TooMany, Unauthorized, Unavailable, ValidationFailed
from app.core.extensions import db
from app.core.texts import FIELDS
from app.core.timeutil import utcnow
from wechat import api as wechat_api
from wechat.client import is_sandbox

log = logging.getLogger(__name__)

TOKEN_SALT = "mp-session-v1"
#: wx.login codes are 32 characters; anything far longer is not a code WeChat issued.
MAX_CODE_LENGTH = 128
SANDBOX_OPENID_PREFIX = "sandbox-"


@dataclass(frozen=True)
class LoginResult:
    consumer: Consumer
    token: str
    expires_in: int
    sandbox: bool


@dataclass(frozen=True)
class Filer:
    """The few facts about a consumer that filing needs, read without the ORM."""

    id: int
    openid: str
    phone: str
    sandbox: bool


@dataclass(frozen=True)
class TokenClaims:
    consumer_id: int
    openid_hash: str
    expires_at: int


def login(code: str) -> LoginResult:
    """Exchange a wx.login code (or, in sandbox mode, any code) for a consumer and a token.

    Flushes the consumer; the caller commits.
    """
    code = (code or "").strip()
    if not code:
        raise ValidationFailed({"code": FIELDS["code_required"]})
    if len(code) > MAX_CODE_LENGTH:
        raise DomainError("wechat_code_invalid")
    sandbox = is_sandbox()
    if sandbox:
        openid, unionid, session_key = sandbox_openid(code), None, ""
    else:
        try:
            session = wechat_api.code_to_session(code)
        except wechat_api.WeChatError as exc:
            raise login_error(exc) from exc
        openid, unionid, session_key = session.openid, session.unionid, session.session_key
    consumer = _upsert_consumer(openid, unionid, session_key, sandbox)
    ttl = int(current_app.config["SESSION_TTL_SECONDS"])
    return LoginResult(consumer, issue_token(consumer, ttl), ttl, sandbox)


def sandbox_openid(code: str) -> str:
    """A stable sandbox identity per code: the same code logs in the same sandbox consumer."""
    return SANDBOX_OPENID_PREFIX + hashlib.sha256(code.encode()).hexdigest()[:24]


def login_error(exc: wechat_api.WeChatError) -> DomainError:
    """The user-facing answer to a failed code2session."""
    if not isinstance(exc, wechat_api.WeChatAPIError):
        log.warning("WeChat unreachable during login: %s", exc)
        return Unavailable("wechat_unavailable")
    if exc.errcode == 40029:
        return DomainError("wechat_code_invalid")
    if exc.errcode == 40163:
        return DomainError("wechat_code_used")
    if exc.errcode in (45011, 45009):
        return TooMany("wechat_rate_limited")
    if exc.errcode == -1:
        return Unavailable("wechat_busy")
    # 40013 invalid appid, 40125 invalid secret, ...: our configuration, not the user's doing.
    log.error("code2session refused: %s", exc)
    return DomainError("wechat_error", status=502)


def issue_token(consumer: Consumer, ttl: int | None = None) -> str:
    """A signed token for `consumer`, valid `ttl` seconds (default SESSION_TTL_SECONDS)."""
    if ttl is None:
        ttl = int(current_app.config["SESSION_TTL_SECONDS"])
    payload = {"cid": consumer.id, "oh": openid_hash(consumer.openid), "exp": int(time.time()) + ttl}
    return _serializer().dumps(payload)


def verify_token(token: str) -> TokenClaims:
    """Check signature and expiry; raises Unauthorized("token_invalid")."""
    try:
        payload = _serializer().loads(token)
    except BadSignature as exc:
        raise Unauthorized("token_invalid") from exc
    if not isinstance(payload, dict):
        raise Unauthorized("token_invalid")
    try:
        claims = TokenClaims(int(payload["cid"]), str(payload["oh"]), int(payload["exp"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise Unauthorized("token_invalid") from exc
    if claims.expires_at <= time.time():
        raise Unauthorized("token_invalid")
    return claims


def consumer_for_token(token: str) -> Consumer:
    """The consumer a valid token names; raises Unauthorized("token_invalid")."""
    claims = verify_token(token)
    consumer = db.session.get(Consumer, claims.consumer_id)
    _check_holder(claims, consumer)
    return consumer


_FILER = sa.select(Consumer.id, Consumer.openid, Consumer.phone, Consumer.sandbox).where(
    Consumer.id == sa.bindparam("consumer_id")
)


def filer_for_claims(claims: TokenClaims) -> Filer:
    """`consumer_for_token` for the filing path: one Core read, no ORM object."""
    return filer_from_row(
        claims, db.session.connection().execute(_FILER, {"consumer_id": claims.consumer_id}).first()
    )


def filer_from_row(claims: TokenClaims, row) -> Filer:
    """A Filer from a row with the consumer's id, openid, phone and sandbox columns (None: no such one)."""
    _check_holder(claims, row)
    return Filer(claims.consumer_id, row.openid, row.phone, row.sandbox)


def claims_match(claims: TokenClaims, openid_hash: str, sandbox: bool) -> bool:
    """Whether a token still belongs to the consumer it was issued to (see `consumer_for_token`)."""
    if openid_hash != claims.openid_hash:
        return False
    return not (sandbox and not is_sandbox())  # a sandbox identity never works against real WeChat


def _check_holder(claims: TokenClaims, consumer) -> None:
    if consumer is None or not claims_match(claims, openid_hash(consumer.openid), consumer.sandbox):
        raise Unauthorized("token_invalid")


def _upsert_consumer(openid: str, unionid: str | None, session_key: str, sandbox: bool) -> Consumer:
    now = utcnow()
    consumer = db.session.scalar(sa.select(Consumer).where(Consumer.openid == openid))
    if consumer is None:
        consumer = Consumer(openid=openid, unionid=unionid, session_key=session_key, sandbox=sandbox)
        consumer.last_login_at = now
        db.session.add(consumer)
        try:
            db.session.flush()
            return consumer
        except IntegrityError:
            # The same person's first login raced in from another request: use that row.
            db.session.rollback()
            consumer = db.session.scalar(sa.select(Consumer).where(Consumer.openid == openid))
            if consumer is None:
                raise
    consumer.session_key = session_key
    if unionid:
        consumer.unionid = unionid
    consumer.last_login_at = now
    db.session.flush()
    return consumer


def openid_hash(openid: str) -> str:
    return hashlib.sha256(openid.encode()).hexdigest()[:16]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)
