"""The console in a real browser: Debian's chromium driven by Playwright (no browser download).

Logs in, searches, edits a store, uploads an enrolment file with a bad row, downloads a poster PDF and
decodes its QR code; creates a region (with its city) and a business circle, sees a loop refused, hands a
station's open cases over and closes it. Screenshots at 1366x900 go to tests/console/screenshots/ (gitignored).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.timeutil import today_cn
from app.directory.models import Station
from app.figures.models import ExportJob
from app.notifications import queue as jobs
from app.stores.models import StoreScanDaily
from tests.conftest import served
from tests.console.test_figures_pages import june
from tests.console.test_hand_over import _closing_world
from tests.console.test_pages import decode_pdf_qr_codes
from tests.console.world import PASSWORD, add_regions, build
from tests.xdb import write_xdb

SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def live(app, monkeypatch):
    """The test app served over real HTTP on loopback, for the browser."""
    with served(app, "console-live") as base:
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
        yield base


@pytest.fixture
def browser_page(chromium):
    """A 1366x900 desktop page in the run's one browser (tests/conftest.py)."""
    context = chromium.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def log_in(page, live: str, username: str) -> None:
    """Through the login form, to the console's home page."""
    page.goto(f"{live}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/admin/")


def save_area(page, values: dict[str, str]) -> str:
    """Fill the region or circle form and save it; the page's notice."""
    for key, value in values.items():
        page.fill(f"#ar-{key}", value)
    page.click("#area-form button[type=submit]")
    page.wait_for_selector("p.notice")
    return page.inner_text("p.notice")


def shot(page, backend: str, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{backend}-{name}.png"))


def test_console_in_chromium(app, backend, live, browser_page, tmp_path):
    ids = build(app)
    page = browser_page
    page.goto(f"{live}/admin/stores")  # not logged in: the login page, coming back here after
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong-password-1")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("main")
    page.fill("input[name=password]", PASSWORD)
    shot(page, backend, "1-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/admin/stores")

    page.fill("input[name=q]", "甲记")
    page.click("form.search button")
    page.wait_for_selector("#results")
    shot(page, backend, "2-search")
    page.click("text=甲记面馆")
    page.wait_for_url(f"{live}/admin/stores/{ids['code_a']}")

    page.fill("#f-name", "甲记面馆（浏览器改名）")
    page.fill("#f-return_days", "10")
    page.click("#store-form button[type=submit]")
    page.wait_for_selector("p.notice")
    assert "已保存" in page.inner_text("p.notice")
    assert "甲记面馆（浏览器改名）" in page.inner_text("h1")
    shot(page, backend, "3-store-edited")

    page.click("text=批量导入")
    bad = tmp_path / "店铺.csv"
    bad.write_text(
        "店铺名称,统一社会信用代码,所属商圈\r\n好店,{},甲商圈\r\n坏店,123,甲商圈\r\n".format(ids["uscc_a"]),
        encoding="utf-8",
    )
    page.set_input_files("input[name=file]", str(bad))
    page.click("main form button[type=submit]")
    page.wait_for_selector("ul.problems")
    problems = page.inner_text("ul.problems")
    assert '第 3 行，"统一社会信用代码" 列：' in problems
    shot(page, backend, "4-import-bad-row")

    page.goto(f"{live}/admin/stores/{ids['code_a']}")
    with page.expect_download() as info:
        page.click("text=下载海报（PDF）")
    pdf = tmp_path / "poster.pdf"
    info.value.save_as(str(pdf))
    assert decode_pdf_qr_codes(pdf.read_bytes()) == [f"{live}/s/{ids['code_a']}"]
    shot(page, backend, "5-store-page")


def test_figures_and_map_in_chromium(app, backend, live, browser_page, monkeypatch):
    june(app)
    monkeypatch.setitem(
        app.config, "PUBLICITY_MIN_CASES", 2
    )  # store A's two complaints get a rate: a coloured point
    page = browser_page
    log_in(page, live, "admin")
    page.click("header >> text=指标")
    page.fill("input[name=from]", "2026-06-01")
    page.fill("input[name=to]", "2026-06-30")
    page.select_option("select[name=by]", "week")
    page.click("#figure-filters button")
    page.wait_for_selector("#figure-on_time_check")
    assert "分子 2 件 / 分母 3 件" in page.inner_text("#figure-on_time_check")
    assert page.locator("svg.chart polyline").count() >= 1
    shot(page, backend, "6-figures")
    page.locator("#comparison").scroll_into_view_if_needed()
    shot(page, backend, "7-figures-stations")
    page.click("#figure-on_time_check >> text=查看案件")
    page.wait_for_selector("#cases")
    assert page.locator("#cases tbody tr").count() == 3
    shot(page, backend, "8-figure-cases")

    page.click("header >> text=地图")
    page.fill("input[name=from]", "2026-06-01")
    page.fill("input[name=to]", "2026-06-30")
    page.click("#map-filters button")
    page.wait_for_selector("svg#map circle")
    assert page.locator("svg#map .layer-rate circle").count() == 2
    assert page.locator("svg#map .layer-expired rect").count() == 1
    shot(page, backend, "9-map")


def test_regions_circles_and_station_hand_over_in_chromium(app, backend, live, browser_page, tmp_path):
    ids = add_regions(app, _closing_world(app, build(app)))
    open_a, open_b, closed = ids["numbers"]
    page = browser_page
    log_in(page, live, "admin")

    page.goto(f"{live}/admin/stations")
    page.click("text=区域与商圈的管理")
    page.wait_for_selector("#regions")
    assert "甲一社区" in page.inner_text("#regions") and "甲商圈" in page.inner_text("#circles")
    page.click("a[href$='/admin/regions/new']")
    saved = save_area(page, {"name": "丙街道", "parent": "测试区", "city": "盐城市"})
    assert "区域已保存" in saved and page.input_value("#ar-city") == "盐城市"
    shot(page, backend, "8-region-saved")

    page.goto(f"{live}/admin/regions/{ids['district']}")  # move the district under its own community
    page.fill("#ar-parent", "测试区/甲街道/甲一社区")
    page.click("#area-form button[type=submit]")
    page.wait_for_selector("div.error[role=alert]")
    assert "区域的上下级形成循环：" in page.inner_text("div.error[role=alert]")
    shot(page, backend, "9-region-cycle-refused")

    page.goto(f"{live}/admin/regions")
    page.click("a[href$='/admin/circles/new']")
    assert "商圈已保存" in save_area(page, {"name": "丙商圈", "region": "丙街道", "station": "甲商圈服务站"})
    page.goto(f"{live}/admin/regions")
    assert "丙商圈" in page.inner_text("#circles") and "盐城市" in page.inner_text("#regions")
    shot(page, backend, "10-regions-and-circles")

    page.goto(f"{live}/admin/stations/{ids['temp']}")
    page.click("text=移交未办结的投诉并撤销")
    page.wait_for_selector("#hand-over-form")
    text = page.inner_text("main")
    assert "未办结的投诉 2 件" in text and open_a in text and open_b in text and closed not in text
    page.select_option("#ho-to", label="甲商圈服务站")
    page.click("#hand-over-form button[type=submit]")  # no reason: refused, nothing moved
    page.wait_for_selector("div.error[role=alert]")
    assert "请填写移交原因" in page.inner_text("div.error[role=alert]")
    shot(page, backend, "11-hand-over-refused")
    page.select_option("#ho-to", label="甲商圈服务站")
    page.fill("#ho-reason", "服务站合并")
    page.click("#hand-over-form button[type=submit]")
    page.wait_for_selector("p.notice")
    assert "未办结的投诉已全部转办，站点已撤销" in page.inner_text("p.notice")
    assert "该站点已撤销" in page.inner_text("main")
    shot(page, backend, "12-station-closed")
    with app.app_context():
        rows = db.session.execute(
            sa.select(Complaint.number, Station.name)
            .join(Station, Station.id == Complaint.station_id)
            .where(Complaint.number.in_(ids["numbers"]))
        )
        assert dict(rows.all()) == {open_a: "甲商圈服务站", open_b: "甲商圈服务站", closed: "甲临时服务站"}
        assert db.session.get(Station, ids["temp"]).closed_at is not None


def test_integrity_page_with_the_out_of_city_check_in_chromium(
    app, backend, live, browser_page, monkeypatch, tmp_path
):
    ids = build(app)
    xdb = write_xdb(tmp_path / "v4.xdb", [("1.2.0.0", "1.2.255.255", "中国|江苏省|盐城市|电信|CN")])
    monkeypatch.setitem(app.config, "SCAN_REGION_XDB", str(xdb))
    with app.app_context():
        db.session.add(
            StoreScanDaily(
                store_id=ids["store_a"], day=today_cn(), scans=40, in_city=6, out_of_city=30, city_unknown=4
            )
        )
        db.session.commit()
    page = browser_page
    log_in(page, live, "view-a")
    page.click("header >> text=扫码异常")
    page.wait_for_selector("#away")
    row = page.inner_text("#away tbody tr")
    assert "甲记面馆" in row and "83%" in row
    shot(page, backend, "13-integrity-out-of-city")


def test_a_large_export_through_the_worker_and_the_store_ranking_in_chromium(
    app, backend, live, browser_page, monkeypatch, tmp_path
):
    june(app)
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", 2)  # June's three cases count as large
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    page = browser_page
    page.goto(f"{live}/admin/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/admin/")
    page.goto(f"{live}/admin/figures?from=2026-06-01&to=2026-06-30")
    page.click("#store-ranking-link")
    page.wait_for_selector("#store-ranking")
    assert page.locator("#store-ranking tbody tr").count() == 2
    shot(page, backend, "10-store-ranking")

    page.goto(f"{live}/admin/figures?from=2026-06-01&to=2026-06-30")
    page.click("p.exports >> text=Excel >> nth=0")
    page.wait_for_selector("#export-form")
    assert "共 3 件" in page.inner_text("main")
    page.dblclick("#export-form button")  # a double click: one job
    page.wait_for_selector("#exports")
    assert "排队中" in page.inner_text("#exports")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 1
    shot(page, backend, "11-export-queued")
    assert jobs.run_worker(app, threading.Event(), burst=True, logging_level="WARNING") == 1
    page.reload()
    assert "可下载" in page.inner_text("#exports")
    with page.expect_download() as info:
        page.click("#exports tbody a")
    target = tmp_path / "export.xlsx"
    info.value.save_as(str(target))
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][0] == "编号"
    shot(page, backend, "12-export-ready")
