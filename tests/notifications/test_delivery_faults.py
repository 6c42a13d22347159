"""Delivery across the faults that matter: a worker dying between WeChat's acceptance and the commit, a
send timing out after WeChat took it. Per channel: a consumer's subscribe message at most once, a staff
template message at least once, resent only under the same `client_msg_id` within WeChat's de-dup window.

The worker really dies: a process of its own (`dying_worker`) exits without cleanup right after the
emulator accepted the message.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from app.core.timeutil import utcnow
from app.notifications.models import OutboxStatus
from tests.notifications.dying_worker import EXIT_CODE
from tests.notifications.test_delivery import allow, deliver, filed, get, remaining, row_id, sweep

ROOT = Path(__file__).resolve().parents[2]
__all__ = ["filed"]  # the fixture


def _die_while_delivering(app, app_config, outbox_id: int) -> None:
    env = {**os.environ, "DYING_WORKER_CONFIG": json.dumps(app_config)}
    child = subprocess.run(
        [sys.executable, "-m", "tests.notifications.dying_worker", str(outbox_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == EXIT_CODE, child.stderr[-2000:]


def _later(app, setting: str) -> dt.datetime:
    """Just past `setting` seconds from now: when a row left mid-send is looked at again."""
    return utcnow() + dt.timedelta(seconds=float(app.config.get(setting, 0)) + 1)


def test_subscribe_worker_dying_after_wechat_accepted_never_sends_it_twice(
    app, app_config, client, emulator, filed
):
    allow(client, emulator, filed["headers"], "alice", times=3)  # allowances a resend could spend
    filed["file"]()
    outbox_id = row_id(app, "subscribe")

    _die_while_delivering(app, app_config, outbox_id)

    assert len(emulator.messages("subscribe")) == 1
    assert get(app, outbox_id).status == OutboxStatus.SENDING
    assert deliver(app, outbox_id) == "sending"  # a job run at once: not due, nothing sent
    sweep(app, _later(app, "OUTBOX_IN_FLIGHT_SECONDS"))  # the sweep finds it left mid-send
    row = get(app, outbox_id)
    assert row.status == OutboxStatus.INBOX_ONLY and "outcome unknown" in row.last_error
    assert len(emulator.messages("subscribe")) == 1
    assert len(emulator.calls("subscribe_send")) == 1
    assert remaining(app) == 2  # the one allowance WeChat spent


def test_template_worker_dying_after_wechat_accepted_is_resent_and_dropped_as_a_repeat(
    app, app_config, emulator, filed
):
    filed["file"]()
    outbox_id = row_id(app, "template")

    _die_while_delivering(app, app_config, outbox_id)

    assert get(app, outbox_id).status == OutboxStatus.SENDING
    sweep(app, _later(app, "OUTBOX_IN_FLIGHT_SECONDS"))  # within the window: sent again, same id
    row = get(app, outbox_id)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    calls = emulator.calls("template_send")
    assert len(calls) == 2
    assert len(emulator.messages("template")) == 1  # WeChat dropped the repeat


def test_template_left_mid_send_past_the_dedup_window_is_dead_not_sent_twice(
    app, app_config, emulator, filed
):
    filed["file"]()
    outbox_id = row_id(app, "template")

    _die_while_delivering(app, app_config, outbox_id)

    sweep(app, _later(app, "OUTBOX_RESEND_WINDOW_SECONDS"))
    row = get(app, outbox_id)
    assert row.status == OutboxStatus.DEAD and "outcome unknown" in row.last_error
    assert len(emulator.calls("template_send")) == 1


def test_subscribe_timing_out_after_wechat_took_it_is_not_sent_again(app, client, emulator, filed):
    allow(client, emulator, filed["headers"], "alice", times=3)
    filed["file"]()
    outbox_id = row_id(app, "subscribe")
    # WeChat takes the message, but answers after the client has given up (WECHAT_HTTP_TIMEOUT).
    emulator.fault("subscribe_send", "delay", seconds=float(app.config["WECHAT_HTTP_TIMEOUT"]) + 0.5)

    assert deliver(app, outbox_id) == "inbox_only"

    deadline = time.monotonic() + 10
    while not emulator.messages("subscribe") and time.monotonic() < deadline:
        time.sleep(0.1)  # the emulator finishes the delayed send
    assert len(emulator.messages("subscribe")) == 1
    sweep(app, _later(app, "OUTBOX_RESEND_WINDOW_SECONDS"))
    assert len(emulator.messages("subscribe")) == 1
    assert "ReadTimeout" in get(app, outbox_id).last_error
