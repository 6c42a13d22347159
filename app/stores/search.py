"""Finding stores by what a person types: part of the name, the USCC, or a store code (any case)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.stores import codes
from app.stores.models import Store, StoreCode

MAX_QUERY = 100


def search(q: str, limit: int | None = 500) -> list[Store]:
    """Stores matching `q` (empty: all), ordered by name; `limit=None`: no limit."""
    q = (q or "").strip()[:MAX_QUERY].replace("\x00", "")
    query = sa.select(Store).options(
        selectinload(Store.codes), selectinload(Store.circle), selectinload(Store.credentials)
    )
    if q:
        upper = q.upper()
        by_code = sa.select(StoreCode.store_id).where(StoreCode.code == codes.normalize(upper))
        query = query.where(
            sa.or_(Store.name.contains(q, autoescape=True), Store.uscc == upper, Store.id.in_(by_code))
        )
    query = query.order_by(Store.name, Store.id)
    return list(db.session.scalars(query if limit is None else query.limit(limit)))
