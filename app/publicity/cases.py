"""Which cases are published, and how a published case looks to the public. One copy of the rule.

The rule itself (a complaint that ended, not withdrawn, its content check passed or cleared, not handed
off to 12315, its redacted summary prepared by the worker in `prepare_summaries`) is
`app.complaints.publication`, which the figures count too. Nothing of the complainant is shown: no
name, phone, address or account, and the summary is the description after `redact.redact`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.complaints.models import Complaint, ComplaintDeadline
from app.complaints.publication import publishable, published
from app.complaints.texts import CATEGORIES, DEMANDS, OUTCOMES
from app.core.errors import NotFound
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.directory.models import BusinessCircle, Station
from app.publicity import redact
from app.publicity.models import ReplyStatus, StoreReply
from app.stores.models import CodeStatus, Store, StoreCode

C = Complaint.__table__


def prepare_summaries(limit: int = 500) -> int:
    """Redact the descriptions of newly publishable cases (worker job; the caller commits)."""
    rows = db.session.execute(
        sa.select(C.c.id, C.c.description)
        .where(publishable(), C.c.public_summary.is_(None))
        .order_by(C.c.id)
        .limit(limit)
    ).all()
    for row in rows:
        db.session.execute(
            sa.update(C).where(C.c.id == row.id).values(public_summary=redact.redact(row.description))
        )
    return len(rows)


# --- what the public sees ----------------------------------------------------------------------


def _day(value: dt.datetime | None) -> str | None:
    return value.astimezone(CHINA).date().isoformat() if value else None


_CLOSING = sa.case((C.c.accepted_at.is_not(None), "mediation"), else_="merchant_settle")
_EXPECTED = (
    sa.select(ComplaintDeadline.due_at)
    .where(ComplaintDeadline.complaint_id == C.c.id, ComplaintDeadline.kind == _CLOSING)
    .scalar_subquery()
)
_ACTIVE_CODE = (
    sa.select(StoreCode.code)
    .where(StoreCode.store_id == C.c.store_id, StoreCode.status == CodeStatus.ACTIVE)
    .limit(1)
    .scalar_subquery()
)
_REPLY = aliased(StoreReply)

_COLUMNS = (
    C.c.number,
    C.c.category,
    C.c.demand,
    C.c.public_summary,
    C.c.created_at,
    C.c.accepted_at,
    C.c.resolved_at,
    C.c.closed_at,
    C.c.updated_at,
    C.c.outcome,
    C.c.store_id,
    Store.name.label("store_name"),
    Store.address.label("store_address"),
    Store.latitude,
    Store.longitude,
    Store.circle_id,
    _ACTIVE_CODE.label("store_code"),
    Station.name.label("station_name"),
    _EXPECTED.label("expected_at"),
    _REPLY.text.label("reply_text"),
    _REPLY.moderated_at.label("reply_at"),
)


def query() -> sa.Select:
    """Published cases with everything a public listing shows, newest first."""
    return (
        sa.select(*_COLUMNS)
        .select_from(C)
        .join(Store, Store.id == C.c.store_id)
        .join(Station, Station.id == C.c.station_id)
        .outerjoin(_REPLY, sa.and_(_REPLY.complaint_id == C.c.id, _REPLY.status == ReplyStatus.APPROVED))
        .where(published())
        .order_by(C.c.created_at.desc(), C.c.id.desc())
    )


def view(row) -> dict:
    """A published case as every public surface shows it (pages, Open311)."""
    return {
        "number": row.number,
        "store": {"name": row.store_name, "code": row.store_code},
        "category": row.category,
        "category_label": CATEGORIES.get(row.category, row.category),
        "demand": row.demand,
        "demand_label": DEMANDS.get(row.demand, row.demand),
        "summary": row.public_summary,
        "filed_on": _day(row.created_at),
        "accepted_on": _day(row.accepted_at),
        "resolved_on": _day(row.resolved_at),
        "closed_on": _day(row.closed_at),
        "outcome": row.outcome,
        "outcome_label": OUTCOMES.get(row.outcome) if row.outcome else None,
        "station": row.station_name,
        "reply": {"text": row.reply_text, "on": _day(row.reply_at)} if row.reply_text else None,
    }


def page(filter_, page_number: int, per_page: int) -> dict:
    base = query().where(filter_)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.order_by(None).subquery()))
    rows = db.session.execute(base.limit(per_page).offset((page_number - 1) * per_page)).all()
    return {"items": [view(r) for r in rows], "page": page_number, "per_page": per_page, "total": total}


def clean_key(value: str | None, missing: str) -> str:
    """A case number or store code as typed in an address: printable, short, upper-case, else NotFound."""
    text = (value or "").strip().upper()
    if not text or len(text) > 40 or not text.isprintable():
        raise NotFound(missing)
    return text


def store_by_code(code: str) -> Store:
    """The store behind any of its codes (a revoked code still names the store on a public record)."""
    store = db.session.scalar(
        sa.select(Store)
        .join(StoreCode, StoreCode.store_id == Store.id)
        .where(StoreCode.code == clean_key(code, "store_not_found"))
    )
    if store is None:
        raise NotFound("store_not_found")
    return store


def for_store(code: str, page_number: int = 1, per_page: int = 20) -> tuple[Store, dict]:
    store = store_by_code(code)
    return store, page(C.c.store_id == store.id, page_number, per_page)


def for_circle(
    circle_id: int | None, page_number: int = 1, per_page: int = 20
) -> tuple[BusinessCircle, dict]:
    circle = db.session.get(BusinessCircle, circle_id) if circle_id is not None else None
    if circle is None:
        raise NotFound("circle_not_found_public")
    return circle, page(Store.circle_id == circle.id, page_number, per_page)


def one(number: str):
    """One published case's row (NotFound for anything unpublished: the same answer as no case)."""
    key = clean_key(number, "published_case_not_found")
    row = db.session.execute(query().where(C.c.number == key)).first()
    if row is None:
        raise NotFound("published_case_not_found")
    return row
