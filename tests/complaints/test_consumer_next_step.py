"""What the consumer is told to expect next and by when (the complaint detail's `next_step` and
`deadlines`), through the API as the mini-program reads it, with the station's actions on the CLI."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.complaints.flow import AUTO_CLOSE_DAYS
from app.complaints.models import Complaint, ComplaintDeadline
from app.complaints.presenters.consumer import when
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.staff.models import Staff
from tests import helpers

API = "/api/mp/v1"


def _file(client, headers, code, **overrides) -> dict:
    resp = client.post(
        f"{API}/stores/{code}/complaints",
        json=helpers.body(**overrides),
        headers={**headers, **helpers.key()},
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["data"]


def _detail(client, headers, number) -> dict:
    return client.get(f"{API}/complaints/{number}", headers=headers).get_json()["data"]


def _staff(app) -> str:
    with app.app_context():
        return str(db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == "oa-handler-1")))


def _run(runner, *args):
    result = runner.invoke(args=["complaints", *args])
    assert result.exit_code == 0, result.output


def test_after_a_resolution_the_consumer_is_asked_to_confirm_within_n_days_with_the_date(
    app, client, runner, emulator
):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    number = _file(client, alice, shop["code"])["number"]
    staff = _staff(app)
    _run(runner, "accept", number, "--staff", staff)
    accepted = _detail(client, alice, number)
    assert accepted["next_step"]["party"] == "station" and "正在调解，将在" in accepted["next_step"]["text"]
    _run(runner, "resolve", number, "agreement", "--amount", "120", "--staff", staff)

    detail = _detail(client, alice, number)
    step = detail["next_step"]
    assert step["party"] == "consumer"
    resolved_at = dt.datetime.fromisoformat(
        next(t["at"] for t in detail["timeline"] if t["action"] == "resolved")
    )
    due = resolved_at + dt.timedelta(days=AUTO_CLOSE_DAYS)
    assert step["due_at"] == due.isoformat()
    local = due.astimezone(CHINA)
    assert step["text"].startswith(
        f"请在 {AUTO_CLOSE_DAYS} 日内（{local.month}月{local.day}日 {local:%H:%M}前）确认结果"
    )
    weekday = "星期" + "一二三四五六日"[local.weekday()]
    confirm = [d for d in detail["deadlines"] if d["kind"] == "consumer_confirm"]
    assert confirm == [
        {
            "kind": "consumer_confirm",
            "label": "请您确认处理结果",
            "due_at": due.isoformat(),
            "uncertain": False,
            "met": False,
            "overdue": False,
            "cancelled": False,
            "when": f"{local.month}月{local.day}日（{weekday}）",
            "left": f"剩余 {AUTO_CLOSE_DAYS} 天",
            "why_uncertain": "",
            "text": f"{local.month}月{local.day}日（{weekday}）前，剩余 {AUTO_CLOSE_DAYS} 天",
            "party": "consumer",
        }
    ]
    assert all(not d["cancelled"] for d in detail["deadlines"])  # what was cancelled is not shown

    # Disputed: the consumer may ask once more, by a date.
    client.post(f"{API}/complaints/{number}/confirm", headers=alice, json={"resolved": False})
    closed = _detail(client, alice, number)
    assert closed["next_step"]["party"] == "consumer" and "申请重新处理" in closed["next_step"]["text"]
    assert [d["kind"] for d in closed["deadlines"] if d["party"] == "consumer"] == ["consumer_reopen"]


def test_merchant_first_says_the_merchant_handles_it_first_and_until_when(app, client, emulator):
    shop = helpers.shop(app, merchant=True)
    alice = helpers.login(client, emulator)
    filed = _file(client, alice, shop["code"], amount="120")
    assert filed["merchant_first"] is True
    for view in (filed, _detail(client, alice, filed["number"])):
        step = view["next_step"]
        settle = next(d for d in view["deadlines"] if d["kind"] == "merchant_settle")
        assert step["party"] == "merchant" and step["due_at"] == settle["due_at"]
        assert step["text"].startswith("商家先行协商处理至") and "将转由测试商圈服务站处理" in step["text"]
        assert {d["party"] for d in view["deadlines"]} == {"merchant"}


def test_a_small_dispute_shows_one_closing_limit(app, client, runner, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    small = _file(client, alice, shop["code"], amount="80")["number"]
    big = _file(client, helpers.login(client, emulator, "bob"), shop["code"], amount="900")["number"]
    with app.app_context():
        stored = set(
            db.session.scalars(
                sa.select(ComplaintDeadline.kind).join(Complaint).where(Complaint.number == small)
            )
        )
    assert {"small_dispute_close", "ordinary_close"} <= stored  # both clocks run for the station
    shown = [d["kind"] for d in _detail(client, alice, small)["deadlines"]]
    assert "small_dispute_close" in shown and "ordinary_close" not in shown
    bobs = [d["kind"] for d in _detail(client, helpers.login(client, emulator, "bob"), big)["deadlines"]]
    assert "ordinary_close" in bobs and "small_dispute_close" not in bobs


def test_dates_carry_the_year_only_when_it_is_not_this_year():
    now = dt.datetime(2026, 12, 30, 2, 0, tzinfo=dt.UTC)
    assert when(dt.datetime(2026, 12, 31, 1, 0, tzinfo=dt.UTC), now) == "12月31日 09:00"
    assert when(dt.datetime(2027, 1, 4, 1, 0, tzinfo=dt.UTC), now) == "2027年1月4日 09:00"


def test_every_deadline_a_consumer_reads_is_labelled_in_chinese(app, client, emulator):
    shop = helpers.shop(app)
    alice = helpers.login(client, emulator)
    report = _file(client, alice, shop["code"], kind="report", name=None, phone=None, category="food_safety")
    for view in (report, _detail(client, alice, report["number"])):
        kinds = {d["kind"]: d["label"] for d in view["deadlines"]}
        assert "clue_verification" in kinds
        assert all(re.fullmatch(r"[\u4e00-\u9fff]+", label) for label in kinds.values()), kinds
