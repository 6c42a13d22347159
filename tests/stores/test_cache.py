"""The scan path's cache: committed changes show on the next scan, dates roll over, Redis may fail."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.core import redis_client
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.core.timeutil import CHINA, today_cn
from app.directory.models import Station
from app.stores import cache as store_cache
from app.stores import scans, snapshot
from app.stores.models import Commitment, CommitmentKind, CredentialKind, StoreScanDaily
from tests import factories


@pytest.fixture
def shop(app):
    with app.app_context():
        city = factories.city()
        store = factories.store(name="缓存测试店", circle=city["circle"])
        factories.credential(store, CredentialKind.FOOD_LICENCE, number="SP1", valid_until=today_cn())
        factories.commitment(store, CommitmentKind.NO_REASON_RETURN, {"days": 7})
        db.session.commit()
        return {"id": store.id, "code": store.active_code.code, "station_id": city["service"].id}


def _page(client, code):
    resp = client.get(f"/api/mp/v1/stores/{code}")
    assert resp.status_code == 200
    return resp.get_json()["data"]


def test_cache_warm_page_served_from_redis(app, client, shop):
    _page(client, shop["code"])
    with app.app_context():
        key = store_cache.page_key(shop["code"], today_cn())
        assert get_redis().exists(key)


def test_cache_committed_store_change_shows_on_next_scan(app, client, shop):
    assert _page(client, shop["code"])["name"] == "缓存测试店"
    with app.app_context():
        store = db.session.get(factories.Store, shop["id"])
        store.name = "缓存测试店（新址）"
        db.session.commit()
    assert _page(client, shop["code"])["name"] == "缓存测试店（新址）"


def test_cache_new_commitment_version_shows_on_next_scan(app, client, shop):
    _page(client, shop["code"])
    with app.app_context():
        old = db.session.scalar(sa.select(Commitment).where(Commitment.store_id == shop["id"]))
        old.superseded_at = dt.datetime.now(dt.UTC)
        factories.commitment(old.store, CommitmentKind.NO_REASON_RETURN, {"days": 30}, version=2)
        db.session.commit()
    commitments = _page(client, shop["code"])["commitments"]
    assert [(c["version"], c["terms"]["days"]) for c in commitments] == [(2, 30)]


def test_cache_station_phone_change_reaches_every_store(app, client, shop):
    _page(client, shop["code"])
    with app.app_context():
        db.session.get(Station, shop["station_id"]).phone = "0512-99999999"
        db.session.commit()
    assert _page(client, shop["code"])["station"]["phone"] == "0512-99999999"


def test_cache_rolled_back_change_never_shows(app, client, shop):
    _page(client, shop["code"])
    with app.app_context():
        db.session.get(factories.Store, shop["id"]).name = "不应出现"
        db.session.flush()
        db.session.rollback()
    assert _page(client, shop["code"])["name"] == "缓存测试店"


def test_cache_credential_turns_expired_next_day_on_warm_cache(app, client, shop, monkeypatch):
    first = _page(client, shop["code"])["credentials"][0]
    assert (first["status"], first["days_left"]) == ("expiring", 0)
    tomorrow_noon = dt.datetime.combine(today_cn() + dt.timedelta(days=1), dt.time(12), tzinfo=CHINA)
    monkeypatch.setattr(store_cache, "utcnow", lambda: tomorrow_noon.astimezone(dt.UTC))
    after = _page(client, shop["code"])["credentials"][0]
    assert (after["status"], after["days_left"]) == ("expired", -1)


def test_cache_redis_down_page_served_from_database(app, client, shop, monkeypatch):
    dead = redis_client.connect("redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "redis", dead)
    assert _page(client, shop["code"])["name"] == "缓存测试店"
    with app.app_context():
        db.session.get(factories.Store, shop["id"]).name = "停机期间改名"
        db.session.commit()
    assert _page(client, shop["code"])["name"] == "停机期间改名"


def test_cache_change_during_redis_outage_not_served_stale_after_recovery(app, client, shop, monkeypatch):
    _page(client, shop["code"])  # Redis now holds the old page
    live = app.extensions["redis"]
    dead = redis_client.connect("redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "redis", dead)
    with app.app_context():
        db.session.get(factories.Store, shop["id"]).name = "恢复后应见新名"
        db.session.commit()  # the invalidation cannot reach Redis
    monkeypatch.setitem(app.extensions, "redis", live)
    redis_client.reset_breaker()
    assert _page(client, shop["code"])["name"] == "恢复后应见新名"


def test_cache_reader_racing_a_commit_does_not_store_old_page(app, shop, monkeypatch):
    """A reader that loaded the database before a commit must not overwrite the invalidation."""
    real_load = snapshot.load

    def load_then_someone_commits(code):
        row = real_load(code)
        store_cache.invalidate([code])  # what the committing process does after its commit
        return row

    with app.app_context():
        monkeypatch.setattr(snapshot, "load", load_then_someone_commits)
        store_cache.get_page(shop["code"], count_scan=False)
        assert not get_redis().exists(store_cache.page_key(shop["code"], today_cn()))


def test_scans_counted_per_store_per_day_and_persisted(app, client, runner, shop):
    for _ in range(5):
        _page(client, shop["code"])
    result = runner.invoke(args=["scans", "persist"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert scans.total_for(shop["id"], today_cn()) == 5
    _page(client, shop["code"])
    runner.invoke(args=["scans", "persist"])
    with app.app_context():
        rows = db.session.scalars(sa.select(StoreScanDaily)).all()
        assert [(r.store_id, r.scans) for r in rows] == [(shop["id"], 6)]


def test_scans_kept_in_memory_while_redis_down(app, client, shop, monkeypatch):
    live = app.extensions["redis"]
    dead = redis_client.connect("redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "redis", dead)
    for _ in range(3):
        _page(client, shop["code"])
    monkeypatch.setitem(app.extensions, "redis", live)
    redis_client.reset_breaker()
    with app.app_context():
        assert scans.flush() == 3
        assert scans.persist() == 3
        assert scans.total_for(shop["id"], today_cn()) == 3


def test_scans_unknown_code_not_counted(app, client, shop):
    client.get("/api/mp/v1/stores/ZZZZZZZZ")
    with app.app_context():
        scans.flush()
        assert scans.persist() == 0


@pytest.fixture
def local_layer(app, monkeypatch):
    """Turn the per-process layer on (the suite runs with it off), syncing on every scan."""
    monkeypatch.setitem(app.config, "STORE_CACHE_LOCAL_TTL_SECONDS", 5.0)
    monkeypatch.setitem(app.config, "STORE_CACHE_SYNC_SECONDS", 0.0)
    store_cache.local.seen_seq = None
    yield store_cache.local
    store_cache.local.drop()


def test_local_layer_serves_without_redis_page_reads(app, client, shop, local_layer):
    _page(client, shop["code"])
    with app.app_context():
        get_redis().delete(store_cache.page_key(shop["code"], today_cn()))
    # Still served: from this process's memory, not Redis and not the database.
    assert _page(client, shop["code"])["name"] == "缓存测试店"


def test_local_layer_dropped_by_another_process_invalidation(app, client, shop, local_layer):
    _page(client, shop["code"])
    with app.app_context():
        # What another worker's commit publishes: the store row changes and the code goes on the stream.
        db.session.execute(
            sa.update(factories.Store).where(factories.Store.id == shop["id"]).values(name="别处改名")
        )
        db.session.commit()  # a bulk UPDATE bypasses the ORM hooks, like a change made in another process
        r = get_redis()
        r.xadd(store_cache.CHANGES_KEY, {"code": shop["code"]})
        r.incr(store_cache.SEQ_KEY)
        r.delete(store_cache.page_key(shop["code"], today_cn()))
    assert _page(client, shop["code"])["name"] == "别处改名"


def test_local_layer_expires_when_redis_unreachable(app, client, shop, local_layer, monkeypatch):
    _page(client, shop["code"])
    monkeypatch.setitem(app.extensions, "redis", redis_client.connect("redis://127.0.0.1:1/0"))
    local_layer.last_sync -= 10  # the last successful sync is older than the trust window
    with app.app_context():
        db.session.execute(
            sa.update(factories.Store).where(factories.Store.id == shop["id"]).values(name="断连期间改名")
        )
        db.session.commit()
    assert _page(client, shop["code"])["name"] == "断连期间改名"
