"""The scan: GET /api/mp/v1/stores/<code> and /scan, through the Flask app, on real databases."""

import datetime as dt
from urllib.parse import quote

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.stores import codes
from app.stores.models import CommitmentKind, CredentialKind
from tests import factories


def _store_with_everything():
    city = factories.city()
    store = factories.store(name="老王面馆", circle=city["circle"], region=city["region"])
    today = today_cn()
    factories.credential(store, CredentialKind.BUSINESS_LICENCE, number=store.uscc, holder="老王面馆")
    factories.credential(
        store,
        CredentialKind.FOOD_LICENCE,
        number="JY13205810000001",
        valid_until=today + dt.timedelta(days=10),
    )
    factories.credential(
        store,
        CredentialKind.HEALTH_CERTIFICATE,
        number="JK001",
        holder="王小明",
        holder_is_person=True,
        valid_until=today - dt.timedelta(days=3),
    )
    factories.credential(
        store,
        CredentialKind.HEALTH_CERTIFICATE,
        number="JK002",
        holder="李四",
        holder_is_person=True,
        valid_until=today + dt.timedelta(days=200),
    )
    factories.commitment(
        store, CommitmentKind.NO_REASON_RETURN, {"days": 15, "exclusions": ["食品", "定制商品"]}
    )
    factories.commitment(store, CommitmentKind.FIRST_PAYOUT, {"payer": "商场", "fast_track_limit_yuan": 500})
    factories.commitment(store, CommitmentKind.FIRST_INQUIRY, {"response_hours": 24})
    factories.badge(store)
    db.session.commit()
    return store, city


def test_store_page_shows_credentials_commitments_badges_station(app, client):
    with app.app_context():
        store, _ = _store_with_everything()
        code = store.active_code.code
        uscc = store.uscc
    resp = client.get(f"/api/mp/v1/stores/{code}")
    assert resp.status_code == 200
    page = resp.get_json()["data"]
    assert page["code"] == code and page["name"] == "老王面馆" and page["uscc"] == uscc
    assert page["station"]["name"] == "测试商圈服务站"
    assert page["station"]["kind"] == "service_station"
    assert page["hotline_12315"] == "12315"
    by_number = {c["number"]: c for c in page["credentials"]}
    assert by_number[uscc]["status"] == "valid" and by_number[uscc]["days_left"] is None
    assert by_number["JY13205810000001"]["status"] == "expiring"
    assert by_number["JY13205810000001"]["days_left"] == 10
    assert by_number["JK001"]["status"] == "expired" and by_number["JK001"]["days_left"] == -3
    assert by_number["JK001"]["holder"] == "王**"
    assert by_number["JK002"]["holder"] == "李*"
    kinds = {c["kind"]: c for c in page["commitments"]}
    assert "15 天内线下无理由退货" in kinds["no_reason_return"]["summary"]
    assert "食品、定制商品" in kinds["no_reason_return"]["summary"]
    assert "500 元以内当场赔付" in kinds["first_payout"]["summary"]
    assert kinds["first_payout"]["terms"]["payer"] == "商场"
    assert kinds["first_inquiry"]["version"] == 1
    assert page["badges"][0]["title"] == "放心消费示范店"
    assert page["complaints_open"] is True
    assert page["credential_alerts"] == 2


def test_store_page_unknown_code_404_store_not_found(client):
    resp = client.get("/api/mp/v1/stores/" + codes.generate())
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "store_not_found"
    assert "未找到该店铺" in resp.get_json()["error"]["message"]


def test_store_page_malformed_code_404_without_500(client):
    for bad in ["x", "ABCDEFGH", "' OR 1=1 --", "测试店铺码", "a" * 500, "%00"]:
        resp = client.get("/api/mp/v1/stores/" + quote(bad, safe=""))
        assert resp.status_code == 404, bad
        assert resp.get_json()["error"]["code"] in {"store_not_found", "not_found"}


def test_store_page_revoked_code_410_never_the_store(app, client):
    with app.app_context():
        store, _ = _store_with_everything()
        old = store.active_code.code
    assert client.get(f"/api/mp/v1/stores/{old}").status_code == 200  # warm the cache
    with app.app_context():
        new = codes.revoke_and_reissue(old, "遗失").code
        db.session.commit()
    resp = client.get(f"/api/mp/v1/stores/{old}")
    assert resp.status_code == 410
    body = resp.get_json()
    assert body["error"]["code"] == "code_revoked" and "老王面馆" not in resp.get_data(as_text=True)
    assert client.get(f"/api/mp/v1/stores/{new}").get_json()["data"]["name"] == "老王面馆"


def test_store_page_station_falls_back_to_region_office_then_centre(app, client):
    with app.app_context():
        city = factories.city()
        in_region = factories.store(region=city["region"])
        nowhere = factories.store()
        db.session.commit()
        a, b = in_region.active_code.code, nowhere.active_code.code
    assert client.get(f"/api/mp/v1/stores/{a}").get_json()["data"]["station"]["name"] == "测试市场监管所"
    assert client.get(f"/api/mp/v1/stores/{b}").get_json()["data"]["station"]["name"] == "测试区12315中心"


def test_scan_q_ordinary_link_gives_code(app, client):
    with app.app_context():
        store = factories.store()
        db.session.commit()
        code = store.active_code.code
    q = quote(f"https://yidian.example.cn/s/{code}", safe="")
    resp = client.get(f"/api/mp/v1/scan?q={q}")
    assert resp.status_code == 200 and resp.get_json()["data"]["code"] == code
    resp = client.get(f"/api/mp/v1/scan?scene={code.lower()}")
    assert resp.get_json()["data"]["code"] == code


def test_scan_unrecognised_input_404(client):
    for query in ["", "?q=https%3A%2F%2Fevil.example%2Fx", "?scene=%E4%B8%AD", "?q=%2Fs%2FABCDEFGH"]:
        resp = client.get("/api/mp/v1/scan" + query)
        assert resp.status_code == 404
        assert resp.get_json()["error"]["code"] == "scan_unrecognised"


def test_api_unknown_path_and_method_answer_in_envelope(client):
    resp = client.get("/api/mp/v1/nothing-here")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.delete("/api/mp/v1/scan")
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_document_describes_every_route(app, client):
    doc = client.get("/api/mp/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/mp/v1/") or rule.endpoint == "mp.openapi_document":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in described, (path, method)
    assert "StorePageOut" in doc["components"]["schemas"]
