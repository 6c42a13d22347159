"""The public map: only what the store records publish, never a complainant's words or details."""

from __future__ import annotations

import datetime as dt

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.publicity import geo, jobs
from app.stores.models import StoreScanDaily


def test_the_public_map_shows_placed_stores_with_their_published_rate_only(
    published_world, client, app, monkeypatch
):
    w = published_world
    yesterday = today_cn() - dt.timedelta(days=1)
    db.session.add(StoreScanDaily(store_id=w["store"].id, day=yesterday, scans=4000))
    db.session.commit()
    monkeypatch.setitem(
        app.config, "PUBLICITY_MIN_CASES", 100
    )  # too few cases: the record has counts but no rate
    jobs.run(force=True)
    html = client.get("/publicity/map").get_data(as_text=True)
    assert "优衣坊服饰" in html and "隔壁小店" not in html  # the other store has no coordinates
    assert 'class="band-few"' in html and "每千次扫码" not in html.split("<section>")[2]
    assert "张伟" not in html and "13812345678" not in html
    monkeypatch.setitem(app.config, "PUBLICITY_MIN_CASES", 1)
    jobs.run(force=True)
    points = geo.published(w["city"]["circle"].id)
    (feature,) = points.features
    assert feature["geometry"]["coordinates"] == [120.6, 31.3] and points.unplaced == 1
    record = feature["properties"]
    assert record["complaints"] > 0 and record["complaints_per_1000_scans"] is not None
    resp = client.get("/publicity/map", query_string={"circle": w["city"]["circle"].id})
    assert (
        resp.status_code == 200
        and f"每千次扫码 {record['complaints_per_1000_scans']} 件" in resp.get_data(as_text=True)
    )
    for bad in ("999999", "x", "0"):
        resp = client.get("/publicity/map", query_string={"circle": bad})
        assert resp.status_code == 404 and "未找到该商圈" in resp.get_data(as_text=True)
