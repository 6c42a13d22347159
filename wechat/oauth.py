"""Web OAuth (`snsapi_base`) for the official account's H5 pages, on wechatpy's `WeChatOAuth`.

A page opened inside WeChat sends the browser to `connect/oauth2/authorize` (WeChat's host
open.weixin.qq.com, or the emulator: `WECHAT_OAUTH_BASE`); WeChat sends it back with a single-use
`code`, which the backend exchanges for the openid at `sns/oauth2/access_token` (`WECHAT_API_BASE`).
`snsapi_base` asks the user nothing and yields only the openid, which is all the staff pages need.

wechatpy's `WeChatOAuth` has its own two base URLs and no timeout; both are set per instance here.
Errors come out as `wechat.api.WeChatAPIError` / `WeChatUnreachable`, like every other call.
"""

from __future__ import annotations

from flask import current_app
from wechatpy.oauth import WeChatOAuth

from wechat import SANDBOX_OA_APPID, SANDBOX_OA_SECRET
from wechat.api import WeChatUnreachable, wechat_errors
from wechat.client import DEFAULT_TIMEOUT, WECHATPY_DEFAULT_BASE

DEFAULT_OAUTH_BASE = "https://open.weixin.qq.com"
SCOPE = "snsapi_base"


class OAuthClient(WeChatOAuth):
    """`WeChatOAuth` aimed at configurable hosts, with a timeout on every request."""

    def __init__(
        self,
        app_id: str,
        secret: str,
        redirect_uri: str,
        *,
        api_base: str,
        oauth_base: str,
        timeout: float,
        state: str = "",
    ):
        super().__init__(app_id, secret, redirect_uri, scope=SCOPE, state=state)
        # Instance attributes shadow the class constants wechatpy reads.
        self.API_BASE_URL = api_base.rstrip("/") + "/"
        self.OAUTH_BASE_URL = oauth_base.rstrip("/") + "/connect/"
        self.timeout = timeout

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)


def oa_credentials() -> tuple[str, str]:
    """The official account's appid and secret (sandbox placeholders when unset outside production)."""
    conf = current_app.config
    appid, secret = conf.get("WECHAT_OA_APPID"), conf.get("WECHAT_OA_SECRET")
    if not (appid and secret) and conf.get("APP_ENV") != "production":
        appid, secret = SANDBOX_OA_APPID, SANDBOX_OA_SECRET
    return appid, secret


def client(redirect_uri: str = "", state: str = "") -> OAuthClient:
    conf = current_app.config
    appid, secret = oa_credentials()
    return OAuthClient(
        appid,
        secret,
        redirect_uri,
        api_base=conf.get("WECHAT_API_BASE") or WECHATPY_DEFAULT_BASE,
        oauth_base=conf.get("WECHAT_OAUTH_BASE") or DEFAULT_OAUTH_BASE,
        timeout=float(conf.get("WECHAT_HTTP_TIMEOUT") or DEFAULT_TIMEOUT),
        state=state,
    )


def authorize_url(redirect_uri: str, state: str) -> str:
    """Where to send the browser: WeChat asks nothing (`snsapi_base`) and comes back with `code`."""
    return client(redirect_uri, state).authorize_url


def openid_for_code(code: str) -> str:
    """GET sns/oauth2/access_token: the code from the redirect becomes the user's openid.

    Raises WeChatAPIError (40029: unknown, expired or used code; 40163 used) or WeChatUnreachable.
    """
    oauth = client()
    # `fetch_access_token` would also insist on refresh_token, which snsapi_base does not need.
    try:
        with wechat_errors("oauth2_access_token"):
            result = oauth._get(
                "sns/oauth2/access_token",
                params={
                    "appid": oauth.app_id,
                    "secret": oauth.secret,
                    "code": code,
                    "grant_type": "authorization_code",
                },
            )
    except ValueError as exc:  # a 200 answer that is not JSON (a proxy's error page, say)
        raise WeChatUnreachable("oauth2_access_token", "not a JSON answer") from exc
    openid = result.get("openid") if isinstance(result, dict) else None
    if not isinstance(openid, str) or not openid:
        raise WeChatUnreachable("oauth2_access_token", "answer without openid")
    return openid
