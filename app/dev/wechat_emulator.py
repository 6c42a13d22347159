"""A local imitation of the WeChat server API, served on loopback for tests and the demo.

It answers like api.weixin.qq.com does — same paths, JSON bodies, errcodes and `rid` suffixes — for the
calls this service makes:

    POST /cgi-bin/stable_token            GET /cgi-bin/token
    GET  /sns/jscode2session              POST /wxa/getwxacodeunlimit   (a real PNG, or JSON on failure)
    POST /wxa/business/getuserphonenumber POST /wxa/msg_sec_check       (version 2, result.suggest)
    POST /cgi-bin/message/subscribe/send  POST /cgi-bin/message/template/send
    POST /cgi-bin/message/custom/send     POST /cgi-bin/qrcode/create   (parameterised QR: ticket, url)
    GET  /connect/oauth2/authorize        GET /sns/oauth2/access_token  (web OAuth for H5 pages)
    POST /wxa/generate_urllink            POST /wxa/generatescheme      (open the mini-program from a browser)

Messages: a subscribe send needs a logged-in user of that app (else 40003) and an allowance for the
template (else 43101), and each value must fit the type named by its key's prefix (`thing1` ≤ 20
characters, `phrase2` ≤ 5 Chinese characters, `character_string3` ≤ 32 ASCII, `time4` a date/time,
`amount5`, `name6`, ...; else 47003). Template and customer-service sends need a follower of the
account: an openid registered with `followers`, or any unregistered openid starting with "oa-" (an
unregistered other openid is 40003, a registered non-follower 43004). Template values must also be at
most 20 characters without line breaks (WeChat's 2023 rule; 47003). A repeated template `client_msg_id`
for the same user within ten minutes is answered ok and not delivered again. 45015 (customer-service
window closed) is injected with `faults`. What users received is in `messages`.

Control endpoints (JSON, under `/__emulator__/`) play the user and the operator:

    POST   login-code {"user", "appid"?}            -> {"code", "openid", "unionid"?}  (wx.login)
    POST   phone-code {"phone", "country_code"?, "appid"?} -> {"code"}           (getPhoneNumber)
    GET|POST apps  {"appid", "secret", "unionid"?, "pages"?}                     (register an app)
    POST   faults {"endpoint", "kind": "errcode"|"http"|"delay", "errcode"?, "errmsg"?, "status"?,
                   "seconds"?, "times"?}  (the next `times` calls fail; omit `times` for "until cleared")
    DELETE faults                            GET faults
    POST   limits {"jscode2session_per_user_per_minute"}
    POST   sec-words {"risky": [...], "review": [...]}
    POST   tokens/invalidate {"appid"}       (someone else took a new token: the current one stops working)
    POST   subscribe-accept {"user"|"openid", "template_ids": [...], "appid"?}  (wx.requestSubscribeMessage)
    GET    subscribe-allowances
    POST   followers {"openid", "following": true|false}                       (follow / unfollow)
    GET    messages?kind=subscribe|template|custom  (what users received)
    POST   oauth-user {"openid"|"user", "appid"?}   (who the browser at connect/oauth2/authorize is;
                                             `?openid=` or `?user=` there does the same per call)
    DELETE oauth-user
    POST   oauth-code {"openid"|"user", "appid"?, "scope"?} -> {"code", "openid"}
    GET    calls?endpoint=...                DELETE calls
    GET    links                                    (URL Links and Schemes handed out: url, path, query, ...)
    POST   reset                             (forget everything but the apps given at start)

Everything is kept in memory behind one lock. Run it alone with
`python -m app.dev.wechat_emulator --port 8901 [--appid ... --secret ...]`; the sandbox placeholder apps are always
registered so a sandbox-mode service works against it unchanged.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import qrcode
import requests
from flask import Flask, Response, current_app, g, jsonify, request
from markupsafe import escape
from PIL import Image, ImageOps

from wechat import SANDBOX_MP_APPID, SANDBOX_MP_SECRET, SANDBOX_OA_APPID, SANDBOX_OA_SECRET

ENDPOINTS = (
    "stable_token",
    "token",
    "jscode2session",
    "getwxacodeunlimit",
    "getuserphonenumber",
    "msg_sec_check",
    "subscribe_send",
    "template_send",
    "custom_send",
    "qrcode_create",
    "oauth2_authorize",
    "oauth2_access_token",
    "generate_urllink",
    "generatescheme",
)
SCENE_PATTERN = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
PAGE_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*$")
LABEL_NORMAL = 100
LABEL_AD = 10001
LABEL_CRIME = 20006
KEY_PATTERN = re.compile(r"^([a-z_]+?)(\d+)$")
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DATE_PART = r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2})"
_CLOCK_PART = r"\d{1,2}:\d{2}(?::\d{2})?"
TIME_PATTERN = re.compile(rf"^(?:{_DATE_PART}(?: {_CLOCK_PART})?|{_CLOCK_PART})$")
DATE_PATTERN = re.compile(rf"^{_DATE_PART}(?: {_CLOCK_PART})?$")
TEMPLATE_VALUE_MAX = 20  # official-account template values since 2023-05
CUSTOM_TEXT_MAX_BYTES = 2048
CLIENT_MSG_ID_SECONDS = 600

#: errmsg texts as WeChat writes them (a ", rid: ..." suffix is added per answer).
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40008: "invalid message type",
    40037: "invalid template_id",
    40013: "invalid appid",
    40029: "invalid code",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40169: "invalid length for scene, or the data is not json string",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    40165: "invalid weapp pagepath",
    40212: "invalid query",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45002: "content size out of limit",
    45015: "response out of time limit or subscription is canceled",
    47001: "data format error",
    47003: "argument invalid!",
    61010: "user is not in 2 hours",
    87014: "risky content",
}


@dataclass
class EmulatedApp:
    appid: str
    secret: str
    unionid: bool = False  # bound to an Open Platform account: logins also return a unionid
    pages: list[str] | None = None  # released pages; None accepts any well-formed page

    def as_dict(self) -> dict:
        return {"appid": self.appid, "unionid": self.unionid, "pages": self.pages}


@dataclass
class _Token:
    appid: str
    expires_at: float


@dataclass
class _Code:
    appid: str
    expires_at: float
    used: bool = False
    user: str = ""
    phone: str = ""
    country_code: str = "86"
    openid: str = ""  # web OAuth codes
    scope: str = ""


@dataclass
class _Fault:
    kind: str
    errcode: int = -1
    errmsg: str = ""
    status: int = 500
    seconds: float = 0.0
    times: int | None = 1

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items()}


@dataclass
class EmulatorState:
    """The emulated WeChat server's memory. Every access goes through `lock`."""

    initial_apps: list[EmulatedApp]
    token_ttl: int = 7200
    code_ttl: int = 300
    token_grace: int = 300
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        with self.lock:
            # Requests still running from before the reset (a delayed one, say) are not logged after it.
            self.generation = getattr(self, "generation", 0) + 1
            self.apps: dict[str, EmulatedApp] = {
                a.appid: EmulatedApp(a.appid, a.secret, a.unionid, a.pages) for a in self.initial_apps
            }
            self.tokens: dict[str, _Token] = {}
            self.current_token: dict[str, str] = {}
            self.forced_refreshes: dict[str, list[float]] = defaultdict(list)
            self.login_codes: dict[str, _Code] = {}
            self.phone_codes: dict[str, _Code] = {}
            self.oauth_codes: dict[str, _Code] = {}
            self.oauth_user: dict[str | None, str] = {}  # appid (None: any) -> openid at the browser
            self.users: dict[tuple[str, str], str] = {}  # (appid, openid) -> user name
            self.last_login: dict[tuple[str, str], float] = {}
            self.login_times: dict[str, deque] = defaultdict(deque)
            self.faults: dict[str, list[_Fault]] = defaultdict(list)
            self.limits = {"jscode2session_per_user_per_minute": 100}
            self.risky_words: list[str] = ["代开发票"]
            self.review_words: list[str] = ["加微信"]
            self.calls: list[dict] = []
            self.allowances: dict[tuple[str, str, str], int] = defaultdict(int)  # (appid, openid, tpl)
            self.followers: dict[str, bool] = {}  # openid -> following the official account
            self.messages: list[dict] = []  # what users received
            self.client_msg_ids: dict[tuple[str, str], tuple[float, int]] = {}  # (openid, id) -> (at, msgid)
            self.links: list[dict] = []  # URL Links and URL Schemes handed out

    def follows(self, openid: str) -> bool | None:
        """True following, False registered as not following, None unknown to the account (40003)."""
        if openid in self.followers:
            return self.followers[openid]
        return True if openid.startswith("oa-") else None

    def deliver(self, kind: str, appid: str, openid: str, **fields) -> int:
        msgid = 1_000_000 + len(self.messages) + 1
        self.messages.append(
            {"seq": len(self.messages) + 1, "at": time.time(), "kind": kind, "appid": appid, "openid": openid}
            | fields
            | {"msgid": msgid}
        )
        return msgid

    # -- identities ---------------------------------------------------------------------------------
    @staticmethod
    def openid(appid: str, user: str) -> str:
        """Stable per (app, user), like WeChat: one person has a different openid in each app."""
        return "o" + _digest(f"openid|{appid}|{user}")[:27]

    @staticmethod
    def unionid(user: str) -> str:
        return "o" + _digest(f"unionid|{user}")[:27]

    # -- tokens -------------------------------------------------------------------------------------
    def issue_token(self, appid: str, now: float, *, keep_old_for: float | None) -> tuple[str, int]:
        for stale in [t for t, v in self.tokens.items() if v.expires_at <= now]:
            del self.tokens[stale]
        old = self.current_token.get(appid)
        if old in self.tokens:
            if keep_old_for is None:
                del self.tokens[old]
            else:
                self.tokens[old].expires_at = min(self.tokens[old].expires_at, now + keep_old_for)
        token = f"{len(self.tokens) + 80}_" + secrets.token_urlsafe(96)
        self.tokens[token] = _Token(appid, now + self.token_ttl)
        self.current_token[appid] = token
        return token, self.token_ttl

    def stable_token(self, appid: str, now: float, force: bool) -> tuple[str, int]:
        current = self.current_token.get(appid)
        hit = self.tokens.get(current) if current else None
        if not force and hit is not None and hit.expires_at - now > self.token_grace:
            return current, int(hit.expires_at - now)
        # Forced: the previous token stops working at once. Last five minutes: it keeps working a while.
        return self.issue_token(appid, now, keep_old_for=None if force else self.token_grace)

    def check_token(self, token: str | None, now: float) -> tuple[int, str | None]:
        """(errcode, appid): 0 with the token's app, or the errcode WeChat would answer."""
        if not token:
            return 41001, None
        hit = self.tokens.get(token)
        if hit is None:
            return 40001, None
        if hit.expires_at <= now:
            return 42001, None
        return 0, hit.appid

    # -- faults -------------------------------------------------------------------------------------
    def take_fault(self, endpoint: str) -> _Fault | None:
        queue = self.faults.get(endpoint)
        if not queue:
            return None
        fault = queue[0]
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
        return fault


def _digest(text: str) -> str:
    raw = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=").replace("-", "_")


def _rid() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def _state() -> EmulatorState:
    return current_app.extensions["wechat_emulator"]


def _error(errcode: int, errmsg: str | None = None, status: int = 200) -> tuple[Response, int]:
    g.errcode = errcode
    message = errmsg or ERRMSG.get(errcode, "unknown error")
    return jsonify(errcode=errcode, errmsg=f"{message}, rid: {_rid()}"), status


def _json_body() -> dict | None:
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else None


def create_emulator(
    apps: list[EmulatedApp] | dict[str, str] | None = None,
    *,
    token_ttl: int = 7200,
    code_ttl: int = 300,
    register_sandbox_apps: bool = True,
) -> Flask:
    """Build the emulator. `apps`: EmulatedApp objects or {appid: secret}."""
    initial: list[EmulatedApp] = []
    if isinstance(apps, dict):
        initial = [EmulatedApp(appid, secret) for appid, secret in apps.items()]
    elif apps:
        initial = list(apps)
    if register_sandbox_apps:
        known = {a.appid for a in initial}
        for appid, secret in ((SANDBOX_MP_APPID, SANDBOX_MP_SECRET), (SANDBOX_OA_APPID, SANDBOX_OA_SECRET)):
            if appid not in known:
                initial.append(EmulatedApp(appid, secret))

    emu = Flask("wechat_emulator")
    emu.json.ensure_ascii = False
    emu.json.sort_keys = False
    state = EmulatorState(initial, token_ttl=token_ttl, code_ttl=code_ttl)
    emu.extensions["wechat_emulator"] = state

    @emu.before_request
    def _faults():
        name = _endpoint_name()
        if name is None:
            return None
        g.endpoint_name = name
        with state.lock:
            g.generation = state.generation
            fault = state.take_fault(name)
        if fault is None:
            return None
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "http":
            g.errcode = None
            return Response(
                "<html><body>502 Bad Gateway</body></html>", status=fault.status, mimetype="text/html"
            )
        return _error(fault.errcode, fault.errmsg or None)

    @emu.after_request
    def _log(response: Response):
        name = g.get("endpoint_name")
        if name is not None:
            query = {k: ("***" if k == "secret" else v) for k, v in request.args.items()}
            body = request.get_json(force=True, silent=True)
            if isinstance(body, dict) and "secret" in body:
                body = dict(body, secret="***")
            with state.lock:
                if g.generation != state.generation:
                    return response
                state.calls.append(
                    {
                        "seq": len(state.calls) + 1,
                        "at": time.time(),
                        "endpoint": name,
                        "method": request.method,
                        "path": request.path,
                        "query": query,
                        "json": body,
                        "status": response.status_code,
                        "errcode": g.get("errcode", 0),
                        "content_type": response.mimetype,
                    }
                )
        return response

    _register_wechat_routes(emu, state)
    _register_qrcode_routes(emu, state)
    _register_message_routes(emu, state)
    _register_control_routes(emu, state)
    _register_oauth_routes(emu, state)
    return emu


def _endpoint_name() -> str | None:
    rule = request.url_rule
    if rule is None or not rule.endpoint.startswith("wx_"):
        return None
    return rule.endpoint[3:]


def _register_wechat_routes(emu: Flask, state: EmulatorState) -> None:
    @emu.post("/cgi-bin/stable_token", endpoint="wx_stable_token")
    def stable_token():
        body = _json_body()
        if body is None:
            return _error(47001)
        problem = _check_credentials(state, body.get("appid"), body.get("secret"), body.get("grant_type"))
        if problem:
            return _error(problem)
        force = body.get("force_refresh") in (True, "true", 1)
        now = time.time()
        with state.lock:
            if force:
                day = [t for t in state.forced_refreshes[body["appid"]] if now - t < 86400]
                if len(day) >= 20:
                    return _error(45009)
                state.forced_refreshes[body["appid"]] = [*day, now]
            token, expires_in = state.stable_token(body["appid"], now, force)
        return jsonify(access_token=token, expires_in=expires_in)

    @emu.get("/cgi-bin/token", endpoint="wx_token")
    def token():
        args = request.args
        problem = _check_credentials(state, args.get("appid"), args.get("secret"), args.get("grant_type"))
        if problem:
            return _error(problem)
        with state.lock:
            # Every call makes a new token; the previous one keeps working for five minutes.
            token, expires_in = state.issue_token(args["appid"], time.time(), keep_old_for=state.token_grace)
        return jsonify(access_token=token, expires_in=expires_in)

    @emu.get("/sns/jscode2session", endpoint="wx_jscode2session")
    def jscode2session():
        appid, js_code, refusal = _code_exchange(state, "js_code")
        if refusal is not None:
            return refusal
        now = time.time()
        with state.lock:
            code = state.login_codes.get(js_code)
            if code is None or code.appid != appid or code.expires_at <= now:
                return _error(40029)
            if code.used:
                return _error(40163)
            openid = state.openid(appid, code.user)
            window = state.login_times[f"{appid}|{openid}"]
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= state.limits["jscode2session_per_user_per_minute"]:
                return _error(45011)
            window.append(now)
            code.used = True
            state.users[(appid, openid)] = code.user
            state.last_login[(appid, openid)] = now
            answer: dict[str, Any] = {"session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
            answer["openid"] = openid
            if state.apps[appid].unionid:
                answer["unionid"] = state.unionid(code.user)
        return jsonify(answer)

    def _token_and_pages() -> tuple[int, list[str] | None]:
        """(errcode of the access token, the released pages of its app: None when any page goes)."""
        with state.lock:
            errcode, appid = state.check_token(request.args.get("access_token"), time.time())
            return errcode, state.apps[appid].pages if appid in state.apps else None

    @emu.post("/wxa/getwxacodeunlimit", endpoint="wx_getwxacodeunlimit")
    def getwxacodeunlimit():
        errcode, app_pages = _token_and_pages()
        if errcode:
            return _error(errcode)
        body = _json_body()
        if body is None:
            return _error(47001)
        scene = body.get("scene")
        if not isinstance(scene, str) or not SCENE_PATTERN.match(scene):
            return _error(40169)
        page = body.get("page")
        env_version = body.get("env_version", "release")
        if env_version not in ("release", "trial", "develop"):
            return _error(40097)
        if page is not None and (not isinstance(page, str) or not PAGE_PATTERN.match(page)):
            return _error(41030)  # a leading slash, a query string or a blank page
        check_path = body.get("check_path", True) not in (False, "false", 0)
        if (
            page
            and check_path
            and env_version == "release"
            and app_pages is not None
            and page not in app_pages
        ):
            return _error(41030)
        try:
            width = min(1280, max(280, int(body.get("width", 430))))
        except (TypeError, ValueError):
            return _error(40097)
        png = _qr_png(scene, width, transparent=bool(body.get("is_hyaline")))
        return Response(png, mimetype="image/png")

    def _link(kind: str, target: dict, body: dict):
        """What generate_urllink and generatescheme share: the page, query and expiry checks (at most 30
        days, as WeChat has allowed since 2023), and the link's record."""
        now = time.time()
        errcode, app_pages = _token_and_pages()
        if errcode:
            return _error(errcode)
        path = target.get("path", "")
        query = target.get("query", "")
        env_version = target.get("env_version", "release")
        if env_version not in ("release", "trial", "develop"):
            return _error(40097)
        if not isinstance(path, str) or (path and not PAGE_PATTERN.match(path)):
            return _error(40165)
        if path and env_version == "release" and app_pages is not None and path not in app_pages:
            return _error(40165)
        if not isinstance(query, str) or len(query) > 1024:
            return _error(40212)
        if body.get("expire_type", 0) == 1:
            days = body.get("expire_interval", 30)
            if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= LINK_DAYS_MAX:
                return _error(40097)
            expires_at = now + days * 86400
        else:
            expires_at = body.get("expire_time", now + LINK_DAYS_MAX * 86400)
            if not isinstance(expires_at, int | float) or not now < expires_at <= now + LINK_DAYS_MAX * 86400:
                return _error(40097)
        if kind == "url_link":
            url = "https://wxaurl.cn/" + secrets.token_urlsafe(9)
        else:
            url = "weixin://dl/business/?t=" + secrets.token_urlsafe(9)
        record = {"kind": kind, "url": url, "path": path, "query": query}
        with state.lock:
            state.links.append(record | {"env_version": env_version, "expires_at": int(expires_at)})
        return url

    @emu.post("/wxa/generate_urllink", endpoint="wx_generate_urllink")
    def generate_urllink():
        body = _json_body()
        if body is None:
            return _error(47001)
        url = _link("url_link", body, body)
        return url if not isinstance(url, str) else jsonify(errcode=0, errmsg="ok", url_link=url)

    @emu.post("/wxa/generatescheme", endpoint="wx_generatescheme")
    def generatescheme():
        body = _json_body()
        if body is None:
            return _error(47001)
        jump = body.get("jump_wxa") or {}
        if not isinstance(jump, dict):
            return _error(40097)
        url = _link("scheme", jump, body if body.get("is_expire", True) else {})
        return url if not isinstance(url, str) else jsonify(errcode=0, errmsg="ok", openlink=url)

    @emu.post("/wxa/business/getuserphonenumber", endpoint="wx_getuserphonenumber")
    def getuserphonenumber():
        now = time.time()
        body = _json_body()
        with state.lock:
            appid, refusal = _token_and_body(state, now, body)
            if refusal is not None:
                return refusal
            code = state.phone_codes.get(str(body.get("code") or ""))
            if code is None or code.appid != appid or code.expires_at <= now or code.used:
                return _error(40029)
            code.used = True
        full = code.phone if code.country_code == "86" else f"+{code.country_code} {code.phone}"
        return jsonify(
            errcode=0,
            errmsg="ok",
            phone_info={
                "phoneNumber": full,
                "purePhoneNumber": code.phone,
                "countryCode": code.country_code,
                "watermark": {"timestamp": int(now), "appid": appid},
            },
        )

    @emu.post("/wxa/msg_sec_check", endpoint="wx_msg_sec_check")
    def msg_sec_check():
        now = time.time()
        body = _json_body()
        with state.lock:
            errcode, appid = state.check_token(request.args.get("access_token"), now)
            if errcode:
                return _error(errcode)
            if body is None or not isinstance(body.get("content"), str):
                return _error(47001)
            content = body["content"]
            risky = next((w for w in state.risky_words if w in content), None)
            review = next((w for w in state.review_words if w in content), None)
            if body.get("version") != 2:
                # Version 1 (frozen by WeChat): a bare errcode, 87014 for risky content.
                return _error(87014) if risky else jsonify(errcode=0, errmsg="ok")
            openid = body.get("openid")
            if not isinstance(openid, str) or (appid, openid) not in state.users:
                return _error(40003)
            if body.get("scene") not in (1, 2, 3, 4) or len(content) > 2500:
                return _error(40097)
            if now - state.last_login.get((appid, openid), 0) > 2 * 3600:
                return _error(61010)
        if risky:
            suggest, label, word = "risky", LABEL_CRIME, risky
        elif review:
            suggest, label, word = "review", LABEL_AD, review
        else:
            suggest, label, word = "pass", LABEL_NORMAL, ""
        detail = [
            {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90},
            {
                "strategy": "keyword",
                "errcode": 0,
                "suggest": suggest,
                "label": label,
                "level": 20,
                "keyword": word,
            },
        ]
        return jsonify(
            errcode=0,
            errmsg="ok",
            result={"suggest": suggest, "label": label},
            detail=detail,
            trace_id=f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}",
        )


def _message_data(raw, *, template_message: bool) -> tuple[dict[str, str] | None, str | None]:
    """({key: value}, None), or (None, None) for a malformed body, or (data, problem) for a 47003."""
    if not isinstance(raw, dict) or not raw:
        return None, None
    data: dict[str, str] = {}
    for key, item in raw.items():
        if not isinstance(item, dict) or "value" not in item:
            return None, None
        data[str(key)] = item["value"]
    for key, value in data.items():
        problem = value_problem(key, value, template_message=template_message)
        if problem:
            return data, problem
    return data, None


def _register_message_routes(emu: Flask, state: EmulatorState) -> None:
    @emu.post("/cgi-bin/message/subscribe/send", endpoint="wx_subscribe_send")
    def subscribe_send():
        now = time.time()
        body = _json_body()
        with state.lock:
            appid, refusal = _token_and_body(state, now, body)
            if refusal is not None:
                return refusal
            openid, template_id = body.get("touser"), body.get("template_id")
            if not isinstance(openid, str) or (appid, openid) not in state.users:
                return _error(40003)
            if not isinstance(template_id, str) or not template_id:
                return _error(40037)
            if body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
                return _error(40097)
            data, problem = _message_data(body.get("data"), template_message=False)
            if data is None:
                return _error(47001)
            if problem:
                return _error(47003, f"argument invalid! {problem}")
            key = (appid, openid, template_id)
            if state.allowances.get(key, 0) <= 0:
                return _error(43101)
            state.allowances[key] -= 1
            msgid = state.deliver(
                "subscribe",
                appid,
                openid,
                template_id=template_id,
                data=data,
                page=body.get("page"),
                miniprogram_state=body.get("miniprogram_state", "formal"),
            )
        return jsonify(errcode=0, errmsg="ok", msgid=msgid)

    @emu.post("/cgi-bin/message/template/send", endpoint="wx_template_send")
    def template_send():
        now = time.time()
        body = _json_body()
        with state.lock:
            appid, refusal = _token_and_body(state, now, body)
            if refusal is not None:
                return refusal
            openid, template_id = body.get("touser"), body.get("template_id")
            follows = state.follows(openid) if isinstance(openid, str) and openid else None
            if follows is None:
                return _error(40003)
            if not follows:
                return _error(43004)
            if not isinstance(template_id, str) or not template_id:
                return _error(40037)
            data, problem = _message_data(body.get("data"), template_message=True)
            if data is None:
                return _error(47001)
            if problem:
                return _error(47003, f"argument invalid! {problem}")
            client_msg_id = body.get("client_msg_id")
            if client_msg_id:
                seen = state.client_msg_ids.get((openid, str(client_msg_id)))
                if seen is not None and now - seen[0] < CLIENT_MSG_ID_SECONDS:
                    return jsonify(errcode=0, errmsg="ok", msgid=seen[1])  # dropped as a repeat
            msgid = state.deliver(
                "template",
                appid,
                openid,
                template_id=template_id,
                data=data,
                url=body.get("url"),
                miniprogram=body.get("miniprogram"),
                client_msg_id=client_msg_id,
            )
            if client_msg_id:
                state.client_msg_ids[(openid, str(client_msg_id))] = (now, msgid)
        return jsonify(errcode=0, errmsg="ok", msgid=msgid)

    @emu.post("/cgi-bin/message/custom/send", endpoint="wx_custom_send")
    def custom_send():
        now = time.time()
        body = _json_body()
        with state.lock:
            appid, refusal = _token_and_body(state, now, body)
            if refusal is not None:
                return refusal
            openid = body.get("touser")
            follows = state.follows(openid) if isinstance(openid, str) and openid else None
            if follows is None:
                return _error(40003)
            if not follows:
                return _error(43004)
            if body.get("msgtype") != "text":
                return _error(40008)
            content = (body.get("text") or {}).get("content") if isinstance(body.get("text"), dict) else None
            if not isinstance(content, str) or not content:
                return _error(47001)
            if len(content.encode()) > CUSTOM_TEXT_MAX_BYTES:
                return _error(45002)
            state.deliver("custom", appid, openid, text=content)
        return jsonify(errcode=0, errmsg="ok")


def _time_ok(value: str, *, date_required: bool) -> bool:
    parts = value.split("~")
    if len(parts) > 2:
        return False
    pattern = DATE_PATTERN if date_required else TIME_PATTERN
    return all(pattern.match(part.strip()) for part in parts)


#: What WeChat accepts per value type, the type named by the key's prefix (`thing1` is a `thing`).
VALUE_RULES = {
    "thing": lambda v: len(v) <= 20,
    "short_thing": lambda v: len(v) <= 5,
    "number": lambda v: len(v) <= 32 and re.fullmatch(r"-?\d+(?:\.\d+)?", v) is not None,
    "letter": lambda v: len(v) <= 32 and re.fullmatch(r"[A-Za-z]+", v) is not None,
    "symbol": lambda v: len(v) <= 5 and not any(c.isalnum() for c in v),
    "character_string": lambda v: len(v) <= 32 and re.fullmatch(r"[\x21-\x7e]+", v) is not None,
    "time": lambda v: _time_ok(v, date_required=False),
    "date": lambda v: _time_ok(v, date_required=True),
    "amount": lambda v: re.fullmatch(r"[¥￥$]?\d{1,10}(?:\.\d{1,2})?元?", v) is not None,
    "phone_number": lambda v: len(v) <= 17 and re.fullmatch(r"[\d+\-() ]+", v) is not None,
    "car_number": lambda v: len(v) <= 8,
    "name": lambda v: (
        re.fullmatch(f"[{CJK}·]{{1,10}}", v) is not None
        or re.fullmatch(r"[A-Za-z][A-Za-z .]{0,19}", v) is not None
    ),
    "phrase": lambda v: re.fullmatch(f"[{CJK}]{{1,5}}", v) is not None,
}


def value_type(key: str) -> str | None:
    """`thing1` -> "thing", `character_string12` -> "character_string"; None for an untyped key."""
    match = KEY_PATTERN.match(key)
    return match.group(1) if match and match.group(1) in VALUE_RULES else None


def value_problem(key: str, value, *, template_message: bool) -> str | None:
    """Why WeChat would answer 47003 for this value, or None when it would take it."""
    if not isinstance(value, str) or not value.strip():
        return f"data.{key}.value is empty"
    if template_message:
        if "\n" in value or "\r" in value:
            return f"data.{key}.value contains a line break"
        if len(value) > TEMPLATE_VALUE_MAX:
            return f"data.{key}.value exceed limit"
    kind = value_type(key)
    if kind is None:
        return None if template_message else f"data.{key} is not a field of the template"
    return None if VALUE_RULES[kind](value) else f"data.{key}.value invalid"


# --- web OAuth for H5 pages (open.weixin.qq.com's authorize, api.weixin.qq.com's code exchange) ---------

OAUTH_SCOPES = ("snsapi_base", "snsapi_userinfo")


def _oauth_openid(state: EmulatorState, appid: str, openid, user) -> str | None:
    if isinstance(openid, str) and openid:
        return openid
    if isinstance(user, str) and user:
        return state.openid(appid, user)
    return None


def _mint_oauth_code(state: EmulatorState, appid: str, openid: str, scope: str) -> str:
    code = secrets.token_hex(16)
    with state.lock:
        state.oauth_codes[code] = _Code(appid, time.time() + state.code_ttl, openid=openid, scope=scope)
    return code


def _oauth_page(title: str, body: str, status: int = 200) -> Response:
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(html, status=status, mimetype="text/html")


def _register_oauth_routes(emu: Flask, state: EmulatorState) -> None:
    @emu.get("/connect/oauth2/authorize", endpoint="wx_oauth2_authorize")
    def oauth2_authorize():
        """WeChat's web authorisation: back to `redirect_uri` with `code` and `state` (302).

        The person at the browser is `?openid=` / `?user=` (emulator only), else the one set with the
        `oauth-user` control endpoint; with neither, a small form asks for an openid.
        """
        args = request.args
        appid, redirect_uri = args.get("appid", ""), args.get("redirect_uri", "")
        scope, response_type = args.get("scope", ""), args.get("response_type", "")
        with state.lock:
            known = appid in state.apps
            chosen = state.oauth_user.get(appid) or state.oauth_user.get(None)
        if not known:
            g.errcode = 40013
            return _oauth_page("参数错误", "<p>appid 无效（40013）。</p>", 400)
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            g.errcode = 10003
            return _oauth_page("参数错误", "<p>redirect_uri 参数错误（10003）。</p>", 400)
        if response_type != "code" or scope not in OAUTH_SCOPES:
            g.errcode = 10005 if scope not in OAUTH_SCOPES else 40097
            return _oauth_page("参数错误", "<p>scope 或 response_type 参数错误。</p>", 400)
        openid = _oauth_openid(state, appid, args.get("openid"), args.get("user")) or chosen
        if openid is None:
            hidden = "".join(
                f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                for k, v in args.items(multi=True)
                if k not in ("openid", "user")
            )
            form = (
                "<p>模拟器：请输入以哪个公众号用户（openid）的身份授权。</p>"
                f'<form method="get">{hidden}<input name="openid" placeholder="openid">'
                '<button type="submit">授权</button></form>'
            )
            return _oauth_page("微信网页授权（模拟）", form)
        code = _mint_oauth_code(state, appid, openid, scope)
        query = {"code": code}
        if "state" in args:
            query["state"] = args["state"]
        sep = "&" if target.query else "?"
        base = redirect_uri.split("#", 1)[0]
        return Response(status=302, headers={"Location": base + sep + urlencode(query)})

    @emu.get("/sns/oauth2/access_token", endpoint="wx_oauth2_access_token")
    def oauth2_access_token():
        appid, code_value, refusal = _code_exchange(state, "code")
        if refusal is not None:
            return refusal
        now = time.time()
        with state.lock:
            code = state.oauth_codes.get(code_value)
            # Unknown, another app's, expired or already used: WeChat's OAuth says 40029 for each.
            if code is None or code.appid != appid or code.expires_at <= now or code.used:
                return _error(40029)
            code.used = True
        return jsonify(
            access_token=secrets.token_urlsafe(48),
            expires_in=7200,
            refresh_token=secrets.token_urlsafe(48),
            openid=code.openid,
            scope=code.scope,
        )

    prefix = "/__emulator__"

    @emu.post(f"{prefix}/oauth-user")
    def set_oauth_user():
        body = _control_body()
        appid = body.get("appid") or None
        if appid is not None and appid not in state.apps:
            return jsonify(error="unknown appid"), 400
        openid = _oauth_openid(state, appid or "", body.get("openid"), body.get("user"))
        if body.get("user") and appid is None:
            return jsonify(error="user needs an appid (openids differ per app); or give openid"), 400
        if openid is None:
            return jsonify(error="openid or user is required"), 400
        with state.lock:
            state.oauth_user[appid] = openid
        return jsonify(appid=appid, openid=openid), 201

    @emu.delete(f"{prefix}/oauth-user")
    def clear_oauth_user():
        with state.lock:
            state.oauth_user.clear()
        return jsonify(ok=True)

    @emu.post(f"{prefix}/oauth-code")
    def oauth_code():
        body = _control_body()
        with state.lock:
            appid = body.get("appid") or next(iter(state.apps), None)
            if appid not in state.apps:
                return jsonify(error="unknown appid"), 400
        openid = _oauth_openid(state, appid, body.get("openid"), body.get("user"))
        if openid is None:
            return jsonify(error="openid or user is required"), 400
        scope = body.get("scope") or "snsapi_base"
        if scope not in OAUTH_SCOPES:
            return jsonify(error=f"scope must be one of {OAUTH_SCOPES}"), 400
        return jsonify(code=_mint_oauth_code(state, appid, openid, scope), appid=appid, openid=openid), 201


LINK_DAYS_MAX = 30  # URL Links and Schemes: at most 30 days since WeChat's 2023 rule
QR_EXPIRE_MAX = 30 * 24 * 3600  # temporary parameterised QR codes live at most 30 days
QR_EXPIRE_DEFAULT = 60
QR_ACTIONS = ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE")


def _register_qrcode_routes(emu: Flask, state: EmulatorState) -> None:
    @emu.post("/cgi-bin/qrcode/create", endpoint="wx_qrcode_create")
    def qrcode_create():
        """Temporary (QR_SCENE, QR_STR_SCENE) and permanent (QR_LIMIT_SCENE, QR_LIMIT_STR_SCENE) codes.

        The answer has WeChat's shape: an opaque `ticket`, the `url` the QR image encodes and, for a
        temporary code, `expire_seconds` (the request's, capped at 30 days; 60 when omitted).
        """
        with state.lock:
            errcode, _appid = state.check_token(request.args.get("access_token"), time.time())
        if errcode:
            return _error(errcode)
        body = _json_body()
        if body is None:
            return _error(47001)
        action = body.get("action_name")
        info = body.get("action_info")
        scene = info.get("scene") if isinstance(info, dict) else None
        if action not in QR_ACTIONS or not isinstance(scene, dict):
            return _error(40097)
        if action.endswith("STR_SCENE"):
            value = scene.get("scene_str")
            if not isinstance(value, str) or not 1 <= len(value) <= 64:
                return _error(40097)
        else:
            value = scene.get("scene_id")
            upper = 100000 if action == "QR_LIMIT_SCENE" else 2**32 - 1
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
                return _error(40097)
        answer: dict[str, Any] = {"ticket": "gQ" + secrets.token_urlsafe(72)}
        if action in ("QR_SCENE", "QR_STR_SCENE"):
            try:
                expire = int(body.get("expire_seconds", QR_EXPIRE_DEFAULT))
            except (TypeError, ValueError):
                return _error(40097)
            answer["expire_seconds"] = max(1, min(expire, QR_EXPIRE_MAX))
        answer["url"] = "http://weixin.qq.com/q/02" + secrets.token_urlsafe(16)
        return jsonify(answer)


def _token_and_body(state: EmulatorState, now: float, body: dict | None):
    """The access-token and JSON-body checks every message endpoint starts with (under the state lock).

    Returns (appid, None), or (appid or None, the error response WeChat gives).
    """
    errcode, appid = state.check_token(request.args.get("access_token"), now)
    if errcode:
        return appid, _error(errcode)
    if body is None:
        return appid, _error(47001)
    return appid, None


def _code_exchange(state: EmulatorState, code_param: str):
    """Common checks of the two code exchanges (jscode2session, sns/oauth2/access_token).

    Returns (appid, code, None), or (None, None, the error response WeChat gives).
    """
    args = request.args
    appid, code = args.get("appid"), args.get(code_param)
    problem = _check_credentials(state, appid, args.get("secret"), None)
    if problem:
        return None, None, _error(problem)
    if args.get("grant_type") != "authorization_code":
        return None, None, _error(40002)
    if not code:
        return None, None, _error(41008)
    return appid, code, None


def _check_credentials(state: EmulatorState, appid, secret, grant_type) -> int:
    """0, or the errcode WeChat gives for these credentials (grant_type None: not checked here)."""
    if not appid:
        return 41002
    if not secret:
        return 41004
    with state.lock:
        app = state.apps.get(appid)
    if app is None:
        return 40013
    if grant_type is not None and grant_type != "client_credential":
        return 40002
    if not secrets.compare_digest(str(secret), app.secret):
        return 40125
    return 0


def _qr_png(text: str, width: int, *, transparent: bool) -> bytes:
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    gray = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    gray = gray.resize((width, width), Image.NEAREST)
    if transparent:
        # is_hyaline: black modules on a transparent background.
        image = Image.new("RGBA", gray.size, (0, 0, 0, 0))
        image.putalpha(ImageOps.invert(gray))
    else:
        image = gray.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _control_body() -> dict:
    return request.get_json(force=True, silent=True) or {}


def _register_control_routes(emu: Flask, state: EmulatorState) -> None:
    prefix = "/__emulator__"

    def default_appid(body: dict) -> str | None:
        appid = body.get("appid")
        if appid:
            return appid if appid in state.apps else None
        return next(iter(state.apps), None)

    @emu.post(f"{prefix}/reset")
    def reset():
        state.reset()
        return jsonify(ok=True)

    @emu.get(f"{prefix}/apps")
    def list_apps():
        with state.lock:
            return jsonify(apps=[a.as_dict() for a in state.apps.values()])

    @emu.post(f"{prefix}/apps")
    def register_app():
        body = _control_body()
        if not body.get("appid") or not body.get("secret"):
            return jsonify(error="appid and secret are required"), 400
        app = EmulatedApp(body["appid"], body["secret"], bool(body.get("unionid")), body.get("pages"))
        with state.lock:
            state.apps[app.appid] = app
        return jsonify(app.as_dict()), 201

    @emu.post(f"{prefix}/login-code")
    def login_code():
        body = _control_body()
        user = body.get("user")
        if not isinstance(user, str) or not user:
            return jsonify(error="user is required"), 400
        with state.lock:
            appid = default_appid(body)
            if appid is None:
                return jsonify(error="unknown appid"), 400
            code = "0" + secrets.token_hex(16)[:31]  # wx.login codes are 32 visible characters
            state.login_codes[code] = _Code(appid, time.time() + state.code_ttl, user=user)
            answer = {"code": code, "appid": appid, "openid": state.openid(appid, user)}
            if state.apps[appid].unionid:
                answer["unionid"] = state.unionid(user)
        return jsonify(answer), 201

    @emu.post(f"{prefix}/phone-code")
    def phone_code():
        body = _control_body()
        phone = str(body.get("phone") or "")
        if not phone.isdigit():
            return jsonify(error="phone (digits) is required"), 400
        with state.lock:
            appid = default_appid(body)
            if appid is None:
                return jsonify(error="unknown appid"), 400
            code = secrets.token_hex(32)
            state.phone_codes[code] = _Code(
                appid,
                time.time() + state.code_ttl,
                phone=phone,
                country_code=str(body.get("country_code", "86")),
            )
        return jsonify(code=code, appid=appid), 201

    @emu.get(f"{prefix}/faults")
    def list_faults():
        with state.lock:
            return jsonify(faults={k: [f.as_dict() for f in v] for k, v in state.faults.items() if v})

    @emu.post(f"{prefix}/faults")
    def add_fault():
        body = _control_body()
        endpoint, kind = body.get("endpoint"), body.get("kind", "errcode")
        if endpoint not in ENDPOINTS or kind not in ("errcode", "http", "delay"):
            return jsonify(error=f"endpoint must be one of {ENDPOINTS}; kind errcode|http|delay"), 400
        times = body.get("times", 1)
        fault = _Fault(
            kind=kind,
            errcode=int(body.get("errcode", -1)),
            errmsg=str(body.get("errmsg") or ""),
            status=int(body.get("status", 500)),
            seconds=float(body.get("seconds", 0)),
            times=None if times is None else int(times),
        )
        with state.lock:
            state.faults[endpoint].append(fault)
        return jsonify(fault.as_dict()), 201

    @emu.delete(f"{prefix}/faults")
    def clear_faults():
        with state.lock:
            state.faults.clear()
        return jsonify(ok=True)

    @emu.post(f"{prefix}/limits")
    def set_limits():
        body = _control_body()
        with state.lock:
            for key in state.limits:
                if key in body:
                    state.limits[key] = int(body[key])
            return jsonify(state.limits)

    @emu.post(f"{prefix}/sec-words")
    def set_sec_words():
        body = _control_body()
        with state.lock:
            if "risky" in body:
                state.risky_words = [str(w) for w in body["risky"]]
            if "review" in body:
                state.review_words = [str(w) for w in body["review"]]
            return jsonify(risky=state.risky_words, review=state.review_words)

    @emu.post(f"{prefix}/tokens/invalidate")
    def invalidate_tokens():
        appid = _control_body().get("appid")
        with state.lock:
            dropped = [t for t, v in state.tokens.items() if v.appid == appid]
            for token in dropped:
                del state.tokens[token]
            state.current_token.pop(appid, None)
        return jsonify(invalidated=len(dropped))

    @emu.post(f"{prefix}/subscribe-accept")
    def subscribe_accept():
        body = _control_body()
        template_ids = body.get("template_ids")
        if not isinstance(template_ids, list) or not all(isinstance(t, str) and t for t in template_ids):
            return jsonify(error="template_ids (a list of template ids) is required"), 400
        with state.lock:
            appid = default_appid(body)
            if appid is None:
                return jsonify(error="unknown appid"), 400
            openid = body.get("openid") or (state.openid(appid, body["user"]) if body.get("user") else None)
            if not openid:
                return jsonify(error="user or openid is required"), 400
            for template_id in template_ids:
                state.allowances[(appid, openid, template_id)] += 1
            left = {t: state.allowances[(appid, openid, t)] for t in template_ids}
        return jsonify(appid=appid, openid=openid, allowances=left), 201

    @emu.get(f"{prefix}/subscribe-allowances")
    def list_allowances():
        with state.lock:
            rows = [
                {"appid": a, "openid": o, "template_id": t, "remaining": n}
                for (a, o, t), n in state.allowances.items()
            ]
        return jsonify(allowances=rows)

    @emu.post(f"{prefix}/followers")
    def set_follower():
        body = _control_body()
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            return jsonify(error="openid is required"), 400
        with state.lock:
            state.followers[openid] = bool(body.get("following", True))
            return jsonify(openid=openid, following=state.followers[openid])

    @emu.get(f"{prefix}/messages")
    def list_messages():
        kind = request.args.get("kind")
        with state.lock:
            rows = [m for m in state.messages if kind in (None, m["kind"])]
        return jsonify(messages=rows)

    @emu.get(f"{prefix}/links")
    def list_links():
        with state.lock:
            return jsonify(links=list(state.links))

    @emu.get(f"{prefix}/calls")
    def list_calls():
        endpoint = request.args.get("endpoint")
        with state.lock:
            calls = [c for c in state.calls if endpoint in (None, c["endpoint"])]
        return jsonify(calls=calls)

    @emu.delete(f"{prefix}/calls")
    def clear_calls():
        with state.lock:
            state.calls.clear()
        return jsonify(ok=True)


class EmulatorControl:
    """A small HTTP client for the control endpoints (tests, demo scripts)."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()

    def _call(self, method: str, path: str, **kwargs) -> Any:
        res = self._http.request(
            method, f"{self.base_url}/__emulator__/{path}", timeout=self.timeout, **kwargs
        )
        res.raise_for_status()
        return res.json()

    def reset(self) -> None:
        self._call("POST", "reset")

    def register_app(self, appid: str, secret: str, *, unionid: bool = False, pages: list[str] | None = None):
        return self._call(
            "POST", "apps", json={"appid": appid, "secret": secret, "unionid": unionid, "pages": pages}
        )

    def login_code(self, user: str, appid: str | None = None) -> dict:
        return self._call("POST", "login-code", json={"user": user, "appid": appid})

    def phone_code(self, phone: str, country_code: str = "86", appid: str | None = None) -> str:
        return self._call(
            "POST", "phone-code", json={"phone": phone, "country_code": country_code, "appid": appid}
        )["code"]

    def fault(self, endpoint: str, kind: str = "errcode", *, times: int | None = 1, **options) -> dict:
        return self._call(
            "POST", "faults", json={"endpoint": endpoint, "kind": kind, "times": times, **options}
        )

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_limits(self, **limits: int) -> dict:
        return self._call("POST", "limits", json=limits)

    def set_sec_words(self, *, risky: list[str] | None = None, review: list[str] | None = None) -> dict:
        body = {k: v for k, v in (("risky", risky), ("review", review)) if v is not None}
        return self._call("POST", "sec-words", json=body)

    def invalidate_tokens(self, appid: str) -> int:
        return self._call("POST", "tokens/invalidate", json={"appid": appid})["invalidated"]

    def calls(self, endpoint: str | None = None) -> list[dict]:
        return self._call("GET", "calls", params={"endpoint": endpoint} if endpoint else None)["calls"]

    def accept_subscribe(
        self,
        template_ids: list[str],
        *,
        user: str | None = None,
        openid: str | None = None,
        appid: str | None = None,
    ) -> dict:
        """The user taps "allow" in wx.requestSubscribeMessage: one more send of each template."""
        return self._call(
            "POST",
            "subscribe-accept",
            json={"template_ids": template_ids, "user": user, "openid": openid, "appid": appid},
        )

    def allowances(self) -> list[dict]:
        return self._call("GET", "subscribe-allowances")["allowances"]

    def set_follower(self, openid: str, following: bool = True) -> dict:
        return self._call("POST", "followers", json={"openid": openid, "following": following})

    def messages(self, kind: str | None = None) -> list[dict]:
        """What users received (subscribe, template, custom), oldest first."""
        return self._call("GET", "messages", params={"kind": kind} if kind else None)["messages"]

    def links(self) -> list[dict]:
        """URL Links and Schemes handed out (url, kind, path, query, env_version, expires_at), oldest first."""
        return self._call("GET", "links")["links"]

    def oauth_user(self, *, openid: str | None = None, user: str | None = None, appid: str | None = None):
        """Who the browser at connect/oauth2/authorize is from now on (None, None: nobody)."""
        if openid is None and user is None:
            return self._call("DELETE", "oauth-user")
        return self._call("POST", "oauth-user", json={"openid": openid, "user": user, "appid": appid})

    def oauth_code(
        self, *, openid: str | None = None, user: str | None = None, appid: str | None = None
    ) -> str:
        """A web-OAuth code for `openid` (or `user`), as the authorize redirect would carry it."""
        body = {"openid": openid, "user": user, "appid": appid}
        return self._call("POST", "oauth-code", json=body)["code"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m app.dev.wechat_emulator", description="Local WeChat API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--appid", help="a mini-program appid to accept (the sandbox ones always are)")
    parser.add_argument("--secret", help="its secret")
    parser.add_argument("--oa-appid", help="an official-account appid to accept")
    parser.add_argument("--oa-secret", help="its secret")
    parser.add_argument(
        "--unionid", action="store_true", help="the apps are bound to one Open Platform account"
    )
    parser.add_argument("--threads", type=int, default=8, help="requests served at once")
    args = parser.parse_args(argv)
    apps = []
    for appid, secret in ((args.appid, args.secret), (args.oa_appid, args.oa_secret)):
        if bool(appid) != bool(secret):
            parser.error("give an appid together with its secret")
        if appid:
            apps.append(EmulatedApp(appid, secret, unionid=args.unionid))
    emu = create_emulator(apps)

    names = ", ".join(emu.extensions["wechat_emulator"].apps)
    print(f"WeChat API emulator on http://{args.host}:{args.port} (apps: {names})", flush=True)
    serve(emu, args.host, args.port, threads=args.threads)


def serve(emu: Flask, host: str, port: int, *, threads: int = 8) -> None:
    """Serve with gunicorn: one process (the emulator's state lives in it), threads, and keep-alive
    connections as WeChat's servers keep them (werkzeug's development server closes every connection,
    which would make each client call pay a new TCP connection and a new thread)."""
    # Late: gunicorn only when the emulator runs as a server of its own; tests serve it in-process.
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self):
            settings = {
                "bind": f"{host}:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "keepalive": 30,
                "loglevel": "warning",
                "graceful_timeout": 2,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return emu

    _Server().run()


if __name__ == "__main__":
    main()
