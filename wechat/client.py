"""The only place that builds wechatpy clients.

`mp_client()` (mini-program) and `oa_client()` (official account) return one client per app and
credentials. Every client:

- sends all HTTP to `WECHAT_API_BASE`: wechatpy has no single switch, so the client's own
  `API_BASE_URL` (cgi-bin/*), each API group's per-instance `API_BASE_URL` (wxa/*, sns/jscode2session,
  ...) and the token URL (hard-coded in wechatpy, hence the `fetch_access_token` override) are all set;
- fetches its access token with POST `cgi-bin/stable_token`, which hands every caller the same token
  while it is valid, and shares it across processes through wechatpy's `RedisStorage` on the app's Redis,
  so gunicorn workers never invalidate each other's token;
- keeps working when Redis is down: the token is then kept in a per-process memory copy, and Redis is
  skipped while the process-wide breaker of `app.core.redis_client` is open;
- retries a call once, with a fresh token, when WeChat says the token is invalid or expired (40001,
  40014, 42001) — wechatpy's own `auto_retry` would loop forever on a token that stays rejected.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import redis
import urllib3
from flask import Flask, current_app
from wechatpy import WeChatClient
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.redisstorage import RedisStorage
from wechatpy.utils import json as wechat_json

from app.core import redis_client
from wechat import SANDBOX_MP_APPID, SANDBOX_MP_SECRET, SANDBOX_OA_APPID, SANDBOX_OA_SECRET

log = logging.getLogger(__name__)

WECHATPY_DEFAULT_BASE = "https://api.weixin.qq.com/"
DEFAULT_TIMEOUT = 3.0
#: Errcodes meaning "this access token is not (or no longer) valid".
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
#: A stored token is dropped this long before WeChat's expiry, so no call is made with a dying token.
TOKEN_REFRESH_MARGIN = 300
REDIS_ERRORS = (redis.RedisError, OSError)
TOKEN_KEY_PREFIX = "wechatpy"
#: `post_json` reuses a token read from the shared storage this long before reading it again (a token
#: WeChat rejects is replaced at once).
TOKEN_MEMO_SECONDS = 60.0

_CACHE_KEY = "wechat_clients"
_cache_lock = threading.Lock()

_COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class TokenStorage(SessionStorage):
    """wechatpy session storage: `RedisStorage` on the app's Redis, a memory copy when Redis fails.

    `redis_getter` is called on every use, so the storage follows the app's current Redis client.
    """

    def __init__(self, redis_getter, prefix: str = TOKEN_KEY_PREFIX):
        self._redis_getter = redis_getter
        self.prefix = prefix
        self._memory: dict[str, tuple[float | None, Any]] = {}
        self._lock = threading.Lock()

    # -- the SessionStorage interface wechatpy uses ------------------------------------------------
    def get(self, key, default=None):
        shared = self._shared()
        if shared is not None:
            try:
                return shared.get(key, default)
            except REDIS_ERRORS as exc:
                self._redis_failed(exc)
        return self._memory_get(key, default)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        self._memory_set(key, value, ttl)
        shared = self._shared()
        if shared is not None:
            try:
                shared.set(key, value, ttl)
            except REDIS_ERRORS as exc:
                self._redis_failed(exc)

    def delete(self, key):
        with self._lock:
            self._memory.pop(key, None)
        shared = self._shared()
        if shared is not None:
            try:
                shared.delete(key)
            except REDIS_ERRORS as exc:
                self._redis_failed(exc)

    # -- extras -------------------------------------------------------------------------------------
    def delete_if_equal(self, key, value) -> None:
        """Drop `key` only if it still holds `value`: another process may already have stored a newer one."""
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None and hit[1] == value:
                del self._memory[key]
        shared = self._shared()
        if shared is not None:
            try:
                shared.redis.eval(_COMPARE_AND_DELETE, 1, shared.key_name(key), wechat_json.dumps(value))
            except REDIS_ERRORS as exc:
                self._redis_failed(exc)

    def _shared(self) -> RedisStorage | None:
        if redis_client.breaker_open():
            return None
        return RedisStorage(self._redis_getter(), prefix=self.prefix)

    def _redis_failed(self, exc: BaseException) -> None:
        log.warning("Redis unavailable for the WeChat access token, using process memory: %r", exc)
        redis_client.trip(exc)

    def _memory_get(self, key, default):
        with self._lock:
            hit = self._memory.get(key)
            if hit is None:
                return default
            expires_at, value = hit
            if expires_at is not None and expires_at <= time.monotonic():
                del self._memory[key]
                return default
            return value

    def _memory_set(self, key, value, ttl) -> None:
        expires_at = time.monotonic() + ttl if ttl else None
        with self._lock:
            self._memory[key] = (expires_at, value)


class StableTokenClient(WeChatClient):
    """A `WeChatClient` aimed at `api_base`, with stable_token fetching and one retry on a rejected token."""

    def __init__(self, appid: str, secret: str, *, api_base: str, storage: TokenStorage, timeout: float):
        super().__init__(appid, secret, session=storage, timeout=timeout, auto_retry=False)
        self.api_base = api_base.rstrip("/") + "/"
        # Instance attributes shadow the class constants wechatpy reads in `_request` / `_get` / `_post`.
        self.API_BASE_URL = self.api_base + "cgi-bin/"
        for _name, group in vars(self).items():
            base = getattr(group, "API_BASE_URL", None)
            if isinstance(group, BaseWeChatAPI) and base and base.startswith(WECHATPY_DEFAULT_BASE):
                group.API_BASE_URL = self.api_base + base[len(WECHATPY_DEFAULT_BASE) :]
        self._memo: tuple[float, str] | None = None
        self._pool = urllib3.PoolManager(num_pools=2, maxsize=8, retries=False, timeout=timeout)

    def post_json(self, endpoint: str, body: dict) -> dict:
        """POST JSON to `api_base + endpoint` with the access token, on a pooled keep-alive connection.

        The lean path for calls a consumer waits on (msgSecCheck while filing): none of requests' and
        wechatpy's layers, the token reused from process memory. Same rule as `_request`: one retry with a
        fresh token when WeChat rejects the token. Raises WeChatClientException (errcode None for an HTTP
        error status or an answer that is not a JSON object) or urllib3's HTTPError.
        """
        data = wechat_json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        for attempt in (1, 2):
            token = self._memo_token()
            url = f"{self.api_base}{endpoint}?access_token={token}"
            try:
                res = self._pool.request("POST", url, body=data, headers=headers)
            except urllib3.exceptions.ProtocolError:
                # A kept-alive connection the server closed just as it was reused: once more, on a new
                # one (the calls sent this way only read, so sending again is harmless).
                res = self._pool.request("POST", url, body=data, headers=headers)
            if res.status >= 400:
                raise WeChatClientException(None, f"HTTP {res.status}", client=self)
            try:
                result = json.loads(res.data)
            except ValueError:
                result = None
            if not isinstance(result, dict):
                raise WeChatClientException(None, "not a JSON object", client=self)
            errcode = int(result.get("errcode", 0) or 0)
            if errcode in TOKEN_ERRCODES and attempt == 1:
                log.info(
                    "WeChat rejected the access token of %s (%s); fetching a fresh one", self.appid, errcode
                )
                self._memo = None
                self._replace_rejected_token(token)
                continue
            if errcode:
                raise WeChatClientException(errcode, result.get("errmsg", ""), client=self)
            return result
        raise AssertionError("unreachable")

    def _memo_token(self) -> str:
        memo, now = self._memo, time.monotonic()
        if memo is not None and memo[0] > now:
            return memo[1]
        token = self.access_token
        self._memo = (now + TOKEN_MEMO_SECONDS, token)
        return token

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        if token:
            return token
        return self.fetch_access_token()["access_token"]

    def fetch_access_token(self, force_refresh: bool = False) -> dict:
        """POST cgi-bin/stable_token and store the token for every process until shortly before it expires."""
        res = self._http.post(
            self.api_base + "cgi-bin/stable_token",
            data=wechat_json.dumps(
                {
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                    "force_refresh": force_refresh,
                }
            ),
            headers={"Content-Type": "application/json"},
            timeout=self.timeout,
        )
        if res.status_code >= 400:
            raise WeChatClientException(None, f"HTTP {res.status_code}", client=self, response=res)
        try:
            result = res.json()
        except ValueError:
            raise WeChatClientException(None, "not a JSON answer", client=self, response=res) from None
        if not isinstance(result, dict):
            raise WeChatClientException(None, "not a JSON object", client=self, response=res)
        if int(result.get("errcode", 0) or 0) != 0:
            raise WeChatClientException(
                int(result["errcode"]),
                result.get("errmsg", ""),
                client=self,
                request=res.request,
                response=res,
            )
        if not result.get("access_token"):
            raise WeChatClientException(None, "answer without access_token", client=self, response=res)
        expires_in = int(result.get("expires_in") or 7200)
        ttl = max(1, expires_in - min(TOKEN_REFRESH_MARGIN, expires_in // 2))
        self.session.set(self.access_token_key, result["access_token"], ttl)
        self.expires_at = int(time.time()) + ttl
        log.info("WeChat access token fetched for %s (valid %s s)", self.appid, expires_in)
        return result

    def _request(self, method, url_or_endpoint, **kwargs):
        params = kwargs.get("params")
        if params is not None and (not isinstance(params, dict) or "access_token" in params):
            # The caller manages the token itself, or the endpoint needs none (params given as a list).
            return super()._request(method, url_or_endpoint, **kwargs)
        first = dict(kwargs, params=dict(params or {}))
        try:
            return super()._request(method, url_or_endpoint, **first)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
            rejected = first["params"].get("access_token")
            log.info("WeChat rejected the access token of %s (%s); fetching a fresh one", self.appid, exc)
        self._replace_rejected_token(rejected)
        return super()._request(method, url_or_endpoint, **dict(kwargs, params=dict(params or {})))

    def _replace_rejected_token(self, rejected: str | None) -> None:
        self.session.delete_if_equal(self.access_token_key, rejected)
        if self.access_token == rejected:
            # stable_token keeps answering with the token WeChat just refused: force a new one.
            self.fetch_access_token(force_refresh=True)


def is_sandbox(app: Flask | None = None) -> bool:
    """Sandbox mode: configured so (no mini-program credentials), and never with APP_ENV=production."""
    conf = (app or current_app).config
    return bool(conf.get("WECHAT_SANDBOX")) and conf.get("APP_ENV") != "production"


def mp_client() -> StableTokenClient:
    """The mini-program client of the current app (placeholder credentials in sandbox mode)."""
    app = current_app._get_current_object()
    if is_sandbox(app):
        return _client(app, SANDBOX_MP_APPID, SANDBOX_MP_SECRET)
    return _client(app, app.config["WECHAT_MP_APPID"], app.config["WECHAT_MP_SECRET"])


def oa_client() -> StableTokenClient:
    """The official-account client of the current app (placeholders when unset outside production)."""
    app = current_app._get_current_object()
    appid, secret = app.config.get("WECHAT_OA_APPID"), app.config.get("WECHAT_OA_SECRET")
    if not (appid and secret) and app.config.get("APP_ENV") != "production":
        appid, secret = SANDBOX_OA_APPID, SANDBOX_OA_SECRET
    return _client(app, appid, secret)


def _client(app: Flask, appid: str, secret: str) -> StableTokenClient:
    base = app.config.get("WECHAT_API_BASE") or WECHATPY_DEFAULT_BASE
    timeout = float(app.config.get("WECHAT_HTTP_TIMEOUT") or DEFAULT_TIMEOUT)
    key = (appid, secret, base, timeout)
    clients = app.extensions.setdefault(_CACHE_KEY, {})
    client = clients.get(key)
    if client is None:
        with _cache_lock:
            client = clients.get(key)
            if client is None:
                storage = TokenStorage(lambda: app.extensions["redis"])
                client = StableTokenClient(appid, secret, api_base=base, storage=storage, timeout=timeout)
                clients[key] = client
    return client


def reset_clients(app: Flask) -> None:
    """Forget the app's clients and their per-process token copies (tests)."""
    app.extensions.pop(_CACHE_KEY, None)
