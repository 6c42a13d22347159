"""Each store's rolling 12-month complaint record, computed by the worker into `store_publicity`.

The window is the 365 China days ending yesterday; the previous window the 365 days before it. The
figures reuse `app.figures.kpis` grouped by store, so "mediation success" or "median first response" mean
on a store page exactly what they mean in the regulators' figures. Below `PUBLICITY_MIN_CASES` complaints
in the window the record shows its counts but no rate (and says why): a rate over two cases misleads.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.complaints.models import Complaint, ComplaintKind
from app.core.extensions import db
from app.core.timeutil import today_cn, utcnow
from app.figures import kpis
from app.publicity.texts import RECORD
from app.stores import cache
from app.stores.models import Store, StorePublicity, StoreScanDaily

C = Complaint.__table__
WINDOW_DAYS = 365


def _pct(numerator, denominator) -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def received_in(first: dt.date, last: dt.date, store_ids, station_ids=None) -> dict[int, tuple[int, int]]:
    """Complaints filed in the window per store: (received, accepted by the station); with
    `station_ids`, only those the stations hold."""
    scope = kpis.Scope(first, last, utcnow())
    query = (
        sa.select(
            C.c.store_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((C.c.accepted_at.is_not(None), 1), else_=0)), 0),
        )
        .where(C.c.kind == ComplaintKind.COMPLAINT, C.c.created_at >= scope.start, C.c.created_at < scope.end)
        .group_by(C.c.store_id)
    )
    if store_ids is not None:
        query = query.where(C.c.store_id.in_(store_ids))
    if station_ids is not None:
        query = query.where(C.c.station_id.in_(station_ids))
    return {store_id: (int(n), int(accepted)) for store_id, n, accepted in db.session.execute(query)}


def scans_in(first: dt.date, last: dt.date, store_ids) -> dict[int, int]:
    query = (
        sa.select(StoreScanDaily.store_id, sa.func.sum(StoreScanDaily.scans))
        .where(StoreScanDaily.day >= first, StoreScanDaily.day <= last)
        .group_by(StoreScanDaily.store_id)
    )
    if store_ids is not None:
        query = query.where(StoreScanDaily.store_id.in_(store_ids))
    return {store_id: int(n) for store_id, n in db.session.execute(query)}


def records(today: dt.date | None = None, store_ids: tuple[int, ...] | None = None) -> dict[int, dict]:
    """The record of every store with complaints or scans in either window (or of the stores named)."""
    today = today or today_cn()
    last = today - dt.timedelta(days=1)
    first = last - dt.timedelta(days=WINDOW_DAYS - 1)
    prev_last = first - dt.timedelta(days=1)
    prev_first = prev_last - dt.timedelta(days=WINDOW_DAYS - 1)
    minimum = int(current_app.config.get("PUBLICITY_MIN_CASES", 5))
    scope = kpis.Scope(first, last, kpis.Scope(first, last, utcnow()).end, store_ids=store_ids)
    by_store = C.c.store_id
    received = received_in(first, last, store_ids)
    previous = received_in(prev_first, prev_last, store_ids)
    scans = scans_in(first, last, store_ids)
    mediation = kpis.grouped("mediation_success", scope, by_store)
    recovered = kpis.grouped("recovered", scope, by_store)
    first_response = kpis.grouped("first_response_median", scope, by_store)
    ids = set(store_ids or ()) | set(received) | set(previous) | set(scans)
    out = {}
    for store_id in sorted(ids):
        n, accepted = received.get(store_id, (0, 0))
        prev_n = previous.get(store_id, (0, 0))[0]
        enough = n >= minimum
        med = mediation.get(store_id)
        resp = first_response.get(store_id)
        rec = recovered.get(store_id)
        store_scans = scans.get(store_id, 0)
        out[store_id] = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "min_cases": minimum,
            "enough": enough,
            "received": n,
            "accepted": accepted,
            "resolved": rec.denominator if rec else 0,
            "mediation_ended": med.denominator if med else 0,
            "mediation_success_rate": str(med.value) if enough and med and med.value is not None else None,
            "first_response_median_hours": str(resp.value)
            if enough and resp and resp.value is not None
            else None,
            "amount_recovered": str(rec.value) if rec else "0.00",
            "received_previous": prev_n,
            "change_percent": _pct(n - prev_n, prev_n) if enough else None,
            "scans": store_scans,
            "complaints_per_1000_scans": per_thousand(n, store_scans) if enough else None,
            "note": None if enough else RECORD["too_few"].format(min=minimum),
        }
    return out


def ranking(
    first: dt.date, last: dt.date, station_ids: tuple[int, ...] | None, *, offset: int = 0, limit: int = 50
) -> list[dict]:
    """For regulators: the stores of a subtree by complaints received in the period, most first (ties by
    store id, so pages hold each store once), each with the same count over the period of the same length
    just before, the change in percent (None without a previous count) and complaints per 1,000 scans.
    Counts whatever their size: this is the regulators' view, not the public record."""
    scope = kpis.Scope(first, last, utcnow())
    count = sa.func.count().label("n")
    query = (
        sa.select(C.c.store_id, count)
        .where(C.c.kind == ComplaintKind.COMPLAINT, C.c.created_at >= scope.start, C.c.created_at < scope.end)
        .group_by(C.c.store_id)
        .order_by(count.desc(), C.c.store_id)
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    if station_ids is not None:
        query = query.where(C.c.station_id.in_(station_ids))
    top = db.session.execute(query).all()
    ids = tuple(store_id for store_id, _ in top)
    days = (last - first).days + 1
    previous = received_in(first - dt.timedelta(days=days), first - dt.timedelta(days=1), ids, station_ids)
    scans = scans_in(first, last, ids)
    stores = {s.id: s for s in db.session.scalars(sa.select(Store).where(Store.id.in_(ids)))}
    out = []
    for store_id, n in top:
        before = previous.get(store_id, (0, 0))[0]
        out.append(
            {
                "store": stores[store_id],
                "received": int(n),
                "received_previous": before,
                "change_percent": _pct(n - before, before),
                "scans": scans.get(store_id, 0),
                "complaints_per_1000_scans": per_thousand(int(n), scans.get(store_id, 0)),
            }
        )
    return out


def per_thousand(n: int, scans: int) -> str | None:
    if not scans:
        return None
    return str((Decimal(n) * 1000 / Decimal(scans)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def refresh(
    today: dt.date | None = None, store_ids: tuple[int, ...] | None = None, *, chunk: int = 5000
) -> int:
    """Recompute and store the records (the caller commits, then `after_refresh` drops cached pages).

    Without `store_ids`, every store, `chunk` at a time (so a city of a million stores never sits in
    memory at once), and every store gets a record, also one without complaints.
    """
    today = today or today_cn()
    if store_ids is not None:
        return _write(today, records(today, store_ids))
    written, after = 0, 0
    while True:
        ids = tuple(
            db.session.scalars(sa.select(Store.id).where(Store.id > after).order_by(Store.id).limit(chunk))
        )
        if not ids:
            return written
        written += _write(today, records(today, ids))
        after = ids[-1]


def _write(today: dt.date, found: dict[int, dict]) -> int:
    rows = [
        {"store_id": k, "computed_on": today, "data": v, "updated_at": utcnow()} for k, v in found.items()
    ]
    if not rows:
        return 0
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = StorePublicity.__table__
    for start in range(0, len(rows), 1000):
        stmt = dialect.insert(table).values(rows[start : start + 1000])
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.store_id],
            set_={
                "computed_on": stmt.excluded.computed_on,
                "data": stmt.excluded.data,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        db.session.execute(stmt)
    return len(rows)


def due(today: dt.date | None = None) -> bool:
    """Whether today's records are still to be computed (the worker checks hourly, computes daily)."""
    today = today or today_cn()
    latest = db.session.scalar(sa.select(sa.func.max(StorePublicity.computed_on)))
    return latest is None or latest < today


def after_refresh() -> None:
    """Store pages carry the record: after a refresh is committed, every cached page goes."""
    cache.invalidate(None)
