"""Staff H5 pages (/oa): WeChat OAuth through the emulator, sandbox links, the case page and its forms."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from app.complaints import flow
from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.staff import h5_sessions
from app.staff.models import Staff, StaffRole
from app.stores.models import Store
from tests import factories, helpers, images
from tests.conftest import TEST_OA_APPID, TEST_OA_SECRET
from tests.official_account.test_callback import HANDLER, say

API = "/api/mp/v1"
BASE = "https://yidian.example.cn"  # PUBLIC_BASE_URL of the test apps


# ------------------------------------------------------------------------------------------- helpers


@pytest.fixture
def sandbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_SANDBOX", True)


def file_complaint(app, client, emulator, shop, user="alice", **overrides) -> tuple[str, dict]:
    consumer = helpers.login(client, emulator, user)
    resp = client.post(
        f"{API}/stores/{shop['code']}/complaints",
        json=helpers.body(**overrides),
        headers={**consumer, **helpers.key()},
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["data"]["number"], consumer


def consumer_view(client, number, consumer) -> dict:
    resp = client.get(f"{API}/complaints/{number}", headers=consumer)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["data"]


def staff_id(app, openid: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == openid))


def other_station_handler(app) -> int:
    with app.app_context():
        station = factories.station(name="别处商圈服务站")
        staff = Staff(name="赵干事", role=StaffRole.HANDLER, station=station, oa_openid="oa-other-1")
        db.session.add(staff)
        db.session.commit()
        return staff.id


def oauth_login(client, wechat_api_base, openid: str, path: str = "/oa/"):
    """Open `path` without a session and go through WeChat's authorize page (the emulator) over HTTP."""
    first = client.get(path, base_url=BASE)
    assert first.status_code == 302, first.get_data(as_text=True)
    location = first.headers["Location"]
    assert location.startswith(f"{wechat_api_base}/connect/oauth2/authorize?")
    url, _, fragment = location.partition("#")
    assert fragment == "wechat_redirect"
    back = requests.get(url + "&openid=" + openid, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}" == BASE and callback.path == "/oa/auth"
    return client.get(f"{callback.path}?{callback.query}", base_url=BASE)


def login_as(client, wechat_api_base, openid: str) -> None:
    resp = oauth_login(client, wechat_api_base, openid)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/oa/"), resp.get_data(as_text=True)


def page(client, number: str):
    return client.get(f"/oa/complaints/{number}", base_url=BASE)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def post(client, number: str, action: str, data: dict | None = None, *, token: str | None = None, **kw):
    if token is None:
        token = csrf_of(page(client, number).get_data(as_text=True))
    form = {"csrf_token": token, **(data or {})}
    headers = kw.pop("headers", {"Origin": BASE})
    return client.post(f"/oa/complaints/{number}/{action}", data=form, base_url=BASE, headers=headers, **kw)


def status_of(app, number: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Complaint.status).where(Complaint.number == number)).value


# --------------------------------------------------------------------------------------------- OAuth


def test_oauth_round_trip_logs_bound_handler_in(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)

    first = page(client, number)
    assert first.status_code == 302
    query = parse_qs(urlsplit(first.headers["Location"].partition("#")[0]).query)
    assert query["appid"] == [TEST_OA_APPID] and query["scope"] == ["snsapi_base"]
    assert query["response_type"] == ["code"] and query["redirect_uri"] == [f"{BASE}/oa/auth"]
    assert re.fullmatch(r"[A-Za-z0-9]{1,128}", query["state"][0])  # WeChat's rule for state

    done = oauth_login(client, wechat_api_base, "oa-handler-1", f"/oa/complaints/{number}")
    assert done.status_code == 302 and done.headers["Location"] == f"/oa/complaints/{number}"
    cookie = next(h for h in done.headers.getlist("Set-Cookie") if h.startswith("oa_staff="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie and "Path=/oa" in cookie

    shown = page(client, number)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert number in html and "优衣坊服饰" in html and "羽绒服第二天就开线了" in html
    assert "张三" in html and "13812345678" in html and "<script" not in html
    assert (
        shown.headers["Cache-Control"] == "no-store"
        and "frame-ancestors 'none'" in shown.headers["Content-Security-Policy"]
    )
    exchanges = oauth.calls("oauth2_access_token")
    assert len(exchanges) == 1 and exchanges[0]["query"]["secret"] == "***" and exchanges[0]["errcode"] == 0


def test_oauth_list_shows_open_cases_of_my_station(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    oauth.oauth_user(openid="oa-handler-1", appid=TEST_OA_APPID)  # the emulator's "browser" user
    first = client.get("/oa/", base_url=BASE)
    back = requests.get(first.headers["Location"].partition("#")[0], allow_redirects=False, timeout=5)
    callback = urlsplit(back.headers["Location"])
    assert client.get(f"{callback.path}?{callback.query}", base_url=BASE).status_code == 302
    html = client.get("/oa/", base_url=BASE).get_data(as_text=True)
    assert number in html and "优衣坊服饰" in html and "站点首次响应" in html


def test_oauth_unbound_openid_gets_polite_page_and_no_data(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    resp = oauth_login(client, wechat_api_base, "o-stranger", f"/oa/complaints/{number}")
    assert resp.status_code == 403
    html = resp.get_data(as_text=True)
    assert "尚未绑定" in html and number not in html and "羽绒服" not in html
    assert page(client, number).status_code == 302  # still no session: back to WeChat


def test_oauth_used_code_forged_state_and_other_browser_refused(app, client, oauth, wechat_api_base):
    helpers.shop(app)
    first = client.get("/oa/", base_url=BASE)
    back = requests.get(
        first.headers["Location"].partition("#")[0] + "&openid=oa-handler-1", allow_redirects=False, timeout=5
    )
    callback = urlsplit(back.headers["Location"])
    params = parse_qs(callback.query)
    code, state = params["code"][0], params["state"][0]

    stranger = app.test_client()  # never visited /oa: no nonce cookie for this state
    assert stranger.get(f"/oa/auth?code={code}&state={state}", base_url=BASE).status_code == 400
    forged = ("0" if state[0] != "0" else "1") + state[1:]
    assert client.get(f"/oa/auth?code={code}&state={forged}", base_url=BASE).status_code == 400
    assert client.get(f"/oa/auth?state={state}", base_url=BASE).status_code == 400
    assert oauth.calls("oauth2_access_token") == []  # none of these reached WeChat

    # Someone else spends the code first (WeChat codes are single-use): the worker is refused politely.
    spent = requests.get(
        f"{wechat_api_base}/sns/oauth2/access_token",
        params={
            "appid": TEST_OA_APPID,
            "secret": TEST_OA_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
        timeout=5,
    )
    assert spent.json()["openid"] == "oa-handler-1"
    reused = client.get(f"/oa/auth?code={code}&state={state}", base_url=BASE)
    assert reused.status_code == 400 and "授权失败" in reused.get_data(as_text=True)
    assert [c["errcode"] for c in oauth.calls("oauth2_access_token")] == [0, 40029]
    assert client.get("/oa/", base_url=BASE).status_code == 302  # not logged in


def test_oauth_wechat_down_is_a_polite_503(app, client, oauth, wechat_api_base):
    helpers.shop(app)
    oauth.fault("oauth2_access_token", "http", status=502)
    resp = oauth_login(client, wechat_api_base, "oa-handler-1")
    assert resp.status_code == 503 and "稍后" in resp.get_data(as_text=True)


def test_oauth_state_expires(app):
    with app.app_context():
        nonce = h5_sessions.new_nonce()
        state = h5_sessions.oauth_state("T261122ABCDEF", nonce, now=time.time() - 3600)
        assert h5_sessions.read_oauth_state(state, nonce) is None
        fresh = h5_sessions.oauth_state("T261122ABCDEF", nonce)
        assert h5_sessions.read_oauth_state(fresh, nonce) == "T261122ABCDEF"
        assert h5_sessions.read_oauth_state(fresh, h5_sessions.new_nonce()) is None


# ------------------------------------------------------------------------------------- sandbox links


def test_sandbox_signed_link_logs_in_and_cli_prints_it(app, client, runner, emulator, sandbox):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, emulator, shop)
    handler = staff_id(app, "oa-handler-1")
    printed = runner.invoke(args=["staff", "link", str(handler), number])
    assert printed.exit_code == 0, printed.output
    link = printed.output.strip()
    assert link.startswith(f"{BASE}/oa/complaints/{number}?sig=")

    parts = urlsplit(link)
    resp = client.get(f"{parts.path}?{parts.query}", base_url=BASE)
    assert resp.status_code == 302 and resp.headers["Location"] == f"/oa/complaints/{number}"
    shown = page(client, number)
    assert shown.status_code == 200 and "羽绒服第二天就开线了" in shown.get_data(as_text=True)


def test_sandbox_signed_link_tampered_expired_or_other_case_refused(
    app, client, emulator, sandbox, monkeypatch
):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, emulator, shop)
    other, _ = file_complaint(app, client, emulator, shop, user="bob")
    handler = staff_id(app, "oa-handler-1")
    with app.app_context():
        staff = db.session.get(Staff, handler)
        good = h5_sessions.link_for(staff, number)
        monkeypatch.setattr(
            "itsdangerous.timed.TimestampSigner.get_timestamp",
            lambda self: int(time.time()) - 8 * 24 * 3600,
        )
        expired = h5_sessions.link_for(staff, number)
        monkeypatch.undo()
    monkeypatch.setitem(app.config, "WECHAT_SANDBOX", True)
    sig = parse_qs(urlsplit(good).query)["sig"][0]
    tampered = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    for url in (
        f"/oa/complaints/{number}?sig={tampered}",
        f"/oa/complaints/{number}?sig={parse_qs(urlsplit(expired).query)['sig'][0]}",
        f"/oa/complaints/{other}?sig={sig}",
        f"/oa/complaints/{number}?sig=",
    ):
        resp = client.get(url, base_url=BASE)
        assert resp.status_code == 403, url
        assert "链接已失效" in resp.get_data(as_text=True) and "羽绒服" not in resp.get_data(as_text=True)
    assert page(client, number).status_code == 302  # nothing logged in


def test_signed_link_ignored_outside_sandbox(app, client, emulator, monkeypatch):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, emulator, shop)
    with app.app_context():
        staff = db.session.get(Staff, staff_id(app, "oa-handler-1"))
        monkeypatch.setitem(app.config, "WECHAT_SANDBOX", True)
        signed = h5_sessions.link_for(staff, number)
        monkeypatch.setitem(app.config, "WECHAT_SANDBOX", False)
        assert h5_sessions.link_for(staff, number) == f"{BASE}/oa/complaints/{number}"
    parts = urlsplit(signed)
    resp = client.get(f"{parts.path}?{parts.query}", base_url=BASE)
    assert resp.status_code == 302 and "/connect/oauth2/authorize" in resp.headers["Location"]


# ------------------------------------------------------------------------------------ page and photos


def test_page_photos_readable_by_station_staff_only(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    alice = helpers.login(client, oauth, "alice")
    photo = client.post(
        f"{API}/uploads",
        headers=alice,
        data={"file": (io.BytesIO(images.jpeg()), "receipt.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    ).get_json()["data"]["id"]
    number, _ = file_complaint(app, client, oauth, shop, evidence=[photo], amount="60000")
    other_station_handler(app)

    assert client.get(f"/oa/uploads/{photo}", base_url=BASE).status_code == 403  # no session

    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, number).get_data(as_text=True)
    assert f"/oa/uploads/{photo}" in html
    assert "涉及金额异常" in html  # abuse flag, on the timeline (internal) and in its own section
    assert "7 天" in html or "15 天" in html  # the commitment snapshot
    img = client.get(f"/oa/uploads/{photo}", base_url=BASE)
    assert img.status_code == 200 and img.mimetype == "image/jpeg" and img.data[:3] == b"\xff\xd8\xff"

    other = app.test_client()
    login_as(other, wechat_api_base, "oa-other-1")
    assert other.get(f"/oa/uploads/{photo}", base_url=BASE).status_code == 404
    refused = other.get(f"/oa/complaints/{number}", base_url=BASE)
    assert refused.status_code == 404 and "未找到" in refused.get_data(as_text=True)
    assert "羽绒服" not in refused.get_data(as_text=True)


def test_xss_in_description_is_escaped(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> 店员态度恶劣还推给厂家'
    number, _ = file_complaint(app, client, oauth, shop, description=attack, name="<b>王五</b>")
    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, number).get_data(as_text=True)
    assert "<script" not in html and "<img src=x" not in html and "<b>王五" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;王五&lt;/b&gt;" in html


def test_report_without_contact_shows_anonymous(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(
        app,
        client,
        oauth,
        shop,
        kind="report",
        name=None,
        phone=None,
        description="这家店卖过期食品，还改生产日期标签。",
    )
    login_as(client, wechat_api_base, "oa-sup-1")  # reports go to the regulatory office
    html = page(client, number).get_data(as_text=True)
    assert "匿名举报" in html and "举报" in html


def test_list_most_urgent_first_overdue_in_red(app, client, oauth, wechat_api_base):
    helpers.shop(app)
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        fresh = factories.complaint(store).number
        old = factories.complaint(store, filed_at=utcnow() - dt.timedelta(days=40)).number
        db.session.commit()
    login_as(client, wechat_api_base, "oa-handler-1")
    html = client.get("/oa/", base_url=BASE).get_data(as_text=True)
    assert html.index(old) < html.index(fresh)
    block = html[html.index(old) : html.index(fresh)]
    assert 'class="overdue"' in block and "已超期" in block


def test_case_page_actions_first_next_deadline_under_the_title(app, client, oauth, wechat_api_base):
    helpers.shop(app)
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        old = factories.complaint(store, filed_at=utcnow() - dt.timedelta(days=40)).number
        db.session.commit()
    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, old).get_data(as_text=True)
    assert html.index("<h2>办理</h2>") < html.index("<h2>基本信息</h2>") < html.index("<h2>处理期限</h2>")
    header = html[html.index("<header>") : html.index("</header>")]
    assert re.search(r'<p class="overdue">站点首次响应：.*前，已超期 \d+ 天</p>', header)  # the next deadline
    deadlines = html[html.index("<h2>处理期限</h2>") :]
    assert re.search(r'class="tag expired">已超期 \d+ 天<', deadlines)
    assert "clue_verification" not in html and "first_response" not in html


def test_running_deadlines_read_as_the_header_does(app, client, oauth, wechat_api_base):
    """'…前，剩余 N 个工作日' in the deadline list, with the comma the header line has."""
    helpers.shop(app)
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        fresh = factories.complaint(store).number
        db.session.commit()
    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, fresh).get_data(as_text=True)
    deadlines = html[html.index("<h2>处理期限</h2>") :]
    assert re.search(r"前，剩余 \d+ (个工作日|天|小时)", deadlines), deadlines[:600]
    assert not re.search(r"前\s+剩余", deadlines)


def test_closed_cases_are_reachable_from_the_list(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    post(client, number, "decline", {"reason_code": "too_old"})
    listing = client.get("/oa/", base_url=BASE).get_data(as_text=True)
    assert number not in listing and 'href="/oa/?closed=1"' in listing
    closed = client.get("/oa/?closed=1", base_url=BASE)
    assert closed.status_code == 200 and number in closed.get_data(as_text=True)
    assert "不予受理" in closed.get_data(as_text=True)
    other_station_handler(app)
    stranger = app.test_client()
    login_as(stranger, wechat_api_base, "oa-other-1")
    assert number not in stranger.get("/oa/?closed=1", base_url=BASE).get_data(as_text=True)


def test_decline_form_cites_the_rules_the_complaint_falls_under(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    earlier, bob = file_complaint(app, client, oauth, shop, user="bob")
    with app.app_context():  # filed before 2026-04-15: the 2022 interim measures apply
        db.session.scalar(sa.select(Complaint).where(Complaint.number == earlier)).rule_set = "interim2022"
        db.session.commit()
    login_as(client, wechat_api_base, "oa-handler-1")
    now = page(client, number).get_data(as_text=True)
    assert "理由（《市场监督管理投诉举报处理办法》第十六条）" in now and "第十六条第六项" in now
    then = page(client, earlier).get_data(as_text=True)
    assert "理由（《市场监督管理投诉举报处理暂行办法》第十五条）" in then and "第十六条" not in then
    refused = post(client, earlier, "decline", {"reason_code": "identity_unverified"})  # an Order 121 ground
    assert refused.status_code == 422 and "暂行办法》第十五条所列情形之一" in refused.get_data(as_text=True)
    assert post(client, earlier, "decline", {"reason_code": "too_old"}).status_code == 303
    timeline = consumer_view(client, earlier, bob)["timeline"]
    assert any("第十五条第四项" in t["text"] for t in timeline)
    post(client, number, "accept")  # the termination grounds too
    assert "仅“终止调解”时填写，《市场监督管理投诉举报处理办法》第二十三条" in page(client, number).get_data(
        as_text=True
    )
    with app.app_context():
        db.session.scalar(sa.select(Complaint).where(Complaint.number == number)).rule_set = "interim2022"
        db.session.commit()
    then = page(client, number).get_data(as_text=True)
    assert "仅“终止调解”时填写，《市场监督管理投诉举报处理暂行办法》第二十一条" in then
    assert "第二十三条" not in then and "四十五个工作日" in then


# -------------------------------------------------------------------------------------- the actions


def test_actions_accept_reply_note_suspend_resume_resolve_reach_consumer(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, alice = file_complaint(app, client, oauth, shop, amount="120")
    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, number).get_data(as_text=True)
    for shown in ("accept", "decline", "reply", "transfer"):
        assert f'action="/oa/complaints/{number}/{shown}"' in html
    for hidden in ("suspend", "resume", "resolve", "merchant_reply"):
        assert f'action="/oa/complaints/{number}/{hidden}"' not in html

    steps = [
        ("accept", {}, "accepted", "已受理您的投诉"),
        ("reply", {"text": "已约商家明天下午到服务站调解"}, "accepted", "已约商家明天下午到服务站调解"),
        ("suspend", {"reason_code": "testing"}, "suspended", "需鉴定、检测"),
        ("resume", {}, "accepted", "处理已恢复"),
        (
            "resolve",
            {"outcome": "agreement", "amount_recovered": "120"},
            "resolved",
            "挽回经济损失 120.00 元",
        ),
    ]
    for action, data, status, seen in steps:
        resp = post(client, number, action, data)
        assert resp.status_code == 303, (action, resp.get_data(as_text=True))
        assert resp.headers["Location"].startswith(f"/oa/complaints/{number}?done=")
        detail = consumer_view(client, number, alice)
        assert detail["status"] == status, action
        assert any(seen in t["text"] for t in detail["timeline"]), (action, detail["timeline"])

    note = post(client, number, "reply", {"text": "消费者情绪激动，注意沟通", "internal": "1"})
    assert note.status_code == 303 and note.headers["Location"].endswith("done=note")
    detail = consumer_view(client, number, alice)
    assert not any("情绪激动" in t["text"] for t in detail["timeline"])
    staff_page = page(client, number).get_data(as_text=True)
    assert "消费者情绪激动" in staff_page and "内部" in staff_page
    with app.app_context():
        channels = db.session.scalars(
            sa.select(ComplaintEvent.channel).where(ComplaintEvent.actor == "staff")
        ).all()
        assert channels and set(channels) == {"h5"}


def test_decline_with_reason_reaches_consumer(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, alice = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    resp = post(client, number, "decline", {"reason_code": "already_handled", "text": "法院已立案"})
    assert resp.status_code == 303
    detail = consumer_view(client, number, alice)
    assert detail["status"] == "declined"
    assert any("法院已立案" in t["text"] and "第十六条第二项" in t["text"] for t in detail["timeline"])


def test_resolve_terminated_needs_reason(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, alice = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    assert post(client, number, "accept").status_code == 303
    missing = post(client, number, "resolve", {"outcome": "terminated", "text": "商家拒绝"})
    assert missing.status_code == 422 and "终止调解需注明理由" in missing.get_data(as_text=True)
    assert "商家拒绝" in missing.get_data(as_text=True)  # what was typed is kept
    done = post(client, number, "resolve", {"outcome": "terminated", "reason_code": "no_agreement"})
    assert done.status_code == 303
    detail = consumer_view(client, number, alice)
    assert detail["status"] == "resolved" and detail["outcome"] == "terminated"


def test_transfer_to_parent_station_supervisor_sees_it(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, alice = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    resp = post(client, number, "transfer", {"station_id": str(shop["office_id"]), "reason": "涉及计量器具"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/oa/?done=transfer")
    detail = consumer_view(client, number, alice)
    assert detail["station"]["name"] == "测试市场监管所"
    assert any("涉及计量器具" in t["text"] for t in detail["timeline"])
    assert page(client, number).status_code == 404  # no longer the handler's station: as if none

    supervisor = app.test_client()
    login_as(supervisor, wechat_api_base, "oa-sup-1")
    assert number in supervisor.get("/oa/", base_url=BASE).get_data(as_text=True)
    assert post(supervisor, number, "accept").status_code == 303
    assert status_of(app, number) == "accepted"


def test_supervisor_of_parent_station_sees_and_works_the_case(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, alice = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-sup-1")
    assert number in client.get("/oa/", base_url=BASE).get_data(as_text=True)
    html = page(client, number).get_data(as_text=True)
    assert "羽绒服第二天就开线了" in html and "测试商圈服务站" in html
    assert page(client, f" {number.lower()}").get_data(as_text=True) == html  # any form of the number
    assert post(client, number, "reply", {"text": "所里已知悉，请服务站尽快处理"}).status_code == 303
    assert any("所里已知悉" in t["text"] for t in consumer_view(client, number, alice)["timeline"])


def test_merchant_replies_settles_or_gives_up(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app, merchant=True)
    number, alice = file_complaint(app, client, oauth, shop, amount="120")
    second, bob = file_complaint(app, client, oauth, shop, user="bob", amount="80")
    assert consumer_view(client, number, alice)["status"] == "merchant_negotiating"
    station = app.test_client()
    login_as(station, wechat_api_base, "oa-handler-1")
    assert post(station, number, "reply", {"text": "站内备注：老客户", "internal": "1"}).status_code == 303

    login_as(client, wechat_api_base, "oa-merchant-1")
    html = page(client, number).get_data(as_text=True)
    assert "13812345678" not in html and "张三" not in html  # the contact stays with the station
    assert "站内备注" not in html  # and so do internal notes
    assert 'action="/oa/complaints/' + number + '/accept"' not in html
    assert post(client, number, "accept").status_code == 403  # not a merchant's action

    assert post(client, number, "merchant_reply", {"text": "可以退款，请带小票到店"}).status_code == 303
    assert post(client, number, "merchant_settle", {"text": "已退款", "amount": "120"}).status_code == 303
    detail = consumer_view(client, number, alice)
    assert detail["status"] == "resolved"
    texts = [t["text"] for t in detail["timeline"]]
    assert any("可以退款，请带小票到店" in t for t in texts) and any("已退款" in t for t in texts)

    assert post(client, second, "to_station").status_code == 303
    assert consumer_view(client, second, bob)["status"] == "with_station"
    after = page(client, second)  # still the merchant's store, but no longer theirs to act on
    assert after.status_code == 200 and "<h2>办理</h2>" not in after.get_data(as_text=True)
    late = post(client, second, "merchant_reply", {"text": "再谈谈"}, token=own_token(app, client))
    assert late.status_code == 409 and "待站点处理" in late.get_data(as_text=True)


def test_merchant_never_sees_a_report(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app, merchant=True)
    number, _ = file_complaint(app, client, oauth, shop, kind="report")
    login_as(client, wechat_api_base, "oa-merchant-1")
    resp = page(client, number)
    assert resp.status_code == 404 and "13812345678" not in resp.get_data(as_text=True)
    assert number not in client.get("/oa/", base_url=BASE).get_data(as_text=True)


def test_invalid_transition_shows_chinese_message_not_500(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    resp = post(client, number, "resume")
    assert resp.status_code == 409 and "当前状态下不能进行此操作" in resp.get_data(as_text=True)
    for station_id in ("999999", "2147483648", "\u19da"):  # beyond INTEGER, a digit int() refuses: were 500s
        bad = post(client, number, "transfer", {"station_id": station_id, "reason": "x"})
        assert bad.status_code == 404 and "未找到该站点" in bad.get_data(as_text=True)
    amount = post(client, number, "accept")
    assert amount.status_code == 303
    wrong = post(client, number, "resolve", {"outcome": "agreement", "amount_recovered": "abc"})
    assert wrong.status_code == 422 and "金额应为数字" in wrong.get_data(as_text=True)
    assert status_of(app, number) == "accepted"
    nul = post(client, number, "reply", {"text": "已联系\x00商家"})  # PostgreSQL stores no NUL: was a 500
    assert nul.status_code == 422 and "内容包含无效字符" in nul.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(sa.select(ComplaintEvent.id).where(ComplaintEvent.action == "replied"))


# ---------------------------------------------------------------------------------- CSRF and access


def test_post_without_or_with_wrong_csrf_token_changes_nothing(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    good = csrf_of(page(client, number).get_data(as_text=True))

    missing = client.post(f"/oa/complaints/{number}/accept", data={}, base_url=BASE)
    assert missing.status_code == 400
    wrong = post(client, number, "accept", token=good[:-1] + ("x" if good[-1] != "x" else "y"))
    assert wrong.status_code == 403
    cross_site = post(client, number, "accept", token=good, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    cross_referer = post(
        client, number, "accept", token=good, headers={"Referer": "https://evil.example/page"}
    )
    assert cross_referer.status_code == 403
    assert status_of(app, number) == "submitted"

    no_session = app.test_client()
    assert (
        no_session.post(
            f"/oa/complaints/{number}/accept", data={"csrf_token": good}, base_url=BASE
        ).status_code
        == 403
    )
    assert status_of(app, number) == "submitted"

    assert post(client, number, "accept", token=good, headers={"Referer": f"{BASE}/oa/"}).status_code == 303
    assert status_of(app, number) == "accepted"


def test_csrf_token_of_another_session_refused(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    mine = csrf_of(page(client, number).get_data(as_text=True))
    again = app.test_client()
    login_as(again, wechat_api_base, "oa-handler-1")  # a new login: a new token
    assert post(again, number, "accept", token=mine).status_code == 403
    assert status_of(app, number) == "submitted"


def test_other_station_worker_refused_on_get_and_post(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    other_station_handler(app)
    login_as(client, wechat_api_base, "oa-other-1")
    assert number not in client.get("/oa/", base_url=BASE).get_data(as_text=True)
    # Issue 11 point 5: another station's case answers exactly as a number that does not exist.
    missing = "T000000000000"
    refused, none = page(client, number), page(client, missing)
    assert refused.status_code == none.status_code == 404 and "未找到" in refused.get_data(as_text=True)
    assert refused.get_data() == none.get_data()
    token = own_token(app, client)  # their own, valid token
    resp, none = post(client, number, "accept", token=token), post(client, missing, "accept", token=token)
    assert resp.status_code == none.status_code == 404 and resp.get_data() == none.get_data()
    assert status_of(app, number) == "submitted"


def own_token(app, client) -> str:
    """The CSRF token of the client's own session (a worker with no page of the case to take it from)."""
    cookie = client.get_cookie("oa_staff", domain="yidian.example.cn", path="/oa")
    with app.app_context():
        return h5_sessions.read_session(cookie.value).csrf


def test_unbinding_ends_the_session(app, client, oauth, wechat_api_base):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, oauth, shop)
    login_as(client, wechat_api_base, "oa-handler-1")
    assert page(client, number).status_code == 200
    with app.app_context():
        staff = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == "oa-handler-1"))
        staff.oa_openid = None
        db.session.commit()
    assert page(client, number).status_code == 302


def test_unknown_complaint_is_a_404_page(app, client, oauth, wechat_api_base):
    helpers.shop(app)
    login_as(client, wechat_api_base, "oa-handler-1")
    resp = client.get("/oa/complaints/T000000NOPE", base_url=BASE)
    assert resp.status_code == 404 and "未找到" in resp.get_data(as_text=True)


def test_mp_verify_file_served_at_root(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_OA_VERIFY_FILE", "MP_verify_AbC123.txt:AbC123")
    resp = client.get("/MP_verify_AbC123.txt")
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "AbC123"
    assert client.get("/MP_verify_other.txt").status_code == 404


# -------------------------------------------------------------------------------- emulator endpoints


def test_emulator_oauth_code_exchange(wechat_api_base, emulator):
    url = f"{wechat_api_base}/sns/oauth2/access_token"
    code = emulator.oauth_code(openid="oa-someone", appid=TEST_OA_APPID)
    params = {
        "appid": TEST_OA_APPID,
        "secret": TEST_OA_SECRET,
        "code": code,
        "grant_type": "authorization_code",
    }
    answer = requests.get(url, params=params, timeout=5).json()
    assert answer["openid"] == "oa-someone" and answer["scope"] == "snsapi_base"
    assert answer["access_token"] and answer["expires_in"] == 7200 and answer["refresh_token"]
    assert requests.get(url, params=params, timeout=5).json()["errcode"] == 40029  # used
    assert requests.get(url, params={**params, "code": "nope"}, timeout=5).json()["errcode"] == 40029
    fresh = emulator.oauth_code(user="carol", appid=TEST_OA_APPID)
    assert (
        requests.get(url, params={**params, "code": fresh, "secret": "x"}, timeout=5).json()["errcode"]
        == 40125
    )
    assert (
        requests.get(
            url, params={**params, "code": fresh, "grant_type": "client_credential"}, timeout=5
        ).json()["errcode"]
        == 40002
    )


def test_emulator_authorize_asks_who_when_nobody_chosen(wechat_api_base, emulator):
    url = f"{wechat_api_base}/connect/oauth2/authorize"
    base = {
        "appid": TEST_OA_APPID,
        "redirect_uri": "https://h.example/cb?x=1",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "abc",
    }
    form = requests.get(url, params=base, allow_redirects=False, timeout=5)
    assert form.status_code == 200 and 'name="openid"' in form.text
    assert requests.get(url, params={**base, "appid": "nope"}, timeout=5).status_code == 400
    emulator.oauth_user(user="dave", appid=TEST_OA_APPID)
    back = requests.get(url, params=base, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    target = urlsplit(back.headers["Location"])
    assert target.netloc == "h.example" and parse_qs(target.query)["x"] == ["1"]
    assert parse_qs(target.query)["state"] == ["abc"]


def test_merchant_first_without_a_merchant_account_shows_the_station_whom_to_call(
    app, client, oauth, wechat_api_base
):
    shop = helpers.shop(app, merchant_contact="王经理", merchant_phone="13800000000")
    number, consumer = file_complaint(app, client, oauth, shop, amount="120")
    assert consumer_view(client, number, consumer)["status"] == "merchant_negotiating"
    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, number).get_data(as_text=True)
    assert "请致电商户联系人 王经理（13800000000）" in html


def test_a_case_moved_to_12315_shows_its_national_number_on_the_page_and_in_the_chat(
    app, client, oauth, wechat_api_base
):
    helpers.shop(app)
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        c = factories.complaint(store)
        filed_on = dt.date(2025, 12, 30)  # last year: the date carries its year
        flow.hand_off_national(c, flow.Actor.system(), "1320211202512300001", filed_on)
        number = c.number
        db.session.commit()
    login_as(client, wechat_api_base, "oa-handler-1")
    html = page(client, number).get_data(as_text=True)
    header = html[html.index("<header>") : html.index("</header>")]
    line = "已转全国12315平台处理：平台案件编号 1320211202512300001，2025年12月30日（星期二）移交"
    assert line in header
    assert line in say(app, client, HANDLER, f"查看 {number}").reply
