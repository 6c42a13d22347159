"""Turn whatever WeChat handed the mini-program (`query.q` or `scene`) into a store code."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from app.core.errors import DomainError
from app.stores import codes

_SCENE = re.compile(r"^(?:c=|code=)?([0-9A-Za-z]{8})$")


def code_from(*, q: str | None = None, scene: str | None = None) -> str:
    """`q` is the URL-encoded scanned URL (decoded once); `scene` the getwxacodeunlimit scene."""
    candidate = None
    if q:
        url = unquote(q.strip())
        path = urlsplit(url).path if "://" in url else url
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2 and parts[-2] == "s":
            candidate = parts[-1]
    elif scene:
        match = _SCENE.match(unquote(scene.strip()))
        candidate = match.group(1) if match else None
    if candidate is None or not codes.is_well_formed(candidate):
        raise DomainError("scan_unrecognised", status=404)
    return codes.normalize(candidate)
