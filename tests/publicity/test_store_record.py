"""A store's rolling 12-month record: counts, rates only from the minimum, on the store page (API, H5)."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from app.complaints.models import ContentCheck, Status
from app.core.extensions import db
from app.core.timeutil import today_cn, utcnow
from app.publicity import jobs, stores
from app.stores.models import StorePublicity, StoreScanDaily
from tests import factories


def _case(store, days_ago, *, accepted=True, outcome="agreement", amount="10"):
    filed = utcnow() - dt.timedelta(days=days_ago)
    c = factories.complaint(store, filed_at=filed)
    c.content_check = ContentCheck.PASS
    if accepted:
        c.status = Status.CLOSED
        c.accepted_at = c.first_response_at = filed + dt.timedelta(hours=2)
        c.resolved_at = c.closed_at = filed + dt.timedelta(days=2)
        c.outcome, c.amount_recovered = outcome, Decimal(amount)
    return c


def _world():
    city = factories.city()
    busy = factories.store(name="热闹饭店", circle=city["circle"], region=city["region"])
    quiet = factories.store(name="安静书店", circle=city["circle"], region=city["region"])
    db.session.flush()
    for days, outcome in ((10, "agreement"), (40, "agreement"), (80, "terminated"), (120, "settled")):
        _case(busy, days, outcome=outcome)
    _case(busy, 200, accepted=False)  # received, not yet accepted
    _case(busy, 400)  # the previous 12 months
    _case(busy, 500)
    _case(quiet, 20)
    _case(quiet, 30)
    yesterday = today_cn() - dt.timedelta(days=1)
    db.session.add_all(
        [
            StoreScanDaily(store_id=busy.id, day=yesterday, scans=1500),
            StoreScanDaily(store_id=busy.id, day=yesterday - dt.timedelta(days=100), scans=500),
            StoreScanDaily(store_id=busy.id, day=yesterday - dt.timedelta(days=400), scans=9999),  # too old
        ]
    )
    db.session.commit()
    return busy, quiet


def test_records_count_the_window_and_show_rates_only_from_the_minimum(ctx):
    busy, quiet = _world()
    records = stores.records()
    r = records[busy.id]
    assert (r["received"], r["accepted"], r["resolved"]) == (5, 4, 4)
    assert r["enough"] is True and r["note"] is None
    assert r["mediation_success_rate"] == "75.00"  # agreement, agreement, settled of 4 ended
    assert r["first_response_median_hours"] == "2.00"
    assert r["amount_recovered"] == "40.00"
    assert (r["received_previous"], r["change_percent"]) == (2, "150.00")
    assert (r["scans"], r["complaints_per_1000_scans"]) == (2000, "2.50")
    q = records[quiet.id]
    assert (q["received"], q["enough"]) == (2, False)
    assert q["mediation_success_rate"] is None and q["change_percent"] is None
    assert q["complaints_per_1000_scans"] is None and "不足 5 件" in q["note"]


def test_the_store_page_shows_the_record_after_the_worker_refreshes(app, client):
    with app.app_context():
        busy, quiet = _world()
        busy_code, quiet_code = busy.active_code.code, quiet.active_code.code
    before = client.get(f"/api/mp/v1/stores/{busy_code}").get_json()["data"]
    assert before["publicity"] is None  # cached now, without a record
    with app.app_context():
        assert stores.due()
        jobs.run()
        assert not stores.due()
    page = client.get(f"/api/mp/v1/stores/{busy_code}").get_json()["data"]
    assert page["publicity"]["received"] == 5 and page["publicity"]["mediation_success_rate"] == "75.00"
    html = client.get(f"/s/{busy_code}").get_data(as_text=True)
    assert "投诉公示（近 12 个月）" in html and "调解成功率 75.00%" in html
    assert f'href="/publicity/stores/{busy_code}"' in html
    quiet_html = client.get(f"/s/{quiet_code}").get_data(as_text=True)
    assert "不足 5 件" in quiet_html and "调解成功率" not in quiet_html


def test_a_refresh_walks_every_store_in_chunks_and_gives_each_a_record(ctx):
    busy, quiet = _world()
    idle = factories.store(name="新开小店")
    db.session.commit()
    assert stores.refresh(chunk=1) == 3
    db.session.commit()
    saved = {r.store_id: r.data for r in db.session.scalars(sa.select(StorePublicity))}
    assert saved[busy.id]["received"] == 5 and saved[quiet.id]["received"] == 2
    assert saved[idle.id]["received"] == 0 and saved[idle.id]["enough"] is False
    assert stores.refresh(chunk=2) == 3  # again: the same rows updated, none added
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StorePublicity)) == 3
