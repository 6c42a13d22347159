"""Sticker integrity: scan jumps against a store's own history, and revoked codes still scanned (counted
through the real scan path and Redis, persisted by the worker's step). PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.stores import codes, integrity, scans
from app.stores.models import RevokedScanDaily, StoreScanDaily
from tests import factories

TODAY = dt.date(2026, 12, 7)


def _history(store, per_day: int, today_scans: int) -> None:
    for n in range(1, integrity.HISTORY_DAYS + 1):
        db.session.add(StoreScanDaily(store_id=store.id, day=TODAY - dt.timedelta(days=n), scans=per_day))
    db.session.add(StoreScanDaily(store_id=store.id, day=TODAY, scans=today_scans))


def test_a_jump_far_above_the_stores_own_history_is_flagged(ctx):
    copied = factories.store(name="被复印的店")
    busy = factories.store(name="本来就忙的店")
    quiet = factories.store(name="新开的店")
    db.session.flush()
    _history(copied, 10, 100)  # 10x its average
    _history(busy, 20, 60)  # 3x: a busy day, not a jump
    _history(quiet, 0, 40)  # below the minimum
    db.session.commit()
    found = integrity.jumps(TODAY)
    assert [(j.store.name, j.day, j.scans, j.average) for j in found] == [("被复印的店", TODAY, 100, 10.0)]
    # Yesterday's jump is still listed today; one older than RECENT_DAYS is not.
    assert [j.store.name for j in integrity.jumps(TODAY + dt.timedelta(days=1))] == ["被复印的店"]
    assert integrity.jumps(TODAY + dt.timedelta(days=integrity.RECENT_DAYS)) == []


def test_a_revoked_code_still_scanned_is_listed(app, client):
    with app.app_context():
        store = factories.store(name="换过码的店")
        db.session.commit()
        old = store.active_code.code
        new = codes.revoke_and_reissue(old, "被覆盖").code
        db.session.commit()
    for _ in range(3):
        assert client.get(f"/api/mp/v1/stores/{old}").status_code == 410
    assert client.get(f"/api/mp/v1/stores/{new}").status_code == 200
    with app.app_context():
        scans.flush()
        scans.persist()
        today = today_cn()
        assert db.session.get(RevokedScanDaily, (old, today)).scans == 3
        found = integrity.still_scanned(today)
        assert [(s.store.name, s.code, s.scans, s.last_day) for s in found] == [("换过码的店", old, 3, today)]
        assert integrity.still_scanned(today + dt.timedelta(days=integrity.REVOKED_DAYS)) == []
