"""The H5 store page for any phone camera, and the ordinary-link verification file."""

import datetime as dt
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.stores import codes
from app.stores.models import CommitmentKind, CredentialKind
from tests import factories, helpers


def _store(app, name="阿香米线"):
    with app.app_context():
        city = factories.city()
        store = factories.store(name=name, circle=city["circle"], address="步行街 12 号")
        factories.credential(
            store,
            CredentialKind.HEALTH_CERTIFICATE,
            number="JK9",
            holder="张三",
            holder_is_person=True,
            valid_until=today_cn() - dt.timedelta(days=1),
        )
        factories.commitment(store, CommitmentKind.NO_REASON_RETURN, {"days": 7, "exclusions": ["食品"]})
        db.session.commit()
        return store.active_code.code


def test_h5_store_page_readable_without_javascript(app, client):
    code = _store(app)
    resp = client.get(f"/s/{code}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<script" not in html
    assert "阿香米线" in html and "步行街 12 号" in html
    assert "已过期" in html and "张*" in html and "张三" not in html
    assert "7 天内线下无理由退货" in html
    assert "测试商圈服务站" in html and "12315" in html
    assert "我要投诉" in html and f"/s/{code}/open" in html
    assert 'name="viewport"' in html


def test_h5_store_text_escaped(app, client):
    code = _store(app, name='<script>alert("x")</script>店')
    html = client.get(f"/s/{code}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_h5_unknown_code_friendly_404(client):
    resp = client.get("/s/" + codes.generate())
    assert resp.status_code == 404
    assert "未找到该店铺" in resp.get_data(as_text=True)


def test_h5_revoked_code_410_page(app, client):
    code = _store(app)
    with app.app_context():
        codes.revoke_and_reissue(code)
        db.session.commit()
    resp = client.get(f"/s/{code}")
    assert resp.status_code == 410
    html = resp.get_data(as_text=True)
    assert "已作废" in html and "阿香米线" not in html


def test_h5_verify_file_served_under_rule_path_and_root(app, client):
    app.config["WECHAT_MP_VERIFY_FILE"] = "a1B2c3D4e5.txt:f0e1d2c3b4a5"
    try:
        for path in ("/s/a1B2c3D4e5.txt", "/a1B2c3D4e5.txt"):
            resp = client.get(path)
            assert resp.status_code == 200 and resp.get_data(as_text=True) == "f0e1d2c3b4a5"
            assert resp.mimetype == "text/plain"
        assert client.get("/s/other.txt").status_code == 404
        assert client.get("/other.txt").status_code == 404
    finally:
        app.config["WECHAT_MP_VERIFY_FILE"] = None


@helpers.fuzz_settings(60)
@given(
    segment=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60)
)
def test_h5_any_address_a_page_never_a_server_error(app, client, segment):
    for path in (
        f"/s/{quote(segment, safe='')}",
        f"/{quote(segment, safe='')}.txt",
        f"/s/{quote(segment, safe='')}.txt",
    ):
        res = client.get(path)
        assert res.status_code < 500, (path, res.status_code)  # a page, a 404, or a redirect for "//"


# --- the complain button outside WeChat: a URL Link (or Scheme) to the mini-program --------------------


def _open(client, code):
    return client.get(f"/s/{code}/open")


def test_open_button_redirects_to_a_cached_url_link_refreshed_before_expiry(app, client, emulator):
    from app.core.redis_client import get_redis
    from app.stores import mp_link

    code = _store(app)
    first = _open(client, code)
    assert first.status_code == 302 and first.location.startswith("https://wxaurl.cn/")
    assert _open(client, code).location == first.location  # cached: WeChat asked once
    assert len(emulator.calls("generate_urllink")) == 1
    (link,) = emulator.links()
    assert link["query"] == f"code={code}" and link["env_version"] == "release"
    with app.app_context():
        key = mp_link.KEY.format(code=code)
        ttl = get_redis().ttl(key)
        # Kept until a day before WeChat's 30 days end, never up to the last moment.
        assert 28 * 86400 < ttl <= 29 * 86400
        get_redis().delete(key)  # as Redis does when that day comes
    renewed = _open(client, code)
    assert renewed.location != first.location and len(emulator.links()) == 2


def test_open_button_falls_back_to_a_url_scheme_then_to_a_chinese_page(app, client, emulator):
    code = _store(app)
    emulator.fault("generate_urllink", errcode=85400, times=1)  # URL Link quota used up
    emulator.fault("generatescheme", errcode=85401, times=1)  # and the Scheme quota too
    refused = _open(client, code)
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert "暂时无法打开小程序" in html and "在微信中扫描店内张贴的店铺码" in html
    assert "85401" not in html and "errcode" not in html

    emulator.fault("generate_urllink", errcode=85400, times=1)
    scheme = _open(client, code)  # nothing was cached from the refusal: WeChat is asked again
    assert scheme.status_code == 302 and scheme.location.startswith("weixin://dl/business/?t=")
    assert [link["kind"] for link in emulator.links()] == ["scheme"]


def test_open_button_of_unknown_and_revoked_codes_answers_like_the_store_page(app, client, emulator):
    assert _open(client, codes.generate()).status_code == 404
    code = _store(app)
    with app.app_context():
        codes.revoke_and_reissue(code)
        db.session.commit()
    gone = _open(client, code)
    assert gone.status_code == 410 and "已作废" in gone.get_data(as_text=True)
    assert emulator.links() == []


def test_home_page_and_store_lookup(app, client):
    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "一店一码" in html and 'action="/s"' in html and 'href="/oa/"' in html
    code = _store(app)
    found = client.get("/s", query_string={"code": f" {code.lower()} "})
    assert found.status_code == 303 and found.location.endswith(f"/s/{code}")
    empty = client.get("/s", query_string={"code": "  "})
    assert empty.status_code == 400 and "请输入店铺码" in empty.get_data(as_text=True)


def test_error_pages_outside_the_api_are_chinese_and_the_api_keeps_its_envelope(app, client):
    for method, path, status, title in (
        ("get", "/nothing/here", 404, "页面不存在"),
        ("post", "/s/ABCDEFGH", 405, "无法这样打开此页面"),
        ("delete", "/", 405, "无法这样打开此页面"),
    ):
        resp = getattr(client, method)(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == status and resp.mimetype == "text/html"
        assert title in html and "返回一店一码首页" in html and "Not Found" not in html
    api = client.get("/api/mp/v1/nothing")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_an_unexpected_failure_is_a_chinese_500_page(app, client, monkeypatch):
    from app.stores import cache

    def broken(code, **kw):
        raise RuntimeError("database on fire")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(cache, "get_page", broken)  # the one way to make a real page fail on demand
    resp = client.get("/s/ABCDEFGH")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "服务暂时出错" in html and "database on fire" not in html
    assert "Internal Server Error" not in html
