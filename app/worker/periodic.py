"""Periodic jobs run by the worker process (`flask worker run`).

Each job is a plain function run inside an app context with its own transaction; a failing job is
logged and retried on its next tick, never taking the loop down. Jobs must be idempotent: the same
job may run in two worker processes at once in production, or twice after a crash.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from app.complaints import content_check, sweeps
from app.core import db_outage
from app.core.extensions import db
from app.figures import export_jobs, rollups
from app.notifications import credential_alerts, delivery
from app.official_account import callback
from app.publicity import jobs as publicity_jobs
from app.stores import scans

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: float
    func: Callable[[], object]
    next_run: float = 0.0
    config_key: str | None = None  # an app setting that overrides every_seconds


JOBS: list[Job] = []


def every(seconds: float, name: str | None = None, config_key: str | None = None):
    def register(func):
        JOBS.append(Job(name or func.__name__, seconds, func, config_key=config_key))
        return func

    return register


def run_due(app: Flask, now: float | None = None) -> list[str]:
    """Run every job whose time has come; return the names of those that ran."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in JOBS:
        if now < job.next_run:
            continue
        interval = job.every_seconds
        if job.config_key and app.config.get(job.config_key):
            interval = float(app.config[job.config_key])
        job.next_run = now + interval
        with app.app_context():
            try:
                job.func()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("periodic job %s failed; it will run again", job.name)
        ran.append(job.name)
    return ran


def loop(app: Flask, stop: threading.Event, tick: float = 1.0) -> None:
    while not stop.is_set():
        run_due(app)
        stop.wait(tick)


@every(30, "scans.persist")
def _persist_scans() -> None:
    scans.flush()
    scans.persist()


@every(60, "complaints.escalate_missed")
def _escalate() -> None:
    sweeps.escalate_missed()


@every(300, "complaints.warn_approaching")
def _warn() -> None:
    sweeps.warn_approaching()


@every(3600, "complaints.replan_after_library_upgrade")
def _replan_after_library_upgrade() -> None:
    from app.complaints import replan  # loaded on first run, like the other jobs' domain modules

    replan.after_library_upgrade()


@every(3600, "complaints.auto_close")
def _auto_close() -> None:
    sweeps.auto_close()


@every(120, "complaints.recheck_content")
def _recheck_content() -> None:
    content_check.recheck_pending()


@every(15, "delivery.sweep", config_key="OUTBOX_SWEEP_SECONDS")
def _sweep_outbox() -> None:
    delivery.sweep()


@every(1, "delivery.catch_up")
def _catch_up_outbox() -> None:
    try:
        delivery.catch_up()
    except db_outage.OUTAGE as exc:  # every second while the database is away: one line, no traceback
        log.warning("delivery.catch_up: database unavailable (%s)", type(exc).__name__)


@every(3600, "oa.prune_inbound")
def _prune_oa_inbound() -> None:
    callback.prune_inbound()


@every(3600, "credentials.expiry_alerts")
def _credential_alerts() -> None:
    credential_alerts.sweep()


@every(600, "publicity.refresh")
def _publicity() -> None:
    publicity_jobs.run()


@every(600, "figures.rollup")
def _figures_rollup() -> None:
    rollups.refresh()
    db.session.commit()


@every(60, "figures.exports")
def _exports() -> None:
    export_jobs.sweep()
