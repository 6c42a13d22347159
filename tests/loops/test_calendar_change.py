"""A calendar change reaches a filed case: filed over HTTP, a day set off from the CLI, the stored
deadline moved, and the move on the consumer's timeline and the station's page; replanning again is a no-op."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.calendar import workcal
from app.complaints import deadlines
from app.core.extensions import db
from app.core.timeutil import CHINA, utcnow
from app.staff.models import Staff
from tests import helpers

API = "/api/mp/v1"
BASE = "https://yidian.example.cn"


@pytest.fixture
def sandbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_SANDBOX", True)


def test_loop_override_moves_filed_deadline_visible_to_consumer_and_staff(
    app, client, runner, emulator, sandbox
):
    shop = helpers.shop(app)
    consumer = helpers.login(client, emulator)
    resp = client.post(
        f"{API}/stores/{shop['code']}/complaints",
        json=helpers.body(amount="800", merchant_first=False),
        headers={**consumer, **helpers.key()},
    )
    assert resp.status_code == 201, resp.get_json()
    filed = resp.get_json()["data"]
    number, accept = filed["number"], next(d for d in filed["deadlines"] if d["kind"] == "accept_decline")
    due_day = (
        (dt.datetime.fromisoformat(accept["due_at"]) - dt.timedelta(microseconds=1)).astimezone(CHINA).date()
    )
    assert accept["left"].startswith("剩余 ") and accept["left"].endswith(" 个工作日")
    with app.app_context():
        new_day = workcal.next_workday(due_day + dt.timedelta(days=1))
        old_words, new_words = (
            deadlines.date_words(due_day, utcnow()),
            deadlines.date_words(new_day, utcnow()),
        )
        # What is stored (the timeline) names the year, since it is read later, maybe in another year.
        old_kept, new_kept = (
            deadlines.date_words(due_day, utcnow(), year=True),
            deadlines.date_words(new_day, utcnow(), year=True),
        )
    assert accept["when"] == old_words and old_kept.startswith(f"{due_day.year}年")

    result = runner.invoke(
        args=["calendar", "override", "set", due_day.isoformat(), "--holiday", "--note", "地方补充通知"]
    )
    assert result.exit_code == 0, result.output
    assert f"{number} 受理或不予受理：{old_kept} → {new_kept}" in result.output
    assert "已调整 1 个期限，并在时间线上记录。" in result.output

    detail = client.get(f"{API}/complaints/{number}", headers=consumer).get_json()["data"]
    shown = next(d for d in detail["deadlines"] if d["kind"] == "accept_decline")
    assert shown["when"] == new_words and shown["text"].startswith(f"{new_words}前，剩余 ")
    moved = [e for e in detail["timeline"] if e["action"] == "deadline_moved"]
    assert [e["text"] for e in moved] == [
        f"“受理或不予受理”的期限由{old_kept}改为{new_kept}："
        f"人工设置 {due_day.isoformat()} 为休息日（地方补充通知）。"
    ]

    link = runner.invoke(args=["staff", "link", str(_handler_id(app)), number]).output.strip()
    parts = urlsplit(link)
    assert client.get(f"{parts.path}?{parts.query}", base_url=BASE).status_code == 302
    html = client.get(f"/oa/complaints/{number}", base_url=BASE).get_data(as_text=True)
    assert moved[0]["text"] in html
    assert f"受理或不予受理：{new_words}前" in html
    listing = client.get("/oa/", base_url=BASE).get_data(as_text=True)
    assert "站点首次响应：" in listing and "前，剩余 " in listing  # the most urgent clock, in words

    again = runner.invoke(args=["calendar", "replan"])
    assert again.exit_code == 0 and again.output.strip() == "没有需要调整的期限。"


def _handler_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == "oa-handler-1"))
