"""The console's figures, drill-down, map, exports, 12315 hand-off and reply moderation (June 2026).

Store A (甲商圈, office A's subtree) has two complaints: A1 decided on time, A2 decided late. Store B (乙商圈,
office B's) has B1 decided on time. So for June the 按时初查率 is 2/3 district-wide, 1/2 for office A and
1/1 for office B.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.models import AuditEntry
from app.complaints.models import Complaint, ContentCheck, Status
from app.core.extensions import db
from app.core.timeutil import today_cn, utcnow
from app.publicity import jobs, replies
from app.publicity.models import ReplyStatus, StoreReply
from app.stores import codes
from app.stores.models import StoreScanDaily
from tests import factories
from tests.console.world import build, login, post
from tests.figures.june import case, cn, deadline

JUNE = {"from": "2026-06-01", "to": "2026-06-30"}


def june(app) -> dict:
    ids = build(app)
    with app.app_context():
        store_a, store_b = codes.store_of(ids["code_a"]), codes.store_of(ids["code_b"])
        world = {"store": store_a}
        a1 = case(world, cn(6, 2), accepted_at=cn(6, 5))
        deadline(a1, "accept_decline", cn(6, 10), met=cn(6, 5))
        a2 = case(world, cn(6, 3), accepted_at=cn(6, 15))
        deadline(a2, "accept_decline", cn(6, 11), met=cn(6, 15))
        b1 = case({"store": store_b}, cn(6, 4), status=Status.WITH_STATION, accepted_at=cn(6, 6))
        deadline(b1, "accept_decline", cn(6, 12), met=cn(6, 6))
        store_a.latitude, store_a.longitude = Decimal("31.230000"), Decimal("121.470000")
        store_b.latitude, store_b.longitude = Decimal("31.250000"), Decimal("121.500000")
        factories.credential(store_b, valid_until=today_cn() - dt.timedelta(days=3))
        db.session.add(StoreScanDaily(store_id=store_a.id, day=dt.date(2026, 6, 10), scans=1000))
        db.session.commit()
        ids.update(a1=a1.number, a2=a2.number, b1=b1.number, store_b=store_b.id)
    return ids


def test_figures_show_numerator_denominator_definition_and_the_stations_below(app, client):
    ids = june(app)
    login(client, "admin")
    html = client.get("/admin/figures", query_string={**JUNE, "by": "week"}).get_data(as_text=True)
    assert "按时初查率" in html and "66.67<small>%</small>" in html
    assert "分子 2 件 / 分母 3 件" in html
    assert "在期限内作出决定的比例" in html  # the definition next to the figure
    assert html.count('<svg class="chart"') == 12 and "<polyline" in html
    assert "6/1起" in html  # weekly course, this year's dates without the year
    # The stations below the centre, side by side: office A 1/2, office B 1/1.
    comparison = html.split('id="comparison"')[1]
    assert "甲市场监管所" in comparison and "乙市场监管所" in comparison
    assert "分子 1 件 / 分母 2 件" in comparison and "分子 1 件 / 分母 1 件" in comparison

    login(client, "op-a")
    html = client.get("/admin/figures", query_string=JUNE).get_data(as_text=True)
    assert "分子 1 件 / 分母 2 件" in html and "乙市场监管所" not in html
    resp = client.get("/admin/figures", query_string={**JUNE, "station": ids["office_b"]})
    assert resp.status_code == 404 and "不在本账号的管辖范围内" in resp.get_data(as_text=True)


def test_a_reversed_period_is_a_clear_refusal(app, client):
    build(app)
    login(client, "admin")
    resp = client.get("/admin/figures", query_string={"from": "2026-06-30", "to": "2026-06-01"})
    assert resp.status_code == 422 and "结束日期不能早于开始日期" in resp.get_data(as_text=True)


def test_drill_down_lists_the_cases_behind_a_figure_and_pages(app, client, monkeypatch):
    ids = june(app)
    login(client, "admin")
    html = client.get("/admin/figures/on_time_check", query_string=JUNE).get_data(as_text=True)
    rows = html.split('id="cases"')[1]
    for number in (ids["a1"], ids["a2"], ids["b1"]):
        assert number in rows
    assert rows.count('<tr class="in">') == 2 and rows.count('<tr class="out">') == 1
    assert "甲记面馆" in rows and "甲商圈服务站" in rows
    monkeypatch.setattr("app.console.views.PAGE_LIMIT", 2)
    first = client.get("/admin/figures/on_time_check", query_string=JUNE).get_data(as_text=True)
    second = client.get("/admin/figures/on_time_check", query_string={**JUNE, "page": 2}).get_data(
        as_text=True
    )
    assert ids["a1"] in first and ids["a2"] in first and ids["b1"] not in first and "下一页" in first
    assert ids["b1"] in second and ids["a1"] not in second and "上一页" in second
    login(client, "view-a")
    html = client.get("/admin/figures/on_time_check", query_string=JUNE).get_data(as_text=True)
    assert ids["a1"] in html and ids["b1"] not in html


def test_the_geojson_is_a_feature_collection_in_lon_lat_with_rates_and_expired_credentials(
    app, client, monkeypatch
):
    june(app)
    login(client, "admin")
    resp = client.get("/admin/map/stores.geojson", query_string=JUNE)
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    body = json.loads(resp.get_data(as_text=True))
    assert body["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in body["features"]}
    a, b = by_name["甲记面馆"], by_name["乙家超市"]
    assert a["type"] == "Feature" and a["geometry"] == {"type": "Point", "coordinates": [121.47, 31.23]}
    assert a["properties"]["complaints"] == 2 and a["properties"]["scans"] == 1000
    # Two complaints are below the minimum (5): no rate, the grey band.
    assert a["properties"]["complaints_per_1000_scans"] is None and a["properties"]["band"] == "few"
    assert a["properties"]["circle"] == "甲商圈" and a["properties"]["expired_credentials"] == []
    assert b["properties"]["expired_credentials"] == ["营业执照"]
    monkeypatch.setitem(app.config, "PUBLICITY_MIN_CASES", 2)
    body = client.get("/admin/map/stores.geojson", query_string=JUNE).get_json(force=True)
    a = next(f for f in body["features"] if f["properties"]["name"] == "甲记面馆")
    assert a["properties"]["complaints_per_1000_scans"] == "2.00" and a["properties"]["band"] == "mid"
    # Filters: by circle and industry; another subtree's circle is a missing one.
    body = client.get("/admin/map/stores.geojson", query_string={"circle": "乙商圈"}).get_json(force=True)
    assert [f["properties"]["name"] for f in body["features"]] == ["乙家超市"]
    body = client.get("/admin/map/stores.geojson", query_string={"industry": "pharmacy"}).get_json(force=True)
    assert body["features"] == []
    login(client, "op-a")
    body = client.get("/admin/map/stores.geojson").get_json(force=True)
    assert [f["properties"]["name"] for f in body["features"]] == ["甲记面馆"]
    assert client.get("/admin/map/stores.geojson", query_string={"circle": "乙商圈"}).status_code == 404


def test_the_map_draws_points_without_tiles_and_tiles_from_the_configured_provider(app, client, monkeypatch):
    june(app)
    login(client, "admin")
    resp = client.get("/admin/map", query_string={**JUNE, "layer": "all"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.count('class="band-few"') >= 2 and 'class="expired"' in html
    assert "<image" not in html and "img-src 'self' data:;" in resp.headers["Content-Security-Policy"]
    html = client.get("/admin/map", query_string={"layer": "rate"}).get_data(as_text=True)
    assert 'transform="rotate(45' not in html.split('<ul class="legend">')[0]
    monkeypatch.setitem(
        app.config, "MAP_TILE_URL", "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk={key}"
    )
    monkeypatch.setitem(app.config, "MAP_TILE_KEY", "k123")
    resp = client.get("/admin/map")
    html = resp.get_data(as_text=True)
    assert '<image href="https://t0.tianditu.gov.cn/DataServer?T=vec_w&amp;x=' in html and "tk=k123" in html
    assert "img-src 'self' data: https://t0.tianditu.gov.cn;" in resp.headers["Content-Security-Policy"]
    tianditu_tiles = re.findall(r'<image href="[^"]*" x="([-0-9.]+)" y="([-0-9.]+)"', html)
    # AMap draws in GCJ-02: the stores (WGS 84) are moved onto its streets, so the tiles sit elsewhere
    # under them (the exact offsets: tests/core/test_geodesy.py).
    monkeypatch.setitem(
        app.config, "MAP_TILE_URL", "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    )
    resp = client.get("/admin/map")
    html = resp.get_data(as_text=True)
    amap_tiles = re.findall(r'<image href="https://webrd01[^"]*" x="([-0-9.]+)" y="([-0-9.]+)"', html)
    assert amap_tiles and tianditu_tiles and amap_tiles[0] != tianditu_tiles[0]
    assert "img-src 'self' data: https://webrd01.is.autonavi.com;" in resp.headers["Content-Security-Policy"]


def _audit(app) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "export.cases").order_by(AuditEntry.id)
            )
        )


def test_exports_have_the_regulators_columns_gate_personal_data_and_are_audited(app, client):
    ids = june(app)
    login(client, "admin")
    resp = client.get("/admin/exports/cases.csv", query_string=JUNE)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["编号", "类型", "状态"] and "统一社会信用代码" in table[0]
    assert "投诉人姓名" not in table[0]
    assert sorted(r[0] for r in table[1:]) == sorted([ids["a1"], ids["a2"], ids["b1"]])
    entry = _audit(app)[-1]
    assert entry.actor == "admin" and entry.via == "console" and entry.after["personal_data"] is False
    assert entry.after["format"] == "csv" and entry.after["from"] == "2026-06-01"

    resp = client.get("/admin/exports/cases.xlsx", query_string={**JUNE, "personal": "1"})
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[-2:] == ["投诉人姓名", "投诉人电话"] and rows[0][-2:] == ["张三", "13812345678"]
    assert _audit(app)[-1].after == {**_audit(app)[-1].after, "format": "xlsx", "personal_data": True}

    login(client, "op-a")
    before = len(_audit(app))
    resp = client.get("/admin/exports/cases.csv", query_string={**JUNE, "personal": "1"})
    assert resp.status_code == 403 and "只有管理员可以导出" in resp.get_data(as_text=True)
    assert len(_audit(app)) == before  # refused: nothing exported, nothing logged
    table = list(
        csv.reader(
            io.StringIO(client.get("/admin/exports/cases.csv", query_string=JUNE).get_data(as_text=True))
        )
    )
    assert sorted(r[0] for r in table[1:]) == sorted([ids["a1"], ids["a2"]])
    entry = _audit(app)[-1]
    assert entry.actor == "op-a" and entry.station_id == ids["office_a"]


def test_a_hand_off_to_12315_is_recorded_once_audited_and_scoped(app, client):
    ids = june(app)
    form = {"number": ids["a1"], "national_number": "js2026-0601", "filed_on": "2026-06-20"}
    login(client, "admin-b")
    assert post(client, "/admin/handoff", form).status_code == 404  # office A's case
    login(client, "view-a")
    assert post(client, "/admin/handoff", form).status_code == 403
    login(client, "op-a")
    assert client.get("/admin/handoff").status_code == 200
    resp = post(client, "/admin/handoff", form)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=handed_off")
    assert "已记录移交全国12315平台" in client.get(resp.headers["Location"]).get_data(as_text=True)
    again = post(client, "/admin/handoff", form)  # a retry changes nothing
    assert again.status_code == 303 and again.headers["Location"].endswith("done=unchanged")
    other = post(client, "/admin/handoff", {**form, "national_number": "JS2026-9999"})
    assert other.status_code == 409
    bad = post(client, "/admin/handoff", {**form, "filed_on": "昨天"})
    assert bad.status_code == 422 and "请填写移交日期" in bad.get_data(as_text=True)
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "complaint.handoff")
        ).all()
        assert [(e.actor, e.target, e.after["national_case_number"]) for e in entries] == [
            ("op-a", ids["a1"], "JS2026-0601")
        ]
        handed = db.session.scalar(sa.select(Complaint).where(Complaint.number == ids["a1"]))
        assert handed.handed_off_at is not None and handed.national_filed_on == dt.date(2026, 6, 20)
    html = client.get("/admin/figures", query_string=JUNE).get_data(as_text=True)
    assert "分子 0 件 / 分母 1 件" in html  # A1 left the figures: A2 (late) remains for office A


def _published_reply(app, ids) -> int:
    with app.app_context():
        store = codes.store_of(ids["code_a"])
        filed = utcnow() - dt.timedelta(days=30)
        c = factories.complaint(store, filed_at=filed)
        c.status, c.content_check, c.outcome = Status.CLOSED, ContentCheck.PASS, "agreement"
        c.accepted_at, c.resolved_at, c.closed_at = (
            filed,
            filed + dt.timedelta(days=3),
            filed + dt.timedelta(days=4),
        )
        db.session.commit()
        jobs.run(force=True)
        db.session.commit()
        reply = replies.submit(c.number, "已全额退款并致歉，电话13812345678")
        db.session.commit()
        return reply.id


def test_store_replies_are_moderated_in_the_console_within_the_subtree_and_audited(app, client):
    ids = build(app)
    reply_id = _published_reply(app, ids)
    login(client, "admin-b")
    assert "已全额退款" not in client.get("/admin/replies").get_data(as_text=True)
    assert post(client, f"/admin/replies/{reply_id}", {"decision": "approve"}).status_code == 404
    login(client, "op-a")
    html = client.get("/admin/replies").get_data(as_text=True)
    assert "已全额退款" in html and "13812345678" not in html
    assert post(client, f"/admin/replies/{reply_id}", {"decision": "maybe"}).status_code == 422
    resp = post(client, f"/admin/replies/{reply_id}", {"decision": "approve", "note": "属实"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("done=reply_approved")
    again = post(client, f"/admin/replies/{reply_id}", {"decision": "approve"})
    assert again.status_code == 303  # a retry of the same decision changes nothing
    assert post(client, f"/admin/replies/{reply_id}", {"decision": "reject"}).status_code == 409
    with app.app_context():
        assert db.session.get(StoreReply, reply_id).status == ReplyStatus.APPROVED
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("reply.%"))).all()
        assert [(e.action, e.actor, e.after["note"]) for e in entries] == [("reply.approve", "op-a", "属实")]
    assert "没有待审核的回应" in client.get("/admin/replies").get_data(as_text=True)


def test_stores_are_ranked_by_complaints_with_their_growth_and_paged(app, client, monkeypatch):
    ids = june(app)
    with app.app_context():
        store_a = codes.store_of(ids["code_a"])
        case({"store": store_a}, cn(5, 20))  # the 30 days before June: May 2 - 31
        case({"store": store_a}, cn(4, 20))  # before that: not counted
        db.session.commit()
    login(client, "admin")
    html = client.get("/admin/figures/stores", query_string=JUNE).get_data(as_text=True)
    assert "2026-05-02 至 2026-05-31" in html
    table = html.split('id="store-ranking"')[1].split("</table>")[0]
    rows = [re.sub(r"<[^>]+>", " ", r).split() for r in table.split("<tr>")[2:]]
    # Store A: 2 in June, 1 in May (+100 %), 1,000 scans → 2 per 1,000. Store B: 1 in June, none before.
    assert rows[0][:2] == ["1", "甲记面馆"] and rows[0][3:8] == ["2", "1", "+100.00%", "1000", "2.00"]
    assert rows[1][:2] == ["2", "乙家超市"] and rows[1][3:8] == ["1", "0", "—", "0", "—"]
    monkeypatch.setattr("app.console.views.PAGE_LIMIT", 1)
    pages = [
        client.get("/admin/figures/stores", query_string={**JUNE, "page": n}).get_data(as_text=True)
        for n in (1, 2, 3)
    ]
    assert "甲记面馆" in pages[0] and "乙家超市" not in pages[0] and "下一页" in pages[0]
    assert "乙家超市" in pages[1] and "甲记面馆" not in pages[1] and "下一页" not in pages[1]
    assert "本期没有收到投诉" in pages[2]
    login(client, "op-a")
    html = client.get("/admin/figures/stores", query_string=JUNE).get_data(as_text=True)
    assert "甲记面馆" in html and "乙家超市" not in html
