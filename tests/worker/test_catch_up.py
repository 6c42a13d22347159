"""After an outage the outbox backlog drains at once, not on the sweep's next run: a queue emptied under
pending rows (Redis restarted empty), and jobs that failed while the database was away.

The worker's periodic loop is driven through `periodic.run_due` on its own clock: every job has just
run, and one second later only the one-second jobs are due — the outbox sweep (every
OUTBOX_SWEEP_SECONDS) is not.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from rq.registry import FailedJobRegistry

from app.core.extensions import db
from app.core.redis_client import get_redis
from app.notifications import queue as jobs
from app.notifications.models import OutboxMessage, OutboxStatus
from app.worker import periodic
from tests import helpers
from tests.notifications.test_delivery import allow, file
from tests.outage import away

__all__ = ["away"]  # the fixture
JUST_RAN = 1000.0  # the periodic loop's clock when every job last ran


@pytest.fixture
def loop_just_ran(app, monkeypatch):
    """Every periodic job has just run; rows count as late at once (no OUTBOX_CATCH_UP_SECONDS wait)."""
    for job in periodic.JOBS:
        interval = (
            float(app.config.get(job.config_key) or job.every_seconds)
            if job.config_key
            else job.every_seconds
        )
        monkeypatch.setattr(job, "next_run", JUST_RAN + interval)
    monkeypatch.setitem(app.config, "OUTBOX_CATCH_UP_SECONDS", 0.0)


@pytest.fixture
def backlog(app, client, emulator):
    """Three complaints filed: six outbox rows (three subscribe, three template), their job queued."""
    shop = helpers.shop(app)
    headers = helpers.login(client, emulator, "alice")
    allow(client, emulator, headers, "alice", times=3)
    for _ in range(3):
        file(client, headers, shop["code"])
    return shop


def _statuses(app) -> list[OutboxStatus]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_a_queue_emptied_under_pending_rows_drains_without_waiting_for_the_sweep(
    app, emulator, backlog, loop_just_ran
):
    with app.app_context():
        get_redis().flushdb()  # Redis restarted empty: the jobs are gone, the rows are still pending
    assert set(_statuses(app)) == {OutboxStatus.PENDING}

    ran = periodic.run_due(app, now=JUST_RAN + 1.5)

    assert "delivery.sweep" not in ran and "delivery.catch_up" in ran
    assert _statuses(app) == [OutboxStatus.SENT] * 6
    assert len(emulator.messages("subscribe")) == 3 and len(emulator.messages("template")) == 3


def test_jobs_failed_while_the_database_was_away_are_retried(
    app, away, emulator, backlog, loop_just_ran, monkeypatch
):
    monkeypatch.setattr(jobs, "_app", None)  # the job queue's app, bound to the broken one below
    with away.app_context():
        assert jobs.run_worker(away, threading.Event(), burst=True) == 3  # each fails: no database
    with app.app_context():
        failed = FailedJobRegistry(jobs.QUEUE_NAME, connection=get_redis())
        assert failed.count == 3
    assert set(_statuses(app)) == {OutboxStatus.PENDING}
    assert emulator.messages() == []

    ran = periodic.run_due(app, now=JUST_RAN + 1.5)  # the database is back

    assert "delivery.catch_up" in ran
    assert _statuses(app) == [OutboxStatus.SENT] * 6
    assert len(emulator.messages()) == 6
