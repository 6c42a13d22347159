"""The WeChat calls wechatpy 1.8.18 lacks or gets wrong, on wechatpy's own client HTTP.

Every function takes an optional client (default: `wechat.client.mp_client()`) and raises one of:

- `WeChatAPIError(errcode, errmsg)`: WeChat answered with a non-zero errcode;
- `WeChatUnreachable`: no usable answer at all (network failure, timeout, HTTP error status, a body
  that is not what the endpoint returns).

Wrap any other wechatpy call in `wechat_errors("name")` to get the same two exception types.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
import urllib3
from PIL import Image, UnidentifiedImageError
from wechatpy.exceptions import WeChatClientException

from wechat.client import StableTokenClient, mp_client

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCENE_PATTERN = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
ENV_VERSIONS = ("release", "trial", "develop")
SEC_CHECK_SCENES = {1: "资料", 2: "评论", 3: "论坛", 4: "社交日志"}
SEC_CHECK_MAX_LENGTH = 2500


class WeChatError(Exception):
    """Base class: any failed WeChat call."""


class WeChatAPIError(WeChatError):
    """WeChat answered, and said no (`errcode` != 0)."""

    def __init__(self, errcode: int, errmsg: str, endpoint: str = ""):
        self.errcode = errcode
        self.errmsg = errmsg
        self.endpoint = endpoint
        super().__init__(f"{endpoint or 'WeChat'} errcode {errcode}: {errmsg}")


class WeChatUnreachable(WeChatError):
    """WeChat could not be reached or gave no usable answer (network, timeout, 5xx, garbage)."""

    def __init__(self, endpoint: str, reason: str):
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(f"{endpoint}: WeChat unreachable ({reason})")


@dataclass(frozen=True)
class Code2Session:
    openid: str
    session_key: str
    unionid: str | None


@dataclass(frozen=True)
class PhoneNumber:
    phone_number: str  # with the country code for numbers outside mainland China
    pure_phone_number: str
    country_code: str


@dataclass(frozen=True)
class SecCheckResult:
    suggest: str  # "pass" | "review" | "risky"
    label: int  # 100 normal, 10001 ad, 20001 politics, 20002 porn, 20003 abuse, 20006 crime, ...
    trace_id: str

    @property
    def passed(self) -> bool:
        return self.suggest == "pass"


@contextmanager
def wechat_errors(endpoint: str) -> Iterator[None]:
    """Turn wechatpy's and requests' exceptions into `WeChatAPIError` / `WeChatUnreachable`."""
    try:
        yield
    except WeChatClientException as exc:
        if exc.errcode is None:  # wechatpy's wrapper around an HTTP error status
            status = getattr(exc.response, "status_code", None)
            raise WeChatUnreachable(endpoint, exc.errmsg or f"HTTP {status}") from exc
        raise WeChatAPIError(int(exc.errcode), str(exc.errmsg or ""), endpoint) from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise WeChatUnreachable(endpoint, type(exc).__name__) from exc


def is_valid_scene(scene: str) -> bool:
    """getwxacodeunlimit's rule: 1-32 visible characters from a fixed set."""
    return bool(SCENE_PATTERN.match(scene or ""))


def code_to_session(code: str, client: StableTokenClient | None = None) -> Code2Session:
    """GET sns/jscode2session: a wx.login code becomes (openid, session_key, unionid)."""
    client = client or mp_client()
    with wechat_errors("jscode2session"):
        # wechatpy's wxa.code_to_session adds an access_token this endpoint does not take, fetching one
        # first: a token outage would then break logins. Params as a list keep wechatpy from adding it.
        result = client.wxa._get(
            "sns/jscode2session",
            params=[
                ("appid", client.appid),
                ("secret", client.secret),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ],
        )
    data = _json_object(result, "jscode2session")
    if not data.get("openid") or not data.get("session_key"):
        raise WeChatUnreachable("jscode2session", "answer without openid/session_key")
    return Code2Session(data["openid"], data["session_key"], data.get("unionid") or None)


def get_user_phone_number(code: str, client: StableTokenClient | None = None) -> PhoneNumber:
    """POST wxa/business/getuserphonenumber: the getPhoneNumber button's code becomes a phone number."""
    client = client or mp_client()
    with wechat_errors("getuserphonenumber"):
        result = client.wxa._post("wxa/business/getuserphonenumber", data={"code": code})
    info = _json_object(result, "getuserphonenumber").get("phone_info") or {}
    if not info.get("purePhoneNumber"):
        raise WeChatUnreachable("getuserphonenumber", "answer without phone_info")
    return PhoneNumber(
        phone_number=str(info.get("phoneNumber") or info["purePhoneNumber"]),
        pure_phone_number=str(info["purePhoneNumber"]),
        country_code=str(info.get("countryCode") or "86"),
    )


def msg_sec_check(
    openid: str,
    content: str,
    scene: int = 1,
    *,
    title: str | None = None,
    client: StableTokenClient | None = None,
) -> SecCheckResult:
    """POST wxa/msg_sec_check, version 2. errcode 0 only means "checked": read `suggest` / `passed`.

    `scene`: 1 profile, 2 comment, 3 forum, 4 social log. The user must have opened the mini-program in
    the last two hours (else WeChat answers 61010).
    """
    if scene not in SEC_CHECK_SCENES:
        raise ValueError(f"scene must be one of {sorted(SEC_CHECK_SCENES)}")
    if len(content) > SEC_CHECK_MAX_LENGTH:
        raise ValueError(f"content longer than {SEC_CHECK_MAX_LENGTH} characters: check it in parts")
    body: dict = {"content": content, "version": 2, "scene": scene, "openid": openid}
    if title:
        body["title"] = title
    client = client or mp_client()
    with wechat_errors("msg_sec_check"):
        result = client.post_json("wxa/msg_sec_check", body)
    data = _json_object(result, "msg_sec_check")
    verdict = data.get("result") or {}
    if verdict.get("suggest") not in ("pass", "review", "risky"):
        raise WeChatUnreachable("msg_sec_check", "answer without result.suggest")
    return SecCheckResult(
        suggest=verdict["suggest"], label=int(verdict.get("label") or 0), trace_id=data.get("trace_id", "")
    )


def get_wxa_code_unlimited(
    scene: str,
    page: str,
    check_path: bool = False,
    env_version: str = "release",
    *,
    width: int = 430,
    client: StableTokenClient | None = None,
) -> bytes:
    """POST wxa/getwxacodeunlimit; returns the mini-program code as PNG bytes.

    WeChat answers with the image on success and with JSON on failure. `page` has no leading slash;
    `check_path=False` allows a page that is not released yet.
    """
    if env_version not in ENV_VERSIONS:
        raise ValueError(f"env_version must be one of {ENV_VERSIONS}")
    client = client or mp_client()
    body = {
        "scene": scene,
        "page": page,
        "check_path": check_path,
        "env_version": env_version,
        "width": width,
    }
    with wechat_errors("getwxacodeunlimit"):
        result = client.wxa._post("wxa/getwxacodeunlimit", data=body)
    if isinstance(result, dict):
        raise WeChatUnreachable("getwxacodeunlimit", "JSON answer without an image")
    return _as_png(result.content)


LINK_DAYS_MAX = 30  # WeChat's limit for URL Links and URL Schemes since 2023


@dataclass(frozen=True)
class MiniProgramLink:
    """A URL Link (https://wxaurl.cn/...) or URL Scheme (weixin://dl/business/?t=...) and its expiry."""

    url: str
    expires_at: float  # unix seconds


def generate_urllink(
    path: str,
    query: str = "",
    *,
    days: int = LINK_DAYS_MAX,
    env_version: str = "release",
    client: StableTokenClient | None = None,
) -> MiniProgramLink:
    """POST wxa/generate_urllink: a https link that opens `path?query` of the mini-program, from inside
    WeChat or from a phone browser, for `days` days (1-30) from now."""
    body = {
        "path": path,
        "query": query,
        "env_version": env_version,
        "expire_type": 1,
        "expire_interval": days,
    }
    return _link("generate_urllink", "url_link", body, days, env_version, client)


def generate_scheme(
    path: str,
    query: str = "",
    *,
    days: int = LINK_DAYS_MAX,
    env_version: str = "release",
    client: StableTokenClient | None = None,
) -> MiniProgramLink:
    """POST wxa/generatescheme: a weixin:// link that a phone browser hands to WeChat (not from inside
    WeChat), for `days` days (1-30) from now."""
    body = {
        "jump_wxa": {"path": path, "query": query, "env_version": env_version},
        "is_expire": True,
        "expire_type": 1,
        "expire_interval": days,
    }
    return _link("generatescheme", "openlink", body, days, env_version, client)


def _link(endpoint: str, key: str, body: dict, days: int, env_version: str, client) -> MiniProgramLink:
    if env_version not in ENV_VERSIONS:
        raise ValueError(f"env_version must be one of {ENV_VERSIONS}")
    if not 1 <= days <= LINK_DAYS_MAX:
        raise ValueError(f"days must be 1-{LINK_DAYS_MAX}")
    client = client or mp_client()
    started = time.time()
    with wechat_errors(endpoint):
        result = client.post_json(f"wxa/{endpoint}", body)
    url = _json_object(result, endpoint).get(key)
    if not isinstance(url, str) or not url:
        raise WeChatUnreachable(endpoint, f"answer without {key}")
    return MiniProgramLink(url, started + days * 86400)


def _json_object(result, endpoint: str) -> dict:
    # wechatpy hands back the raw response when the body is not JSON (an HTML error page, say).
    if not isinstance(result, dict):
        raise WeChatUnreachable(endpoint, "answer is not a JSON object")
    return result


def _as_png(content: bytes) -> bytes:
    if content.startswith(PNG_SIGNATURE):
        return content
    # Without is_hyaline WeChat may send a JPEG: callers are promised PNG.
    try:
        with Image.open(io.BytesIO(content)) as image:
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError) as exc:
        raise WeChatUnreachable("getwxacodeunlimit", "answer is neither JSON nor an image") from exc
