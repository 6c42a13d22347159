"""Notifications end to end: filing through the API, the outbox, RQ on real Redis, the worker, and what the
WeChat emulator received over real HTTP — on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from app.complaints.models import Complaint
from app.core import redis_client
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.dev.wechat_emulator import value_problem
from app.notifications import delivery, recipients
from app.notifications import queue as jobs
from app.notifications.models import OutboxMessage, OutboxStatus
from app.staff.models import Staff, StaffRole
from tests import helpers
from tests.conftest import (
    TEST_MP_APPID,
    TEST_OA_APPID,
    TEST_TPL_DEADLINE,
    TEST_TPL_NEW_COMPLAINT,
    TEST_TPL_PROGRESS,
    wechat_config,
)
from tests.notifications.test_delivery import DEAD_REDIS, allow, file
from wechat import messages
from wechat.api import WeChatAPIError, WeChatUnreachable, code_to_session
from wechat.client import mp_client, oa_client

ROOT = Path(__file__).resolve().parents[2]
API = "/api/mp/v1"


def statuses(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(r.channel, r.recipient, r.status.value) for r in rows]


def worker(runner, *args: str) -> str:
    result = runner.invoke(args=["worker", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def assert_within_limits(message: dict) -> None:
    for key, value in message["data"].items():
        assert value_problem(key, value, template_message=message["kind"] == "template") is None, (key, value)


# -- wechat.messages against the emulator ------------------------------------------------------------


@pytest.fixture
def mp_user(app, emulator):
    """An openid the mini-program knows (the user logged in once)."""
    with app.app_context():
        code = emulator.login_code("zhang")["code"]
        return code_to_session(code).openid


def test_subscribe_send_needs_a_known_user_an_allowance_and_valid_values(app, emulator, mp_user):
    data = {
        "character_string1": "T261122ABCDEF",
        "phrase2": "已受理",
        "thing3": "站点已受理",
        "time4": "2026-11-22 10:30",
    }
    with app.app_context():
        with pytest.raises(WeChatAPIError) as unknown:
            messages.send_subscribe("o-nobody", "tpl", data, "pages/index")
        with pytest.raises(WeChatAPIError) as refused:
            messages.send_subscribe(mp_user, "tpl", data, "pages/index")
        emulator.accept_subscribe(["tpl"], openid=mp_user, appid=TEST_MP_APPID)
        for bad in (
            {"thing3": "长" * 21},
            {"phrase2": "OK"},
            {"time4": "明天上午"},
            {"character_string1": "编号1"},
        ):
            with pytest.raises(WeChatAPIError) as too_long:
                messages.send_subscribe(mp_user, "tpl", {**data, **bad}, "pages/index")
            assert too_long.value.errcode == 47003
        answer = messages.send_subscribe(mp_user, "tpl", data, "pages/index", "trial")
        with pytest.raises(WeChatAPIError) as spent:
            messages.send_subscribe(mp_user, "tpl", data, "pages/index")
        with pytest.raises(ValueError):
            messages.send_subscribe(mp_user, "tpl", data, "pages/index", "beta")

    assert (unknown.value.errcode, refused.value.errcode, spent.value.errcode) == (40003, 43101, 43101)
    assert answer["errcode"] == 0 and answer["msgid"]
    [message] = emulator.messages("subscribe")
    assert (
        message["data"] == data
        and message["miniprogram_state"] == "trial"
        and message["page"] == "pages/index"
    )
    # WeChat received every attempt: the call log keeps the bodies.
    bodies = [c["json"] for c in emulator.calls("subscribe_send")]
    assert len(bodies) == 8 and bodies[0]["data"]["thing3"] == {"value": "站点已受理"}


def test_template_send_needs_a_follower_and_short_single_line_values(app, emulator):
    data = {"character_string1": "T261122ABCDEF", "thing2": "优衣坊服饰"}
    emulator.set_follower("oa-gone", following=False)
    emulator.set_follower("wx-registered", following=True)
    with app.app_context():
        errors = {}
        for openid, values in (
            ("oa-gone", data),
            ("stranger", data),
            ("oa-handler", {**data, "thing2": "店" * 21}),
            ("oa-handler", {**data, "thing2": "第一行\n第二行"}),
        ):
            with pytest.raises(WeChatAPIError) as exc:
                messages.send_template(openid, "tpl-oa", values)
            errors[(openid, values["thing2"][:3])] = exc.value.errcode
        messages.send_template("wx-registered", "tpl-oa", data, url="https://h5.example.cn/c/1")
        first = messages.send_template("oa-handler", "tpl-oa", data, client_msg_id="m-1")
        again = messages.send_template("oa-handler", "tpl-oa", data, client_msg_id="m-1")

    assert list(errors.values()) == [43004, 40003, 47003, 47003]
    assert first["msgid"] == again["msgid"]  # WeChat drops the repeat
    sent = emulator.messages("template")
    assert [(m["openid"], m["url"]) for m in sent] == [
        ("wx-registered", "https://h5.example.cn/c/1"),
        ("oa-handler", None),
    ]
    assert len(emulator.calls("template_send")) == 7


def test_custom_text_and_injected_window_closed(app, emulator):
    emulator.fault("custom_send", errcode=45015)
    with app.app_context():
        with pytest.raises(WeChatAPIError) as closed:
            messages.send_custom_text("oa-handler", "您好")
        messages.send_custom_text("oa-handler", "您好，请补充凭证")
    assert closed.value.errcode == 45015
    assert [m["text"] for m in emulator.messages("custom")] == ["您好，请补充凭证"]


def test_message_endpoints_check_the_access_token(wechat_api_base, emulator):
    for path in ("subscribe/send", "template/send", "custom/send"):
        bad = requests.post(
            f"{wechat_api_base}/cgi-bin/message/{path}", params={"access_token": "nope"}, json={}, timeout=5
        ).json()
        missing = requests.post(f"{wechat_api_base}/cgi-bin/message/{path}", json={}, timeout=5).json()
        assert (bad["errcode"], missing["errcode"]) == (40001, 41001)


def test_message_faults_become_api_errors_or_unreachable(app, emulator):
    emulator.fault("template_send", errcode=-1)
    emulator.fault("template_send", "http", status=500)
    with app.app_context():
        with pytest.raises(WeChatAPIError) as busy:
            messages.send_template("oa-handler", "tpl", {"thing1": "x"}, client=oa_client())
        with pytest.raises(WeChatUnreachable):
            messages.send_template("oa-handler", "tpl", {"thing1": "x"})
        assert mp_client() is not oa_client()
    assert busy.value.errcode == -1


# -- complaints to messages ---------------------------------------------------------------------------


def test_consumer_gets_one_subscribe_message_per_allowance_then_the_inbox(app, client, runner, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "alice")
    allow(client, emulator, headers, "alice")
    first = file(client, headers, shop["code"])
    second = file(client, headers, shop["code"], description="第二件事：店员态度恶劣，拒绝出示价签。")

    assert "job(s) run" in worker(runner, "--burst")  # the RQ path: jobs queued after each commit

    [message] = emulator.messages("subscribe")
    with app.app_context():
        alice = db.session.scalar(sa.select(Complaint).where(Complaint.number == first)).consumer.openid
    assert message["openid"] == alice and message["template_id"] == TEST_TPL_PROGRESS
    assert message["data"]["character_string1"] == first and message["page"].endswith(f"number={first}")
    assert_within_limits(message)
    consumer_rows = [s for s in statuses(app) if s[0] == "subscribe"]
    assert [s[2] for s in consumer_rows] == ["sent", "inbox_only"]
    inbox = client.get(f"{API}/inbox", headers=headers).get_json()["data"]
    assert {i["complaint_number"] for i in inbox["items"]} == {first, second}


def test_station_handler_gets_a_template_message(app, client, runner, emulator):
    shop = helpers.shop(app)
    number = file(client, helpers.login(client, emulator), shop["code"])

    worker(runner, "--once")

    [message] = emulator.messages("template")
    assert message["openid"] == "oa-handler-1" and message["template_id"] == TEST_TPL_NEW_COMPLAINT
    assert message["appid"] == TEST_OA_APPID
    assert message["url"] == f"https://yidian.example.cn/oa/complaints/{number}"  # the staff H5 page
    assert message["data"]["character_string1"] == number and message["data"]["thing6"] == "新投诉"
    assert_within_limits(message)
    assert ("template", "oa-handler-1", "sent") in statuses(app)


def test_43101_leaves_the_message_in_the_inbox(app, client, runner, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "alice")
    allow(client, emulator, headers, "alice", in_wechat=False)  # revoked in WeChat meanwhile
    number = file(client, headers, shop["code"])

    worker(runner, "--once")

    assert ("subscribe", "inbox_only") in {(s[0], s[2]) for s in statuses(app)}
    assert [c["errcode"] for c in emulator.calls("subscribe_send")] == [43101]
    items = client.get(f"{API}/inbox", headers=headers).get_json()["data"]["items"]
    assert [i["complaint_number"] for i in items] == [number]


def test_system_busy_and_http_500_retried_with_backoff_then_sent(app, client, runner, emulator):
    shop = helpers.shop(app)
    file(client, helpers.login(client, emulator), shop["code"])
    emulator.fault("template_send", errcode=-1, times=1)
    emulator.fault("template_send", "http", status=500, times=1)

    worker(runner, "--burst")  # first try: -1
    with app.app_context():
        row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.channel == "template"))
        first_wait = (row.next_attempt_at - utcnow()).total_seconds()
        assert row.attempts == 1 and "errcode -1" in row.last_error
        assert 5 < first_wait <= 10
        later = utcnow() + dt.timedelta(seconds=11)
        delivery.sweep(later)  # second try: HTTP 500
        db.session.refresh(row)
        assert row.attempts == 2 and "HTTP 500" in row.last_error
        assert round((row.next_attempt_at - later).total_seconds()) == 20
        delivery.sweep(later + dt.timedelta(seconds=21))  # third try: sent
        db.session.refresh(row)
        assert row.status == OutboxStatus.SENT and row.attempts == 3

    assert [(c["status"], c["errcode"]) for c in emulator.calls("template_send")] == [
        (200, -1),
        (500, None),
        (200, 0),
    ]
    assert len(emulator.messages("template")) == 1


def test_dead_after_max_attempts_listed_retried_by_cli(app, client, runner, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    shop = helpers.shop(app)
    number = file(client, helpers.login(client, emulator), shop["code"])
    emulator.fault("template_send", errcode=-1, times=None)
    now = utcnow()
    with app.app_context():
        for _ in range(3):
            delivery.sweep(now)
            now += dt.timedelta(hours=2)
        dead_id = db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.DEAD)
        )

    listed = runner.invoke(args=["outbox", "failed"])
    assert listed.exit_code == 0
    line = next(x for x in listed.output.splitlines() if x.startswith(f"{dead_id}\t"))
    assert "oa-handler-1" in line and "template:new_complaint" in line and number in line
    assert "\t3\t3 attempts; last: template_send errcode -1" in line
    assert "dead\t1" in runner.invoke(args=["outbox", "stats"]).output

    emulator.clear_faults()
    retried = runner.invoke(args=["outbox", "retry", str(dead_id)])
    assert retried.exit_code == 0 and str(dead_id) in retried.output
    with app.app_context():
        assert jobs.job_id(dead_id) in jobs.queued_ids()
    worker(runner, "--burst")
    assert len(emulator.messages("template")) == 1
    assert ("template", "oa-handler-1", "sent") in statuses(app)
    assert "没有发送失败的消息" in runner.invoke(args=["outbox", "failed"]).output

    missing = runner.invoke(args=["outbox", "retry", "987654"])
    assert missing.exit_code != 0 and "987654" in missing.output
    sent = runner.invoke(args=["outbox", "retry", str(dead_id)])
    assert sent.exit_code != 0 and "sent" in sent.output


def test_43004_passes_the_alert_to_the_next_bound_handler(app, client, runner, emulator):
    shop = helpers.shop(app)
    with app.app_context():
        second = Staff(name="赵干事", role=StaffRole.HANDLER, station_id=shop["service_id"])  # not bound yet
        db.session.add(second)
        db.session.commit()
        second_id = second.id
    file(client, helpers.login(client, emulator), shop["code"])
    with app.app_context():
        db.session.get(Staff, second_id).oa_openid = "oa-handler-2"  # binds after the alert was queued
        db.session.commit()
    emulator.set_follower("oa-handler-1", following=False)  # the first handler unfollowed the account

    worker(runner, "--burst")

    assert [m["openid"] for m in emulator.messages("template")] == ["oa-handler-2"]
    with app.app_context():
        rows = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.channel == "template").order_by(OutboxMessage.id)
        ).all()
        assert [(r.recipient, r.status.value) for r in rows] == [
            ("oa-handler-1", "dead"),
            ("oa-handler-2", "sent"),
        ]
        assert "43004" in rows[0].last_error
        assert rows[1].key == rows[0].key.rsplit(":", 1)[0] + f":{second_id}"
        assert rows[1].payload == rows[0].payload
    assert "oa-handler-1" in runner.invoke(args=["outbox", "failed"]).output
    with app.app_context():  # WeChat said they no longer follow: the next alert goes to handler 2 at once
        assert (
            db.session.scalar(sa.select(Staff.oa_following).where(Staff.oa_openid == "oa-handler-1")) is False
        )
    file(client, helpers.login(client, emulator, "bob"), shop["code"])
    assert template_recipients(app)[-1:] == ["oa-handler-2"]


def template_recipients(app) -> list[str]:
    return [recipient for channel, recipient, _ in statuses(app) if channel == "template"]


def test_unfollowed_handler_gets_no_alerts_until_they_write_again(app, client, runner, emulator):
    from tests.official_account.test_callback import event, say

    shop = helpers.shop(app)
    with app.app_context():
        db.session.add(
            Staff(
                name="赵干事", role=StaffRole.HANDLER, station_id=shop["service_id"], oa_openid="oa-handler-2"
            )
        )
        db.session.commit()
    headers = helpers.login(client, emulator)

    assert event(app, client, "oa-handler-1", "unsubscribe").body == b"success"  # WeChat's signed push
    assert event(app, client, "oa-stranger", "unsubscribe", create_time=1764000001).body == b"success"
    file(client, headers, shop["code"])
    assert template_recipients(app) == ["oa-handler-2"]  # the filing's alerts (Core path)
    with app.app_context():
        alerted = recipients.station_staff(shop["service_id"])
        assert [p.oa_openid for p in alerted] == ["oa-handler-2"]  # ORM path
    listing = runner.invoke(args=["staff", "list"]).output
    assert "王站长" in listing and "已取消关注公众号" in listing

    assert "待处理投诉" in say(app, client, "oa-handler-1", "待办").reply  # writing to it: following again
    file(client, headers, shop["code"], description="第二次投诉：店员态度恶劣，拒绝退货。")
    assert sorted(template_recipients(app)[1:]) == ["oa-handler-1", "oa-handler-2"]

    event(app, client, "oa-handler-2", "unsubscribe", create_time=1764000002)
    event(app, client, "oa-handler-2", "subscribe", create_time=1764000003)  # follows again
    with app.app_context():
        assert db.session.scalars(
            sa.select(Staff.oa_following).where(Staff.oa_openid.is_not(None))
        ).all() == [
            True,
            True,
            True,
        ]


def test_filing_at_a_station_nobody_can_receive_alerts_the_parent_supervisor(app, client, runner, emulator):
    from tests.official_account.test_callback import event

    shop = helpers.shop(app)  # the service station's only handler, and the office's supervisor (its parent)
    event(app, client, "oa-handler-1", "unsubscribe")
    file(client, helpers.login(client, emulator), shop["code"])
    assert template_recipients(app) == ["oa-sup-1"]
    worker(runner, "--burst")
    assert [m["openid"] for m in emulator.messages("template")] == ["oa-sup-1"]


def test_redis_down_while_filing_then_the_sweep_sends_each_once(app, client, runner, emulator, monkeypatch):
    shop = helpers.shop(app)
    users = ["u1", "u2", "u3"]
    headers = {u: helpers.login(client, emulator, u) for u in users}
    for u in users:
        allow(client, emulator, headers[u], u)
    real = app.extensions["redis"]
    monkeypatch.setitem(app.extensions, "redis", redis_client.connect(DEAD_REDIS))
    try:
        numbers = [
            file(client, headers[u], shop["code"], description=f"{u}：买到的商品有质量问题，要求退款。")
            for u in users
        ]
    finally:
        monkeypatch.setitem(app.extensions, "redis", real)
        redis_client.reset_breaker()

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 3
        assert jobs.queued_ids() == []  # nothing could be queued
    assert {s[2] for s in statuses(app)} == {"pending"} and len(statuses(app)) == 6

    worker(runner, "--once")  # Redis is back: the sweep delivers from the database
    worker(runner, "--once")
    worker(runner, "--burst")

    subscribe = emulator.messages("subscribe")
    assert sorted(m["data"]["character_string1"] for m in subscribe) == sorted(numbers)
    assert len(emulator.messages("template")) == 3
    assert len(emulator.calls("subscribe_send")) == 3 and len(emulator.calls("template_send")) == 3
    assert {s[2] for s in statuses(app)} == {"sent"}


def test_wechat_failing_while_filing_then_sent_after_it_recovers(app, client, runner, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "alice")
    allow(client, emulator, headers, "alice")
    for endpoint in ("msg_sec_check", "subscribe_send", "template_send"):
        emulator.fault(endpoint, "http", status=502, times=None)

    number = file(client, headers, shop["code"])  # filed although WeChat is down
    worker(runner, "--burst")
    assert {s[2] for s in statuses(app)} == {"pending"}
    assert emulator.messages() == []

    emulator.clear_faults()
    with app.app_context():
        assert delivery.sweep(utcnow() + dt.timedelta(seconds=15)) == 2

    assert [m["data"]["character_string1"] for m in emulator.messages("subscribe")] == [number]
    assert [m["data"]["character_string1"] for m in emulator.messages("template")] == [number]
    assert {s[2] for s in statuses(app)} == {"sent"}


def test_the_same_row_delivered_and_queued_twice_is_sent_once(app, client, runner, emulator):
    shop = helpers.shop(app)
    file(client, helpers.login(client, emulator), shop["code"])
    with app.app_context():
        ids = db.session.scalars(sa.select(OutboxMessage.id)).all()
        template_id = db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.channel == "template")
        )
        assert jobs.enqueue(ids) == 2  # queued again row by row (the sweep, say) beside the filing's job
        assert jobs.enqueue(ids) == 0  # and again: those jobs are already waiting
        assert len(jobs.queued_ids()) == 3
        assert delivery.deliver(template_id) == "sent"
        assert delivery.deliver(template_id) == "sent"

    worker(runner, "--burst")
    worker(runner, "--once")
    assert len(emulator.messages("template")) == 1
    assert len(emulator.calls("template_send")) == 1


def test_rq_path_end_to_end(app, client, runner, emulator):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "alice")
    allow(client, emulator, headers, "alice")
    file(client, headers, shop["code"])
    with app.app_context():
        ids = db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        assert jobs.queued_ids() == [jobs.batch_job_id(ids)]  # one job for the filing's rows

    assert "queue: 1 job(s) run" in worker(runner, "--burst")

    with app.app_context():
        assert jobs.queued_ids() == []
    assert {s[2] for s in statuses(app)} == {"sent"}
    assert len(emulator.messages("subscribe")) == 1 and len(emulator.messages("template")) == 1


def test_deadline_alert_uses_its_own_template(app, client, runner, emulator):
    shop = helpers.shop(app)
    number = file(client, helpers.login(client, emulator), shop["code"])
    with app.app_context():
        from app.complaints import sweeps

        for d in db.session.scalar(sa.select(Complaint)).deadlines:
            d.due_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
        sweeps.escalate_missed()
        db.session.commit()

    worker(runner, "--burst")

    deadline = [m for m in emulator.messages("template") if m["template_id"] == TEST_TPL_DEADLINE]
    assert deadline and all(m["data"]["character_string1"] == number for m in deadline)
    for m in deadline:
        assert_within_limits(m)
        assert m["data"]["thing3"].startswith(("已超期", "督办"))


# -- the worker process -------------------------------------------------------------------------------


def _wait(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _start_worker(app_config, tmp_path: Path, redis_url: str, sweep_seconds: str):
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "APP_ENV": "test",
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "OUTBOX_SWEEP_SECONDS": sweep_seconds,
        **{
            k: str(v)
            for k, v in wechat_config(app_config["WECHAT_API_BASE"]).items()
            if k != "WECHAT_SANDBOX"
        },
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    return proc, log_path


def _stop_worker(proc, log_path: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the worker did not stop on SIGTERM:\n" + log_path.read_text())
    output = log_path.read_text()
    assert proc.returncode == 0, output
    assert "worker stopped" in output
    return output


def _template_numbers(emulator) -> list[str]:
    return [m["data"]["character_string1"] for m in emulator.messages("template")]


def test_worker_process_runs_queued_jobs_and_stops_on_sigterm(app, app_config, client, emulator, tmp_path):
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "u1")
    # The sweep runs once at start and then not for an hour: only the job queue can deliver what follows.
    proc, log_path = _start_worker(app_config, tmp_path, app.config["REDIS_URL_EFFECTIVE"], "3600")
    try:
        assert _wait(lambda: "Listening on outbox" in log_path.read_text()), log_path.read_text()
        time.sleep(0.5)  # let the start-up sweep finish
        number = file(client, headers, shop["code"])
        assert _wait(lambda: _template_numbers(emulator) == [number]), log_path.read_text()
        with app.app_context():
            assert _wait(lambda: jobs.queued_ids() == [], 5)
    finally:
        output = _stop_worker(proc, log_path)
    with app.app_context():
        template_id = db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.channel == "template")
        )
    assert f"job {jobs.job_id(template_id)}: sent\n" in output  # delivered by the job, not the sweep
    assert {s[2] for s in statuses(app)} == {"sent", "inbox_only"}


def test_worker_process_keeps_delivering_while_redis_is_down(app, app_config, client, emulator, tmp_path):
    shop = helpers.shop(app)
    first = file(client, helpers.login(client, emulator, "u1"), shop["code"])
    proc, log_path = _start_worker(app_config, tmp_path, DEAD_REDIS, "1")
    try:
        assert _wait(lambda: _template_numbers(emulator) == [first]), log_path.read_text()
        second = file(client, helpers.login(client, emulator, "u2"), shop["code"])  # while it runs
        assert _wait(lambda: _template_numbers(emulator) == [first, second]), log_path.read_text()
        assert proc.poll() is None, log_path.read_text()
        assert _wait(lambda: "job queue unavailable" in log_path.read_text(), 5)
    finally:
        _stop_worker(proc, log_path)
    assert statuses(app).count(("template", "oa-handler-1", "sent")) == 2
    assert len(emulator.calls("template_send")) == 2


def test_worker_thread_survives_redis_and_stops_on_request(app):
    """The queue loop outside the main thread (no signals): it retries a dead Redis until told to stop."""
    stop = threading.Event()
    done = []
    thread = threading.Thread(
        target=lambda: done.append(
            jobs.run_worker(app, stop, connection=redis_client.connect(DEAD_REDIS), logging_level="WARNING")
        ),
        daemon=True,
    )
    thread.start()
    time.sleep(1.5)  # two failed starts, with a pause between them
    assert thread.is_alive()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and done == [0]
