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
    assert "如何投诉" in html
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
