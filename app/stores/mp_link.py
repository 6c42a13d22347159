"""A link that opens a store in the mini-program from a phone browser (WeChat URL Link, URL Scheme).

Each link is asked of WeChat once per store code and kept in Redis until a day before it expires, so a
visitor never gets a link about to lapse and WeChat's daily quota is spent on codes, not on visits.
The URL Link (https, opens from inside WeChat too) is preferred; when WeChat refuses it (quota, say)
the URL Scheme (weixin://, phone browsers only) is tried. No link at all is `None`: the page then
tells the visitor to scan the code in WeChat.
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from app.core import redis_client
from app.core.redis_client import get_redis
from wechat import api as wechat_api

log = logging.getLogger(__name__)

LINK_DAYS = wechat_api.LINK_DAYS_MAX
REFRESH_BEFORE_SECONDS = 24 * 3600  # a cached link is replaced this long before WeChat expires it
KEY = "mplink:{code}"
#: WECHAT_MP_STATE (subscribe messages' miniprogram_state) → env_version of the same release.
ENV_VERSIONS = {"formal": "release", "trial": "trial", "developer": "develop"}


def store_query(code: str) -> str:
    """What the mini-program's store page receives in `options.query`."""
    return f"code={code}"


def open_link(code: str) -> str | None:
    """A URL that opens store `code` (a well-formed, active code) in the mini-program, or None."""
    key = KEY.format(code=code)
    cached = _cached(key)
    if cached:
        return cached
    link = _generate(code)
    if link is None:
        return None
    ttl = int(link.expires_at - time.time() - REFRESH_BEFORE_SECONDS)
    if ttl > 0 and not redis_client.breaker_open():
        try:
            get_redis().set(key, link.url, ex=ttl)
        except redis_client.OUTAGE as exc:
            redis_client.trip(exc)
    return link.url


def _cached(key: str) -> str | None:
    if redis_client.breaker_open():
        return None
    try:
        value = get_redis().get(key)
    except redis_client.OUTAGE as exc:
        redis_client.trip(exc)
        return None
    return value.decode() if value else None


def _generate(code: str) -> wechat_api.MiniProgramLink | None:
    cfg = current_app.config
    page = cfg["WECHAT_MP_STORE_PAGE"].lstrip("/")
    env_version = ENV_VERSIONS.get(cfg["WECHAT_MP_STATE"], "release")
    for generate in (wechat_api.generate_urllink, wechat_api.generate_scheme):
        try:
            return generate(page, store_query(code), days=LINK_DAYS, env_version=env_version)
        except wechat_api.WeChatAPIError as exc:  # refused (quota, say): the other kind may still work
            log.warning("no mini-program link for %s: %s", code, exc)
        except wechat_api.WeChatUnreachable as exc:  # the other kind would wait just as long
            log.warning("no mini-program link for %s: %s", code, exc)
            return None
    return None
