"""The console's forms and addresses under generated input (hypothesis): never a server error, an HTML
page in Chinese for every refusal, and nothing of another subtree shown to a scoped account.
Same examples on every run (tests.helpers.fuzz_settings); FUZZ_SCALE / FUZZ_RANDOM as elsewhere.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.extensions import db
from app.directory.editing import EDITABLE
from app.directory.models import BusinessCircle, Region, Station
from tests import helpers
from tests.console.world import ORIGIN, add_regions, build, csrf, login

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
VALUES = st.one_of(
    st.sampled_from(
        ["", "0", "7", "366", "是", "否", "长期", "2026-02-30", "甲商圈", "乙商圈服务站", "a\x00b", "1e309"]
    ),
    TEXT,
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)
OTHER = "乙家超市"  # store B: outside office A's subtree


@pytest.fixture
def world(app, client):
    ids = build(app)
    login(client, "op-a")
    return ids


def _check(resp, *, scoped: bool = True):
    assert resp.status_code < 500, resp.status_code
    if resp.mimetype == "text/html":
        text = resp.get_data(as_text=True)
        assert "<html" in text and "Traceback" not in text
        if scoped:
            assert OTHER not in text


@helpers.fuzz_settings(25)
@given(form=st.dictionaries(st.sampled_from([*EDITABLE, "uscc", "reason", "x"]), VALUES, max_size=6))
def test_store_form_never_a_server_error(app, client, world, form):
    token = csrf(client)
    resp = client.post(
        f"/admin/stores/{world['code_a']}", data={"csrf_token": token, **form}, headers={"Origin": ORIGIN}
    )
    _check(resp)
    reason = form.get("reason", "")
    resp = client.post(
        f"/admin/stores/{world['code_a']}/reissue",
        data={"csrf_token": token, "reason": reason},
        headers={"Origin": ORIGIN},
    )
    _check(resp)
    if resp.status_code == 303:  # the store has a new code now
        world["code_a"] = resp.headers["Location"].split("/admin/stores/")[1].split("?")[0]


@helpers.fuzz_settings(15)
@given(token=TEXT)
def test_wechat_login_form_never_a_server_error(app, world, token):
    browser = app.test_client()
    browser.get("/admin/login/wechat")
    resp = browser.post("/admin/login/wechat", data={"token": token}, headers={"Origin": ORIGIN})
    assert resp.status_code == 401
    _check(resp)


@helpers.fuzz_settings(25)
@given(username=TEXT, password=TEXT, totp=TEXT)
def test_login_form_never_a_server_error(app, world, username, password, totp):
    browser = app.test_client()
    resp = browser.post(
        "/admin/login",
        "/admin/login/wechat",
        data={"username": username, "password": password, "totp": totp},
        headers={"Origin": ORIGIN},
    )
    assert resp.status_code in (401, 403, 429), resp.status_code
    _check(resp)


@helpers.fuzz_settings(20)
@given(
    body=st.one_of(
        st.binary(max_size=300), TEXT.map(lambda t: ("店铺名称,统一社会信用代码\r\n" + t).encode())
    ),
    name=st.sampled_from(["a.csv", "b.xlsx", "c.xls", "d", "店铺.CSV", ""]),
    kind=st.sampled_from(["stores", "stations", "", "x"]),
)
def test_import_upload_never_a_server_error(app, client, world, body, name, kind):
    login(client, "admin")
    resp = client.post(
        "/admin/imports",
        data={"csrf_token": csrf(client), "kind": kind, "file": (io.BytesIO(body), name)},
        headers={"Origin": ORIGIN},
        content_type="multipart/form-data",
    )
    _check(resp, scoped=False)
    login(client, "op-a")


@helpers.fuzz_settings(20)
@given(
    form=st.dictionaries(st.sampled_from(["username", "password", "station_id", "role"]), VALUES, max_size=4)
)
def test_user_form_never_a_server_error(app, client, world, form):
    login(client, "admin-b")
    resp = client.post("/admin/users", data={"csrf_token": csrf(client), **form}, headers={"Origin": ORIGIN})
    _check(resp, scoped=False)
    assert "甲记面馆" not in resp.get_data(as_text=True)
    login(client, "op-a")


SEGMENT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40)
QUERY = st.dictionaries(
    st.sampled_from(
        [
            "q",
            "store",
            "circle",
            "station",
            "size",
            "actor",
            "action",
            "target",
            "since",
            "until",
            "next",
            "done",
            "from",
            "to",
            "by",
            "page",
            "industry",
            "layer",
            "personal",
            "number",
        ]
    ),
    st.one_of(
        SEGMENT,
        st.sampled_from(
            [
                "乙商圈",
                "乙商圈服务站",
                "9999-12-31",
                "0001-01-01",
                "2026-06-30",
                "a4",
                "1",
                "99999999999",
                "week",
            ]
        ),
    ),
    max_size=4,
)


@helpers.fuzz_settings(30)
@given(segment=SEGMENT, query=QUERY, anonymous=st.booleans())
def test_any_console_address_never_a_server_error(app, client, world, segment, query, anonymous):
    browser = app.test_client() if anonymous else client
    part = quote(segment, safe="")
    for path in (
        "/admin/",
        "/admin/login",
        "/admin/stores",
        f"/admin/stores/{part}",
        "/admin/posters.pdf",
        "/admin/audit",
        "/admin/users",
        "/admin/imports",
        "/admin/stations",
        f"/admin/stations/{part}",
        f"/admin/stations/{part}/hand-over",
        "/admin/staff",
        "/admin/credentials",
        "/admin/integrity",
        "/admin/regions",
        f"/admin/regions/{part}",
        f"/admin/circles/{part}",
        f"/admin/imports/template-{part}.csv",
        "/admin/figures",
        "/admin/figures/on_time_check",
        f"/admin/figures/{part}",
        "/admin/map",
        "/admin/map/stores.geojson",
        "/admin/exports/cases.csv",
        "/admin/exports/cases.xlsx",
        "/admin/handoff",
        "/admin/replies",
        f"/admin/exports/cases.{part}",
        "/admin/exports",
        f"/admin/exports/{part}",
        f"/admin/exports/{part}/download",
        "/admin/figures/stores",
        "/admin/review",
        "/admin/cases",
        f"/admin/cases/{part}",
        f"/admin/{part}",
    ):
        resp = browser.get(path, query_string=query)
        resp.get_data()  # a streamed export runs to its end within the request context
        _check(resp)
        if resp.mimetype == "application/pdf" and not anonymous:
            assert resp.status_code == 200


@helpers.fuzz_settings(20)
@given(
    form=st.dictionaries(
        st.sampled_from(["name", "kind", "parent", "region", "address", "phone", "circles"]),
        st.one_of(
            VALUES,
            st.sampled_from(
                ["甲商圈服务站", "甲市场监管所", "乙市场监管所", "service_station", "滨湖区/湖滨街道"]
            ),
        ),
        max_size=7,
    )
)
def test_station_form_never_a_server_error(app, client, world, form):
    resp = client.post(
        "/admin/stations", data={"csrf_token": csrf(client), **form}, headers={"Origin": ORIGIN}
    )
    _check(resp)
    for station_id in (world["station_a"], world["office_b"], "x"):
        resp = client.post(
            f"/admin/stations/{station_id}/close",
            data={"csrf_token": csrf(client)},
            headers={"Origin": ORIGIN},
        )
        _check(resp)


@helpers.fuzz_settings(20)
@given(
    form=st.dictionaries(
        st.sampled_from(["number", "national_number", "filed_on", "decision", "note"]),
        st.one_of(VALUES, st.sampled_from(["approve", "reject", "2026-06-01", "JS-1", "T00000000001"])),
        max_size=5,
    ),
    reply=st.one_of(SEGMENT.map(lambda s: quote(s, safe="")), st.sampled_from(["1", "0", "999999"])),
)
def test_handoff_and_reply_forms_never_a_server_error(app, client, world, form, reply):
    token = csrf(client)
    for path in ("/admin/handoff", f"/admin/replies/{reply}"):
        resp = client.post(path, data={"csrf_token": token, **form}, headers={"Origin": ORIGIN})
        _check(resp)


AREA_VALUES = st.one_of(
    VALUES,
    st.sampled_from(
        [
            "甲街道",
            "乙街道",
            "测试区/甲街道",
            "甲一社区",
            "甲商圈服务站",
            "乙商圈服务站",
            "a/b",
            "/",
            "盐城市",
            "盐城市|南京市",
        ]
    ),
)


@helpers.fuzz_settings(20)
@given(
    region=st.dictionaries(st.sampled_from(["name", "parent", "city", "x"]), AREA_VALUES, max_size=4),
    circle=st.dictionaries(st.sampled_from(["name", "region", "station", "x"]), AREA_VALUES, max_size=4),
)
def test_region_and_circle_forms_never_a_server_error(app, client, world, region, circle):
    if "street_a" not in world:
        world.update(add_regions(app, world))
    token = csrf(client)
    for path, form in (
        ("/admin/regions", region),
        (f"/admin/regions/{world['street_a']}", region),
        (f"/admin/regions/{world['street_b']}", region),
        ("/admin/circles", circle),
        (f"/admin/circles/{world['circle_a']}", circle),
        (f"/admin/circles/{world['circle_b']}", circle),
    ):
        resp = client.post(path, data={"csrf_token": token, **form}, headers={"Origin": ORIGIN})
        _check(resp)
        if path in (f"/admin/regions/{world['street_b']}", f"/admin/circles/{world['circle_b']}"):
            assert resp.status_code == 404  # office B's: not even refused in detail
    with app.app_context():  # nothing of office B's changed
        street_b = db.session.get(Region, world["street_b"])
        circle_b = db.session.get(BusinessCircle, world["circle_b"])
        assert (street_b.name, street_b.parent.name, street_b.city) == ("乙街道", "测试区", None)
        assert (circle_b.name, circle_b.station.name) == ("乙商圈", "乙商圈服务站")


@helpers.fuzz_settings(20)
@given(form=st.dictionaries(st.sampled_from(["to", "reason", "x"]), VALUES, max_size=3))
def test_hand_over_form_never_a_server_error(app, client, world, form):
    token = csrf(client)
    for station_id in (world["station_a"], world["office_a"], world["office_b"], "x"):
        resp = client.post(
            f"/admin/stations/{station_id}/hand-over",
            data={"csrf_token": token, **form},
            headers={"Origin": ORIGIN},
        )
        _check(resp)
        assert resp.status_code in (303, 403, 404, 409, 422), resp.status_code
    with app.app_context():  # office B's station is never closed by office A's operator
        assert db.session.get(Station, world["office_b"]).closed_at is None


@helpers.fuzz_settings(20)
@given(query=QUERY, fmt=st.sampled_from(["csv", "xlsx", "pdf"]))
def test_asking_the_worker_for_an_export_never_a_server_error(app, client, world, query, fmt):
    resp = client.post(
        f"/admin/exports/cases.{fmt}",
        query_string=query,
        data={"csrf_token": csrf(client)},
        headers={"Origin": ORIGIN},
    )
    _check(resp)
    assert resp.status_code in (303, 403, 404, 422), resp.status_code
    if resp.status_code == 303:  # the job's page, of this account
        _check(client.get(resp.headers["Location"]))
