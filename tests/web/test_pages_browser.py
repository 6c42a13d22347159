"""The public H5 pages in Debian's chromium at phone size: what a visitor sees first, and that every page
serves its own styles (no CDN). Screenshots: tests/screenshots/ (gitignored)."""

from __future__ import annotations

import datetime as dt

from app.core.extensions import db
from app.core.timeutil import today_cn
from app.stores.models import CommitmentKind, CredentialKind, Industry
from tests import factories, helpers
from tests.web.conftest import PHONE, screenshot


def _pharmacy(app) -> str:
    """A pharmacy as enrolment leaves it: licence number = USCC valid for years, an expired food licence,
    a drug-trade licence, commitments, and a merchant contact with a phone."""
    with app.app_context():
        city = factories.city()
        store = factories.store(
            name="仁和大药房",
            industry=Industry.PHARMACY,
            circle=city["circle"],
            address="湖滨路 188 号",
            merchant_contact="王经理",
            merchant_phone="13800000000",
        )
        today = today_cn()
        factories.credential(
            store,
            CredentialKind.BUSINESS_LICENCE,
            number=store.uscc,
            valid_until=today.replace(year=today.year + 17),
        )
        factories.credential(
            store,
            CredentialKind.DRUG_LICENCE,
            number="苏DA5102001",
            valid_until=today + dt.timedelta(days=900),
        )
        factories.credential(
            store,
            CredentialKind.FOOD_LICENCE,
            number="JY13202110012345",
            valid_until=today - dt.timedelta(days=3),
        )
        factories.commitment(store, CommitmentKind.NO_REASON_RETURN, {"days": 7, "exclusions": ["药品"]})
        factories.commitment(store, CommitmentKind.FIRST_INQUIRY, {"response_hours": 24})
        db.session.commit()
        return store.active_code.code, store.uscc


def _top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_store_page_puts_the_alert_commitments_and_one_complain_button_first(
    app, live_server, phone, emulator
):
    code, uscc = _pharmacy(app)
    phone.goto(f"{live_server}/s/{code}")
    shot = screenshot(phone, "store_page")
    assert shot.stat().st_size > 0

    banner = phone.locator(".banner")
    assert (
        banner.is_visible() and "食品经营许可证已于" in banner.inner_text() and "过期" in banner.inner_text()
    )
    button = phone.get_by_role("link", name="打开“一店一码”小程序投诉")
    assert button.count() == 1
    # Order: banner, commitments, the complain button, then the credentials; the button on the first screen.
    assert (
        _top(phone, ".banner")
        < _top(phone, "text=服务承诺")
        < _top(phone, "#complain")
        < _top(phone, "text=证照信息")
    )
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] and box["width"] > PHONE["width"] * 0.7
    text = phone.inner_text("body")
    assert "药品经营许可证" in text
    assert helpers.english_words(text, allowed=(code, uscc, "DA5102001", "JY13202110012345")) == []
    assert "剩余" not in text  # no countdown for a licence valid for years
    assert text.count(uscc) == 1  # the licence number is the USCC: shown once
    assert "小额纠纷可选择先由商家协商处理" in text  # merchant-first is offered
    assert phone.external == []  # every style and font from this server

    # Outside WeChat the button opens the mini-program through a URL Link from WeChat (the emulator here).
    phone.route(
        "https://wxaurl.cn/**", lambda route: route.fulfill(body="<p>opened</p>", content_type="text/html")
    )
    button.click()
    phone.wait_for_url("https://wxaurl.cn/**")
    (link,) = emulator.links()
    assert phone.url == link["url"] and link["query"] == f"code={code}"
    assert link["path"] == app.config["WECHAT_MP_STORE_PAGE"]


def test_home_page_is_chinese_and_finds_a_store(app, live_server, phone):
    code, _ = _pharmacy(app)
    phone.goto(f"{live_server}/")
    screenshot(phone, "home")
    assert phone.title().startswith("一店一码")
    text = phone.inner_text("body")
    assert "每家参与“一店一码”的店铺" in text
    # Template lines end inside sentences; no stray space may split the Chinese where they join.
    assert "证照是否有效，查看店铺" in text and "自动填写，由属地" in text and "打开待办投诉，或在" in text
    assert helpers.english_words(text) == []
    code_box = phone.locator("#code").bounding_box()
    assert (
        code_box["height"] >= 44
        and phone.get_by_role("button", name="查看店铺").bounding_box()["height"] >= 44
    )
    assert phone.get_by_role("link", name="待办投诉").get_attribute("href") == "/oa/"
    phone.fill("#code", code.lower())
    phone.get_by_role("button", name="查看店铺").click()
    phone.wait_for_url(f"{live_server}/s/{code}")
    assert phone.locator("h1").inner_text() == "仁和大药房"
    assert phone.external == []


def test_error_pages_are_chinese_and_styled_like_the_rest(app, live_server, phone):
    phone.goto(f"{live_server}/")
    header_colour = phone.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
    seen = {}
    for status, path in ((404, "/no/such/page"), (404, "/s/ABCDEFGH")):
        response = phone.goto(f"{live_server}{path}")
        assert response.status == status
        seen[path] = phone.inner_text("body")
        assert phone.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor") == header_colour
    assert "页面不存在" in seen["/no/such/page"] and "返回一店一码首页" in seen["/no/such/page"]
    screenshot(phone, "error_404")
    # 405: a form posted where only GET is served, as a person's browser does it.
    phone.goto(f"{live_server}/")
    phone.evaluate(
        "() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/s/ABCDEFGH';"
        " document.body.appendChild(f); f.submit(); }"
    )
    phone.wait_for_load_state()
    assert "无法这样打开此页面" in phone.inner_text("body")
    for text in (seen["/no/such/page"], phone.inner_text("body")):
        assert not any(word in text for word in ("Not Found", "Method Not Allowed", "Werkzeug", "404"))
