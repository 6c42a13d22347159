"""Who is at the staff H5 pages (`/oa/...`), and proof that a form came from them.

- **WeChat web OAuth** (`snsapi_base`, production): a page without a staff session sends the browser to
  `connect/oauth2/authorize` with a signed `state` that carries the return path; `/oa/auth` exchanges
  the code for the openid and looks up the bound, active `Staff`. WeChat allows only `[A-Za-z0-9]`, at
  most 128 bytes, in `state`, so it is a compact HMAC token (not an itsdangerous one, whose alphabet
  has `.-_`); it is also bound to a random nonce kept in a short cookie, so nobody can log a worker
  in as someone else by sending them a finished authorisation link.
- **Signed links** (sandbox mode only): `/oa/complaints/<number>?sig=...`, an itsdangerous token for one
  staff member and one complaint with an expiry. Outside sandbox mode a `sig` is ignored.
- **Session**: a signed, short-lived cookie (`oa_staff`, path `/oa`) naming the staff member, a
  fingerprint of their binding (unbinding or rebinding the WeChat account ends the session) and the
  session's CSRF token.
- **CSRF**: the token sits in a hidden field of every form and is compared in constant time; the
  Origin (or else Referer) host, when the browser sends one, must be this site.

`link_for(staff, number)` is what alerts put in template messages. Nothing here reads `flask.request`:
the views pass the values in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.core.extensions import db
from app.core.numbers import normalise_number
from app.staff.models import Staff
from wechat import oauth
from wechat.client import is_sandbox

PREFIX = "/oa"
SESSION_COOKIE = "oa_staff"
NONCE_COOKIE = "oa_nonce"
COOKIE_PATH = PREFIX
CSRF_FIELD = "csrf_token"
#: The OAuth round trip must finish within this (WeChat's codes live 5 minutes).
STATE_MAX_AGE = 600
MODE_OAUTH = "oauth"
MODE_LINK = "link"

_STATE = re.compile(r"^([0-9a-f]{32})([0-9a-f]{8})([0-9A-Z]{0,20})$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StaffSession:
    staff: Staff
    csrf: str
    mode: str  # MODE_OAUTH | MODE_LINK


# --------------------------------------------------------------------------------------------- helpers


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def _mac(purpose: str, message: str) -> str:
    return hmac.new(_secret(), f"{purpose}|{message}".encode(), hashlib.sha256).hexdigest()


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def page_path(number: str | None = None) -> str:
    """`/oa/` (the list) or `/oa/complaints/<number>`."""
    return f"{PREFIX}/complaints/{quote(number, safe='')}" if number else f"{PREFIX}/"


def public_url(path: str) -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + path


def cookie_secure() -> bool:
    return str(current_app.config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")


def session_ttl() -> int:
    return int(current_app.config.get("STAFF_SESSION_TTL_SECONDS") or 2 * 3600)


def binding(staff: Staff) -> str:
    """A fingerprint of who the staff member is bound to; it changes when they unbind or rebind."""
    return _mac("oa-binding", f"{staff.id}|{staff.oa_openid or ''}")[:20]


def staff_for_openid(openid: str) -> Staff | None:
    """The active staff member bound to this official-account openid, if any."""
    staff = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == openid))
    return staff if staff is not None and staff.active else None


# ---------------------------------------------------------------------------------------------- OAuth


def new_nonce() -> str:
    return secrets.token_hex(16)


def oauth_state(number: str | None, nonce: str, now: float | None = None) -> str:
    """`state` for the authorize redirect: MAC, issue time, and the complaint number ("" = the list)."""
    target = normalise_number(number) or ""
    body = f"{int(now if now is not None else time.time()):08x}{target}"
    return _mac("oa-state", f"{nonce}|{body}")[:32] + body


def read_oauth_state(state: str | None, nonce: str | None, now: float | None = None) -> str | None:
    """The return target ("" for the list, else a complaint number) or None when forged or stale."""
    if not state or not nonce or not _NONCE.fullmatch(nonce):
        return None
    match = _STATE.fullmatch(state)
    if match is None:
        return None
    mac, issued, target = match.groups()
    expected = _mac("oa-state", f"{nonce}|{issued}{target}")[:32]
    if not hmac.compare_digest(mac, expected):
        return None
    age = (now if now is not None else time.time()) - int(issued, 16)
    if not -60 <= age <= STATE_MAX_AGE:
        return None
    return target


def login_url(number: str | None, nonce: str) -> str:
    """WeChat's authorize URL (snsapi_base) coming back to `/oa/auth`, carrying the return target."""
    return oauth.authorize_url(public_url(f"{PREFIX}/auth"), oauth_state(number, nonce))


# --------------------------------------------------------------------------------------------- session


def issue_session(staff: Staff, mode: str = MODE_OAUTH) -> str:
    """The value of the session cookie for `staff`, with a fresh CSRF token."""
    payload = {"s": staff.id, "b": binding(staff), "c": secrets.token_urlsafe(24), "m": mode}
    return _serializer("oa-staff-session").dumps(payload)


def read_session(value: str | None) -> StaffSession | None:
    """The session in the cookie, if its signature, age, staff member and binding all still hold."""
    if not value:
        return None
    try:
        data = _serializer("oa-staff-session").loads(value, max_age=session_ttl())
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    staff_id, fingerprint, csrf, mode = data.get("s"), data.get("b"), data.get("c"), data.get("m")
    if not (isinstance(staff_id, int) and isinstance(fingerprint, str) and isinstance(csrf, str) and csrf):
        return None
    if mode not in (MODE_OAUTH, MODE_LINK) or (mode == MODE_LINK and not is_sandbox()):
        return None
    staff = db.session.get(Staff, staff_id)
    if staff is None or not staff.active or not hmac.compare_digest(binding(staff), fingerprint):
        return None
    return StaffSession(staff, csrf, mode)


# ------------------------------------------------------------------------------- sandbox signed links


def link_token(staff: Staff, number: str) -> str:
    return _serializer("oa-staff-link").dumps({"s": staff.id, "n": number, "b": binding(staff)})


def read_link(token: str | None, number: str) -> Staff | None:
    """The staff member a sandbox link was made for, if it is genuine, unexpired and for this case."""
    if not token or not is_sandbox():
        return None
    ttl = int(current_app.config.get("STAFF_LINK_TTL_SECONDS") or 7 * 24 * 3600)
    try:
        data = _serializer("oa-staff-link").loads(token, max_age=ttl)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("n") != number or not isinstance(data.get("s"), int):
        return None
    staff = db.session.get(Staff, data["s"])
    if staff is None or not staff.active or not hmac.compare_digest(binding(staff), str(data.get("b"))):
        return None
    return staff


def link_for(staff: Staff, number: str) -> str:
    """The absolute URL of complaint `number`'s page to send `staff` (e.g. in a template message).

    Production: the plain page URL (WeChat OAuth identifies whoever opens it). Sandbox mode: the same
    URL signed for this staff member (`?sig=`, valid STAFF_LINK_TTL_SECONDS), since there is no real
    WeChat to log them in. Needs an app context, not a request.
    """
    number = normalise_number(number) or number
    url = public_url(page_path(number))
    if is_sandbox():
        url += "?sig=" + link_token(staff, number)
    return url


# ------------------------------------------------------------------------------------------------ CSRF


def csrf_valid(session: StaffSession, token: str | None) -> bool:
    if not token:
        return False
    return hmac.compare_digest(token.encode(), session.csrf.encode())


def allowed_hosts(request_host: str) -> set[str]:
    hosts = {request_host.lower()}
    public = urlsplit(str(current_app.config.get("PUBLIC_BASE_URL") or "")).netloc.lower()
    if public:
        hosts.add(public)
    return hosts


def same_origin(origin: str | None, referer: str | None, hosts: set[str]) -> bool:
    """False when the browser names another site as the form's origin; True when it names none.

    Origin wins when present (an opaque "null" origin counts as absent: the token still decides).
    """
    for value in (origin, referer):
        if value and value != "null":
            return urlsplit(value).netloc.lower() in hosts
    return True
