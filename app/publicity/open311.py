"""Open data shaped as Open311 GeoReport v2 (read-only): services, requests, one request.

Only published cases (`cases.published`), with their redacted summaries; the location is the store's.
Every published case has ended, so each request's status is "closed". `requests` takes the spec's
`start_date`, `end_date` (ISO 8601; at most 90 days apart, the last 90 days by default), `status`,
`service_code` and `service_request_id`, and pages with `page` / `page_size` (at most 1,000 rows a page,
the spec's limit). Bad parameters raise a DomainError (400) with a Chinese message.
"""

from __future__ import annotations

import datetime as dt

from app.complaints.models import Complaint
from app.complaints.texts import CATEGORIES, OUTCOMES
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.timeutil import CHINA, utcnow
from app.publicity import cases

C = Complaint.__table__
MAX_RANGE = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_PAGE = 100_000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
SERVICE_GROUP = "消费投诉"
CHANGESET = "2026-12-07T00:00:00+08:00"

#: The fields of a request in GeoReport v2, in the spec's order.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value else None


def discovery(base_url: str, contact: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": "",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url.rstrip("/") + "/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def services() -> list[dict]:
    return [
        {
            "service_code": code,
            "service_name": label,
            "description": label,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": SERVICE_GROUP,
        }
        for code, label in CATEGORIES.items()
    ]


def request_view(row) -> dict:
    location = row.latitude is not None and row.longitude is not None
    return {
        "service_request_id": row.number,
        "status": "closed",
        "status_notes": OUTCOMES.get(row.outcome, "") if row.outcome else "",
        "service_name": CATEGORIES.get(row.category, row.category),
        "service_code": row.category,
        "description": row.public_summary,
        "agency_responsible": row.station_name,
        "service_notice": "",
        "requested_datetime": _iso(row.created_at),
        "updated_datetime": _iso(row.updated_at),
        "expected_datetime": _iso(row.expected_at),
        "address": f"{row.store_name}（{row.store_address}）" if row.store_address else row.store_name,
        "address_id": row.store_code or "",
        "zipcode": "",
        "lat": float(row.latitude) if location else None,
        "long": float(row.longitude) if location else None,
        "media_url": "",
    }


def _bad(code: str) -> DomainError:
    return DomainError(code, status=400)


def _when(value: str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _bad("open311_bad_date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)  # the spec's examples carry an offset; without one, China time
    return parsed.astimezone(dt.UTC)


def _int(value: str | None, default: int, high: int) -> int:
    if value is None or value == "":
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= high:
        raise _bad("open311_bad_page")
    return int(text)


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def requests(args, now: dt.datetime | None = None) -> list[dict]:
    """Published requests matching the spec's parameters (`args`: a mapping of query strings)."""
    now = now or utcnow()
    end = _when(args.get("end_date"))
    start = _when(args.get("start_date"))
    if end is None:
        end = now if start is None else min(start + MAX_RANGE, now)
    if start is None:
        start = end - MAX_RANGE
    if end < start or end - start > MAX_RANGE:
        raise _bad("open311_range_too_long")
    statuses = _list(args.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        raise _bad("open311_bad_status")
    codes = _list(args.get("service_code"))
    if any(c not in CATEGORIES for c in codes):
        raise _bad("open311_bad_service")
    page = _int(args.get("page"), 1, MAX_PAGE)
    size = _int(args.get("page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    if statuses and "closed" not in statuses:
        return []  # every published case has ended
    query = cases.query().where(C.c.created_at >= start, C.c.created_at <= end)
    if codes:
        query = query.where(C.c.category.in_(codes))
    ids = [i.upper() for i in _list(args.get("service_request_id"))[:MAX_PAGE_SIZE] if i.isprintable()]
    if args.get("service_request_id"):
        query = query.where(C.c.number.in_(ids))
    rows = db.session.execute(query.limit(size).offset((page - 1) * size))
    return [request_view(r) for r in rows]


def one(number: str) -> list[dict]:
    """GeoReport answers a single request as a list of one."""
    return [request_view(cases.one(number))]
