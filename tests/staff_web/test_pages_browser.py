"""The staff H5 pages (/oa) in Debian's chromium at phone size, as a station worker uses them: WeChat's
silent OAuth through the emulator, the list, a case accepted, replied to and resolved, closed cases.
Screenshots: tests/screenshots/staff_*.png (gitignored)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.complaints.models import Complaint, Status
from app.core.extensions import db
from app.core.timeutil import utcnow
from tests import helpers
from tests.conftest import TEST_OA_APPID
from tests.official_account.test_callback import HANDLER, open_case
from tests.staff_web.test_pages import file_complaint, status_of
from tests.web.conftest import PHONE, screenshot


@pytest.fixture
def worker(app, monkeypatch, oauth, live_server, phone):
    """The phone, logged in as the service station's handler through WeChat's authorize page."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)  # where WeChat sends the browser back
    oauth.oauth_user(openid=HANDLER, appid=TEST_OA_APPID)
    return phone


def visible_text(page) -> str:
    return page.inner_text("body")


def assert_chinese_only(page) -> None:
    text = visible_text(page)
    assert helpers.english_words(text) == [], text
    assert helpers.english_words(page.title()) == [], page.title()


def bottom(page, locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def assert_tap_target(locator) -> None:
    box = locator.bounding_box()
    assert box["height"] >= 44, box


def test_a_worker_takes_a_case_from_list_to_resolution(app, client, emulator, worker, live_server):
    shop = helpers.shop(app)
    number, _ = file_complaint(app, client, emulator, shop)
    late = open_case(app, filed_at=utcnow() - dt.timedelta(days=20))
    page = worker

    page.goto(f"{live_server}/oa/")  # no session: WeChat's authorize page (the emulator) and back
    assert page.url.partition("#")[0] == f"{live_server}/oa/"  # WeChat's #wechat_redirect rides along
    screenshot(page, "staff_list")
    assert page.locator("h1").inner_text() == "待办投诉"
    assert_chinese_only(page)
    overdue = page.locator("li", has_text=late).locator(".overdue")
    assert "已超期" in overdue.inner_text()
    fresh = page.locator("li", has_text=number).inner_text()
    assert "剩余" in fresh and str(utcnow().year) not in fresh.split("剩余")[0]  # this year: no year
    assert_tap_target(page.get_by_role("link", name=number))

    page.get_by_role("link", name=number).click()
    page.wait_for_url(f"{live_server}/oa/complaints/{number}")
    screenshot(page, "staff_case_new")
    assert_chinese_only(page)
    accept = page.get_by_role("button", name="受理")
    assert bottom(page, accept) <= PHONE["height"]  # the action above the fold
    assert_tap_target(accept)
    deadlines = page.locator("section", has_text="处理期限").inner_text()
    assert "剩余" in deadlines and "前" in deadlines

    accept.click()
    page.wait_for_url(f"{live_server}/oa/complaints/{number}?done=*")
    assert "已受理" in page.locator("section.notice").inner_text()
    assert status_of(app, number) == "accepted"
    screenshot(page, "staff_case_accepted")
    assert_chinese_only(page)
    reply = page.locator("#reply-text")
    assert bottom(page, reply) <= PHONE["height"]
    reply.fill("您好，已联系商家，明天上午给您答复。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live_server}/oa/complaints/{number}?done=*")
    assert "您好，已联系商家" in page.locator("section", has_text="处理记录").inner_text()

    page.locator("summary", has_text="办结").click()
    page.select_option("#resolve-outcome", label="调解达成协议")
    page.fill("#resolve-amount", "299")
    resolve = page.locator("form[action$='/resolve'] button")
    assert_tap_target(resolve)
    screenshot(page, "staff_case_resolve_form")
    resolve.click()
    page.wait_for_url(f"{live_server}/oa/complaints/{number}?done=*")
    assert status_of(app, number) == "resolved"
    screenshot(page, "staff_case_resolved")
    assert_chinese_only(page)
    assert "挽回经济损失 299.00 元" in visible_text(page)

    # A mistake in the form: the page says so in Chinese, and keeps what was typed.
    page.goto(f"{live_server}/oa/complaints/{late}")
    page.get_by_role("button", name="受理").click()
    page.wait_for_url(f"{live_server}/oa/complaints/{late}?done=*")
    page.locator("summary", has_text="办结").click()
    page.select_option("#resolve-outcome", label="终止调解")
    page.fill("#resolve-text", "双方分歧较大")
    page.locator("form[action$='/resolve'] button").click()
    page.wait_for_load_state()
    screenshot(page, "staff_case_resolve_error")
    assert page.locator("section.error").is_visible()
    assert bottom(page, page.locator("section.error")) <= PHONE["height"]
    assert page.input_value("#resolve-text") == "双方分歧较大"
    assert page.input_value("#resolve-outcome") == "terminated"  # not back to the first outcome
    late_mark = page.locator("header .overdue")  # overdue, and readable on the red header
    assert "已超期" in late_mark.inner_text()
    text_colour, behind = late_mark.evaluate(
        "e => { let b = e; while (getComputedStyle(b).backgroundColor === 'rgba(0, 0, 0, 0)') b = b.parentElement;"
        " return [getComputedStyle(e).color, getComputedStyle(b).backgroundColor]; }"
    )
    assert text_colour != behind  # once red on red: invisible
    assert_chinese_only(page)


def test_closed_cases_are_reachable_with_the_year(app, client, emulator, worker, live_server):
    helpers.shop(app)
    filed = utcnow() - dt.timedelta(days=400)
    old = open_case(app, status=Status.CLOSED, filed_at=filed)
    with app.app_context():  # worked in time, as the flow leaves a closed case
        for row in db.session.scalar(sa.select(Complaint).where(Complaint.number == old)).deadlines:
            row.met_at = filed + dt.timedelta(days=1)
        db.session.commit()
    page = worker

    page.goto(f"{live_server}/oa/")
    assert page.url.partition("#")[0] == f"{live_server}/oa/"  # WeChat's #wechat_redirect rides along
    assert "暂无待处理的投诉" in visible_text(page)
    page.get_by_role("link", name="查看已办结的投诉").click()
    page.wait_for_url(f"{live_server}/oa/?closed=1")
    screenshot(page, "staff_list_closed")
    assert_chinese_only(page)
    row = page.locator("li", has_text=old).inner_text()
    year = filed.year
    assert f"{year}年" in row  # not this year: the date carries it

    page.get_by_role("link", name=old).click()
    page.wait_for_url(f"{live_server}/oa/complaints/{old}")
    screenshot(page, "staff_case_closed")
    assert_chinese_only(page)
    assert "已结案" in page.locator("header").inner_text()
    assert page.locator("form").count() == 0  # nothing left to do
    assert f"{year}年" in page.locator("section", has_text="基本信息").inner_text()
    assert "已超期" not in visible_text(page) and f"已完成 {year}年" in visible_text(page)
