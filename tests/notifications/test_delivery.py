"""app.notifications.delivery and the queue wiring: delivery once, retries, dead letters, the after-commit hook.

Real database (PostgreSQL and SQLite), real Redis, WeChat through the emulator over HTTP.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
import redis
import sqlalchemy as sa

from app.consumers.models import Subscription
from app.core import redis_client
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.dev.wechat_emulator import value_problem
from app.notifications import after_commit
from app.notifications import delivery as outbox
from app.notifications import queue as jobs
from app.notifications.models import OutboxMessage, OutboxStatus
from app.staff.models import Staff
from tests import helpers
from tests.conftest import TEST_TPL_NEW_COMPLAINT, TEST_TPL_PROGRESS

API = "/api/mp/v1"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def allow(client, emulator, headers, user: str, times: int = 1, *, in_wechat: bool = True) -> None:
    """The consumer taps "allow" for the progress template: WeChat and this service both count it."""
    for _ in range(times):
        if in_wechat:
            emulator.accept_subscribe([TEST_TPL_PROGRESS], user=user)
        resp = client.post(
            f"{API}/subscriptions", json={"results": {TEST_TPL_PROGRESS: "accept"}}, headers=headers
        )
        assert resp.status_code == 200, resp.get_json()


def file(client, headers, code, **overrides) -> str:
    resp = client.post(
        f"{API}/stores/{code}/complaints",
        json=helpers.body(**overrides),
        headers={**headers, **helpers.key()},
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["data"]["number"]


@pytest.fixture
def filed(app, client, emulator):
    """A shop and a logged-in consumer "alice"; `file()` files a complaint (two outbox rows)."""
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "alice")
    return {"shop": shop, "headers": headers, "file": lambda: file(client, headers, shop["code"])}


def row_id(app, channel: str, recipient: str | None = None) -> int:
    with app.app_context():
        query = sa.select(OutboxMessage.id).where(OutboxMessage.channel == channel)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        return db.session.scalars(query.order_by(OutboxMessage.id)).all()[-1]


def get(app, outbox_id: int) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, outbox_id)
        db.session.expunge(row)
        return row


def deliver(app, outbox_id: int, now=None) -> str:
    with app.app_context():
        return outbox.deliver(outbox_id, now)


def sweep(app, now=None) -> int:
    with app.app_context():
        return outbox.sweep(now)


def remaining(app) -> int:
    """alice's allowances for the progress template, as this service counts them."""
    with app.app_context():
        return db.session.scalar(sa.select(Subscription.remaining)) or 0


# -- template messages (staff) ------------------------------------------------------------------------


def test_handler_alert_sent_once_with_values_wechat_accepts(app, emulator, filed):
    filed["file"]()
    outbox_id = row_id(app, "template")

    assert deliver(app, outbox_id) == "sent"
    assert deliver(app, outbox_id) == "sent"  # again: nothing more is sent

    [message] = emulator.messages("template")
    assert message["openid"] == "oa-handler-1" and message["template_id"] == TEST_TPL_NEW_COMPLAINT
    assert message["client_msg_id"] == outbox.client_msg_id(get(app, outbox_id))
    for key, value in message["data"].items():
        assert value_problem(key, value, template_message=True) is None
    assert message["data"]["thing2"] == "优衣坊服饰" and message["data"]["thing3"] == "商品质量"
    assert len(emulator.calls("template_send")) == 1
    row = get(app, outbox_id)
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_concurrent_deliveries_of_one_row_send_once(app, emulator, filed):
    filed["file"]()
    outbox_id = row_id(app, "template")
    emulator.fault("template_send", "delay", seconds=0.5)  # both deliveries overlap the WeChat call
    results = []

    def run():
        results.append(deliver(app, outbox_id))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(emulator.messages("template")) == 1
    assert len(emulator.calls("template_send")) == 1
    assert "sent" in results and set(results) <= {"sent", "pending", "sending"}  # "sending": mid-call
    assert get(app, outbox_id).attempts == 1


def test_template_unknown_openid_dead_and_the_parent_supervisor_stands_in(app, emulator, filed):
    with app.app_context():
        handler = db.session.scalar(sa.select(Staff).where(Staff.oa_openid == "oa-handler-1"))
        handler.oa_openid = "not-a-follower"  # not "oa-…" and never registered: 40003
        db.session.commit()
    filed["file"]()
    outbox_id = row_id(app, "template")

    assert deliver(app, outbox_id) == "dead"
    assert "40003" in get(app, outbox_id).last_error
    with app.app_context():  # nobody else at the service station: the office's supervisor stands in
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.channel, r.recipient) for r in rows[-1:]] == [("template", "oa-sup-1")]
        assert len(rows) == 3 and rows[-1].key.startswith(get(app, outbox_id).key.rsplit(":", 1)[0])


def test_template_id_not_configured_is_dead_and_says_which_setting(app, emulator, filed, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_OA_TPL_NEW_COMPLAINT", "")
    filed["file"]()
    outbox_id = row_id(app, "template")

    assert deliver(app, outbox_id) == "dead"
    assert get(app, outbox_id).last_error == "WECHAT_OA_TPL_NEW_COMPLAINT not set"
    assert emulator.calls("template_send") == []


def test_max_attempts_then_dead(app, emulator, filed, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    filed["file"]()
    outbox_id = row_id(app, "template")
    emulator.fault("template_send", "http", status=503, times=None)
    now = utcnow()

    assert deliver(app, outbox_id, now) == "pending"
    for _ in range(2):
        now += dt.timedelta(hours=2)
        sweep(app, now)

    row = get(app, outbox_id)
    assert row.status == OutboxStatus.DEAD and row.attempts == 3
    assert row.last_error.startswith("3 attempts; last: template_send: WeChat unreachable")
    assert len(emulator.calls("template_send")) == 3 and emulator.messages() == []


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 10), (2, 20), (3, 40), (8, 1280), (9, 2560), (10, 3600)]
)
def test_backoff_doubles_and_is_capped(app, attempts, seconds):
    assert outbox.backoff_seconds(attempts, app.config) == seconds


# -- subscribe messages (consumer) --------------------------------------------------------------------


def test_subscribe_with_allowance_spends_it(app, client, emulator, filed):
    allow(client, emulator, filed["headers"], "alice")
    filed["file"]()
    outbox_id = row_id(app, "subscribe")

    assert deliver(app, outbox_id) == "sent"

    [message] = emulator.messages("subscribe")
    assert message["template_id"] == TEST_TPL_PROGRESS and message["miniprogram_state"] == "formal"
    assert message["page"].startswith("pages/complaint/detail?number=T")
    assert message["data"]["phrase2"] == "已提交"
    assert remaining(app) == 0
    assert emulator.allowances()[0]["remaining"] == 0


def test_subscribe_without_allowance_inbox_only_without_calling_wechat(app, emulator, filed):
    filed["file"]()
    outbox_id = row_id(app, "subscribe")

    assert deliver(app, outbox_id) == "inbox_only"
    assert get(app, outbox_id).last_error == "no subscribe allowance"
    assert emulator.calls("subscribe_send") == []


def test_subscribe_43101_inbox_only_and_allowance_zeroed(app, client, emulator, filed):
    allow(client, emulator, filed["headers"], "alice", times=2, in_wechat=False)  # WeChat knows no allowance
    filed["file"]()
    outbox_id = row_id(app, "subscribe")

    assert deliver(app, outbox_id) == "inbox_only"
    assert "43101" in get(app, outbox_id).last_error
    assert remaining(app) == 0
    assert [c["errcode"] for c in emulator.calls("subscribe_send")] == [43101]


def test_subscribe_template_not_configured_inbox_only_allowance_kept(
    app, client, emulator, filed, monkeypatch
):
    allow(client, emulator, filed["headers"], "alice")
    monkeypatch.setitem(app.config, "WECHAT_MP_TPL_PROGRESS", None)
    filed["file"]()

    assert deliver(app, row_id(app, "subscribe")) == "inbox_only"
    assert remaining(app) == 1


def test_subscribe_unreachable_gives_allowance_back_and_backs_off(app, client, emulator, filed):
    allow(client, emulator, filed["headers"], "alice")
    filed["file"]()
    outbox_id = row_id(app, "subscribe")
    emulator.fault("subscribe_send", "http", status=502, times=1)
    now = utcnow()

    assert deliver(app, outbox_id, now) == "pending"
    row = get(app, outbox_id)
    assert row.attempts == 1 and "HTTP 502" in row.last_error
    assert abs((row.next_attempt_at - now).total_seconds() - 10) < 1
    assert remaining(app) == 1  # nothing was sent: the allowance is still the user's

    sweep(app, now + dt.timedelta(seconds=5))  # not due yet (the staff alert goes out)
    assert get(app, outbox_id).attempts == 1 and emulator.messages("subscribe") == []
    sweep(app, now + dt.timedelta(seconds=11))
    assert get(app, outbox_id).status == OutboxStatus.SENT
    assert remaining(app) == 0 and len(emulator.messages("subscribe")) == 1


@pytest.mark.parametrize("errcode", [47003, 40003])
def test_subscribe_refused_dead_at_once_allowance_kept(app, client, emulator, filed, errcode):
    allow(client, emulator, filed["headers"], "alice")
    filed["file"]()
    outbox_id = row_id(app, "subscribe")
    emulator.fault("subscribe_send", errcode=errcode)

    assert deliver(app, outbox_id) == "dead"
    row = get(app, outbox_id)
    assert row.attempts == 1 and str(errcode) in row.last_error
    assert remaining(app) == 1


def test_sandbox_records_instead_of_sending(app, client, emulator, filed, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "WECHAT_SANDBOX", True)
    number = filed["file"]()

    with app.app_context(), caplog.at_level(logging.INFO, logger="app.notifications.delivery"):
        assert outbox.sweep() == 2
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        assert {(r.status, r.last_error) for r in rows} == {(OutboxStatus.SENT, outbox.SANDBOX_NOTE)}
    assert emulator.messages() == [] and emulator.calls("template_send") == []
    # What would have been sent is in the log, with the signed sandbox link for the staff member.
    assert f"/oa/complaints/{number}?sig=" in caplog.text and "'thing2': '优衣坊服饰'" in caplog.text


# -- customer-service text ----------------------------------------------------------------------------


def _custom_row(app, key: str, recipient: str = "oa-handler-1") -> int:
    with app.app_context():
        row = OutboxMessage(
            key=key, channel="custom", recipient=recipient, template="", payload={"text": "请补充\n购物凭证"}
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_custom_text_sent_and_45015_dead(app, emulator):
    first = _custom_row(app, "custom:1")
    second = _custom_row(app, "custom:2")

    assert deliver(app, first) == "sent"
    emulator.fault("custom_send", errcode=45015)
    assert deliver(app, second) == "dead"

    [message] = emulator.messages("custom")
    assert message["text"] == "请补充 购物凭证" and message["openid"] == "oa-handler-1"
    assert "45015" in get(app, second).last_error


# -- sweeping and operating ---------------------------------------------------------------------------


def test_sweep_stops_early_while_wechat_is_unreachable(app, emulator):
    ids = [_custom_row(app, f"custom:{i}") for i in range(5)]
    emulator.fault("custom_send", "http", status=500, times=None)

    assert sweep(app) == outbox.UNREACHABLE_STREAK
    attempts = [get(app, i).attempts for i in ids]
    assert attempts == [1, 1, 1, 0, 0]


def test_failed_retry_and_stats(app, emulator):
    outbox_id = _custom_row(app, "custom:1")
    emulator.fault("custom_send", errcode=45015)
    deliver(app, outbox_id)

    with app.app_context():
        [dead] = outbox.failed()
        assert dead["id"] == outbox_id and dead["attempts"] == 1 and "45015" in dead["last_error"]
        assert outbox.stats()["counts"]["dead"] == 1
        outbox.retry(outbox_id)
        db.session.commit()
        stats = outbox.stats()
        assert stats["counts"]["pending"] == 1 and stats["due"] == 1
        assert stats["oldest_pending_seconds"] >= 0
    assert get(app, outbox_id).last_error.startswith("retry requested; was: custom_send errcode 45015")
    assert deliver(app, outbox_id) == "sent"


def test_deliver_unknown_row_is_missing(app):
    assert deliver(app, 987654) == "missing"


# -- the queue: after-commit hook and jobs ------------------------------------------------------------


def test_rows_queued_after_commit_only(app, emulator, filed):
    filed["file"]()  # the filing request committed: one job for the rows it wrote
    with app.app_context():
        ids = db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        assert len(ids) == 2 and jobs.queued_ids() == [jobs.batch_job_id(ids)]

        row = OutboxMessage(key="k:rolled-back", channel="custom", recipient="oa-x", template="", payload={})
        db.session.add(row)
        after_commit.queue_row(row)
        db.session.flush()
        db.session.rollback()
        assert after_commit.ROWS_KEY not in db.session.info
        assert jobs.queued_ids() == [jobs.batch_job_id(ids)]


def test_savepoint_rollback_keeps_the_outer_rows(app, emulator):
    with app.app_context():
        kept = OutboxMessage(
            key="k:kept", channel="custom", recipient="oa-x", template="", payload={"text": "a"}
        )
        db.session.add(kept)
        after_commit.queue_row(kept)
        try:
            with db.session.begin_nested():
                db.session.add(
                    OutboxMessage(key="k:kept", channel="custom", recipient="y", template="", payload={})
                )
        except sa.exc.IntegrityError:
            pass
        db.session.commit()
        assert jobs.queued_ids() == [jobs.job_id(kept.id)]


def test_duplicate_enqueue_is_harmless(app, emulator, filed):
    filed["file"]()  # one job for the filing's two rows
    outbox_id = row_id(app, "template")
    with app.app_context():
        assert jobs.enqueue([outbox_id]) == 1  # the row queued a second time, by itself (the sweep, say)
        assert jobs.enqueue([outbox_id]) == 0  # ... and a third time: already waiting
        assert jobs.queued_ids().count(jobs.job_id(outbox_id)) == 1
        done = jobs.run_worker(app, threading.Event(), burst=True, logging_level="WARNING")
        assert done == 2 and jobs.queued_ids() == []
        # A finished job does not block queuing the row again (after `flask outbox retry`, say).
        assert jobs.enqueue([outbox_id]) == 1
        jobs.run_worker(app, threading.Event(), burst=True, logging_level="WARNING")
    assert len(emulator.messages("template")) == 1


def test_redis_down_commit_succeeds_and_nothing_is_queued(app, emulator, filed, monkeypatch):
    real = app.extensions["redis"]
    monkeypatch.setitem(app.extensions, "redis", redis_client.connect(DEAD_REDIS))
    try:
        with app.app_context():
            row = OutboxMessage(
                key="k:1", channel="custom", recipient="oa-x", template="", payload={"text": "a"}
            )
            db.session.add(row)
            after_commit.queue_row(row)
            db.session.commit()  # no exception
            assert redis_client.breaker_open()
            assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    finally:
        redis_client.reset_breaker()
    assert jobs.queued_ids(real) == []


def test_burst_worker_with_redis_down_raises(app):
    with pytest.raises(redis.ConnectionError):
        jobs.run_worker(app, threading.Event(), burst=True, connection=redis_client.connect(DEAD_REDIS))
