"""The job queue (RQ on the app's Redis): outbox deliveries, and the worker that runs them.

Jobs receive ids, never objects. The rows a commit writes are queued as one job ("outbox-A-to-B");
a row queued again by itself has the job id "outbox-N", so queuing it twice changes nothing. Delivery
itself is idempotent (app.notifications.delivery.deliver), so a job run twice, or two jobs and the periodic
sweep on the same row, still send once.

The queue is only a wake-up: when Redis is down nothing is queued and the worker's periodic sweep
delivers every due row from the database.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable

import redis
from flask import Flask, current_app, has_app_context
from rq import Queue, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.timeouts import TimerDeathPenalty

from app.core.redis_client import get_redis
from app.notifications import delivery

log = logging.getLogger(__name__)

QUEUE_NAME = "outbox"
JOB_TIMEOUT = 120  # seconds; a delivery is one WeChat call (WECHAT_HTTP_TIMEOUT) and two small writes
FAILURE_TTL = 24 * 3600  # a failed job is kept a day for `rq info`; the sweep retries the row anyway
#: An existing job in one of these states will run: queuing the row again is a no-op.
WAITING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
RECONNECT_MAX_SECONDS = 30.0

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The app jobs run in: the worker's, which `flask worker run` builds and hands to `run_worker`."""
    global _app
    _app = app


def job_app() -> Flask:
    """The app a queued job runs in (the worker's, or the current one)."""
    if _app is not None:
        return _app
    if has_app_context():
        return current_app._get_current_object()
    raise RuntimeError("no app for outbox jobs: run them with `flask worker run`")


def deliver_outbox(outbox_id: int) -> str:
    """RQ job: deliver one outbox row (in its own app context and transaction)."""
    with job_app().app_context():
        outcome = delivery.deliver_row(int(outbox_id))
    log.info("job %s: %s%s", job_id(outbox_id), outcome.status, "" if outcome.acted else " (nothing to do)")
    return outcome.status


def job_id(outbox_id: int) -> str:
    return f"outbox-{outbox_id}"


def enqueue(outbox_ids: Iterable[int], connection: redis.Redis | None = None) -> int:
    """Queue one delivery job per row id; return how many were newly queued. Raises Redis errors."""
    if connection is None:
        connection = get_redis()
    queue = Queue(QUEUE_NAME, connection=connection)
    queued = 0
    for outbox_id in outbox_ids:
        for _ in range(2):
            try:
                queue.enqueue_call(
                    deliver_outbox,
                    args=(int(outbox_id),),
                    job_id=job_id(outbox_id),
                    unique=True,
                    timeout=JOB_TIMEOUT,
                    result_ttl=0,
                    failure_ttl=FAILURE_TTL,
                )
                queued += 1
                break
            except DuplicateJobError:
                # Still waiting or running: nothing to do. Finished or failed long ago (a row put back
                # with `flask outbox retry`): drop the old job and queue a fresh one.
                try:
                    old = Job.fetch(job_id(outbox_id), connection=connection)
                except NoSuchJobError:
                    continue
                if old.get_status(refresh=False) in WAITING:
                    break
                old.delete()
    return queued


def enqueue_new(outbox_ids: Iterable[int], connection: redis.Redis | None = None) -> int:
    """Queue the rows a commit has just written as one job (one Redis pipeline). Raises Redis errors.

    Fresh rows cannot have jobs yet, so the uniqueness dance of `enqueue` is not needed. The job delivers
    the rows one after another; a row queued again later (the sweep, `flask outbox retry`) gets a job of
    its own, and delivery is idempotent, so nothing is sent twice. Returns the number of rows queued.
    """
    ids = sorted({int(i) for i in outbox_ids})
    if not ids:
        return 0
    if connection is None:
        connection = get_redis()
    pipe = connection.pipeline()  # the job, its queue's registration and the push in one round trip
    Queue(QUEUE_NAME, connection=connection).enqueue_call(
        deliver_outbox_rows,
        args=(ids,),
        job_id=batch_job_id(ids),
        timeout=JOB_TIMEOUT * len(ids),
        result_ttl=0,
        failure_ttl=FAILURE_TTL,
        description=f"deliver outbox rows {ids[0]}..{ids[-1]}",
        pipeline=pipe,
    )
    pipe.execute()
    return len(ids)


def deliver_outbox_rows(outbox_ids: list[int]) -> list[str]:
    """RQ job: deliver the rows one commit wrote, each in its own transaction, in order."""
    return [deliver_outbox(outbox_id) for outbox_id in outbox_ids]


def batch_job_id(outbox_ids: list[int]) -> str:
    return f"outbox-{outbox_ids[0]}-to-{outbox_ids[-1]}"


def queued_ids(connection: redis.Redis | None = None) -> list[str]:
    if connection is None:
        connection = get_redis()
    return Queue(QUEUE_NAME, connection=connection).get_job_ids()


# -- the worker ---------------------------------------------------------------------------------------


def worker_connection(app: Flask) -> redis.Redis:
    """A connection of the worker's own: RQ blocks on BLPOP and sets its own socket timeout, which must
    not leak into the app's fail-fast client."""
    return redis.Redis.from_url(
        app.config["REDIS_URL_EFFECTIVE"], socket_connect_timeout=2.0, health_check_interval=30
    )


class OutboxWorker(SimpleWorker):
    """SimpleWorker (no fork: jobs share the process and its app) that also stops the periodic loop, and
    works outside the main thread (no signal handlers there, thread-based job time-outs)."""

    def __init__(self, *args, stop: threading.Event, signals: bool = True, **kwargs):
        in_main = threading.current_thread() is threading.main_thread()
        if not in_main:
            kwargs.setdefault("death_penalty_class", TimerDeathPenalty)
        super().__init__(*args, **kwargs)
        self._stop_event = stop
        self._signals = signals and in_main
        self.jobs_run = 0

    def execute_job(self, job, queue):
        self.jobs_run += 1
        super().execute_job(job, queue)

    def _install_signal_handlers(self):
        if self._signals:
            super()._install_signal_handlers()

    def request_stop(self, signum, frame):
        self._stop_event.set()
        super().request_stop(signum, frame)


def run_worker(
    app: Flask,
    stop: threading.Event,
    *,
    burst: bool = False,
    connection: redis.Redis | None = None,
    logging_level: str = "INFO",
) -> int:
    """Work the outbox queue until `stop` is set (or, with `burst`, until it is empty).

    A Redis outage never ends the process: RQ retries its own connection while waiting for jobs, and
    anything that makes the RQ worker give up (Redis down at start, a timeout) is logged and the worker
    is started again after a growing pause, while the periodic sweep goes on delivering from the
    database. Returns the number of jobs run.
    """
    bind_app(app)
    connection = connection or worker_connection(app)
    signals = not burst and threading.current_thread() is threading.main_thread()
    if signals:
        _install_stop_handlers(stop)
    pause = 1.0
    done = 0
    while not stop.is_set():
        worker = None
        try:
            # Even building the worker talks to Redis (CLIENT SETNAME).
            worker = OutboxWorker([QUEUE_NAME], connection=connection, stop=stop, signals=signals)
            worker.work(burst=burst, logging_level=logging_level, with_scheduler=False)
            pause = 1.0
            if not burst and not stop.is_set():
                log.warning("job queue worker stopped unexpectedly; starting it again in %.0f s", pause)
        except (redis.RedisError, OSError) as exc:
            if burst:
                raise
            log.warning(
                "job queue unavailable (%s); retrying in %.0f s; the periodic sweep keeps delivering",
                exc,
                pause,
            )
        except Exception:
            if burst:
                raise
            log.exception("job queue worker failed; starting it again in %.0f s", pause)
        finally:
            done += worker.jobs_run if worker is not None else 0
            if signals:
                _install_stop_handlers(stop)  # RQ leaves its own handlers behind
        if burst:
            break
        stop.wait(pause)
        pause = min(pause * 2, RECONNECT_MAX_SECONDS)
    return done


def _install_stop_handlers(stop: threading.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
