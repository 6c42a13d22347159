"""Stores as map points: complaints per 1,000 scans over a period, and expired credentials.

The rate is the one on the store's publicity record (`app.publicity.stores`: complaints filed in the
period ÷ scans of the store's code in it × 1,000, no rate below `PUBLICITY_MIN_CASES` complaints), over
the period asked for instead of the rolling 12 months. The public map (`published`) shows only what the
store records publish: the rolling 12 months as the worker last computed them, a rate only where the
record has one. Each point falls in a band (`BANDS`) that the map
colours; a store without coordinates is counted, not placed. GeoJSON (RFC 7946): coordinates are
[longitude, latitude], WGS 84 as the stores' records keep them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.texts import CREDENTIAL_KINDS, INDUSTRIES
from app.core.timeutil import today_cn
from app.directory.models import BusinessCircle
from app.publicity.stores import WINDOW_DAYS, per_thousand, received_in, scans_in
from app.stores.models import Industry, Store, StorePublicity

#: Complaints per 1,000 scans: below the first bound "low", below the second "mid", else "high"; a store
#: with too few complaints (or no scans) for a rate is "few".
BANDS = ((Decimal(1), "low"), (Decimal(5), "mid"))


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The publicity window: the 365 days ending yesterday."""
    last = (today or today_cn()) - dt.timedelta(days=1)
    return last - dt.timedelta(days=WINDOW_DAYS - 1), last


def stores_for(circle: str = "", industry: str = "") -> list[Store]:
    """Every store, or those of the business circle named and/or the industry given (its key)."""
    query = sa.select(Store).options(selectinload(Store.codes), selectinload(Store.credentials))
    if circle:
        query = query.join(BusinessCircle, BusinessCircle.id == Store.circle_id).where(
            BusinessCircle.name == circle
        )
    if industry:
        query = query.where(Store.industry == Industry(industry))
    return list(db.session.scalars(query.order_by(Store.id)))


def band(rate: str | None) -> str:
    if rate is None:
        return "few"
    value = Decimal(rate)
    for bound, name in BANDS:
        if value < bound:
            return name
    return "high"


@dataclass(frozen=True)
class Points:
    features: list[dict]
    unplaced: int  # stores in the selection without coordinates

    def collection(self) -> dict:
        return {"type": "FeatureCollection", "features": self.features}


def points(stores: list[Store], first: dt.date, last: dt.date, today: dt.date | None = None) -> Points:
    """The stores as GeoJSON point features with their rate over `first`..`last` (both included) and
    their credentials expired on `today`."""
    today = today or today_cn()
    ids = tuple(s.id for s in stores)
    received = received_in(first, last, ids) if ids else {}
    scans = scans_in(first, last, ids) if ids else {}
    minimum = int(current_app.config.get("PUBLICITY_MIN_CASES", 5))
    features, unplaced = [], 0
    for store in stores:
        if store.latitude is None or store.longitude is None:
            unplaced += 1
            continue
        complaints = received.get(store.id, (0, 0))[0]
        store_scans = scans.get(store.id, 0)
        rate = per_thousand(complaints, store_scans) if complaints >= minimum else None
        expired = [
            CREDENTIAL_KINDS[c.kind.value]
            for c in store.credentials
            if c.valid_until is not None and c.valid_until < today
        ]
        code = store.active_code.code if store.active_code else None
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(store.longitude), float(store.latitude)]},
                "properties": {
                    "code": code,
                    "name": store.name,
                    "industry": INDUSTRIES.get(store.industry.value, ""),
                    "circle": store.circle.name if store.circle else None,
                    "complaints": complaints,
                    "scans": store_scans,
                    "complaints_per_1000_scans": rate,
                    "band": band(rate),
                    "expired_credentials": expired,
                },
            }
        )
    return Points(features, unplaced)


def published(circle_id: int | None = None) -> Points:
    """The public map: every store (or a business circle's) with coordinates, as its published record
    has it (received in 12 months, complaints per 1,000 scans when enough cases); nothing else."""
    query = (
        sa.select(Store, StorePublicity.data)
        .outerjoin(StorePublicity, StorePublicity.store_id == Store.id)
        .options(selectinload(Store.codes), selectinload(Store.circle))
        .order_by(Store.id)
    )
    if circle_id is not None:
        query = query.where(Store.circle_id == circle_id)
    features, unplaced = [], 0
    for store, record in db.session.execute(query):
        if store.latitude is None or store.longitude is None:
            unplaced += 1
            continue
        record = record or {}
        rate = record.get("complaints_per_1000_scans") if record.get("enough") else None
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(store.longitude), float(store.latitude)]},
                "properties": {
                    "code": store.active_code.code if store.active_code else None,
                    "name": store.name,
                    "industry": INDUSTRIES.get(store.industry.value, ""),
                    "circle": store.circle.name if store.circle else None,
                    "complaints": int(record.get("received", 0)),
                    "complaints_per_1000_scans": rate,
                    "band": band(rate),
                    "from": record.get("from"),
                    "to": record.get("to"),
                },
            }
        )
    return Points(features, unplaced)
