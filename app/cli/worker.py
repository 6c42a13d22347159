"""`flask worker run`: the background worker — periodic jobs and the outbox job queue (RQ)."""

import logging
import threading

import click
import redis
from flask import current_app
from flask.cli import AppGroup

from app.notifications import queue as jobs
from app.worker import periodic

worker_cli = AppGroup("worker", help="Background worker.")


@worker_cli.command("run")
@click.option("--once", is_flag=True, help="Run every periodic job once (the outbox sweep too) and exit.")
@click.option("--burst", is_flag=True, help="Run the queued jobs until the queue is empty, then exit.")
def run_cmd(once: bool, burst: bool):
    """Run the periodic jobs (a background thread) and the job queue (this thread) until stopped.

    Redis down does not stop the worker: the job queue reconnects on its own while the periodic sweep
    goes on delivering the outbox from the database. SIGTERM / Ctrl-C stop it after the current job.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    app = current_app._get_current_object()
    if burst:
        try:
            done = jobs.run_worker(app, threading.Event(), burst=True, logging_level="WARNING")
        except (redis.RedisError, OSError) as exc:
            raise click.ClickException(f"job queue unavailable: {exc}") from exc
        click.echo(f"queue: {done} job(s) run")
    if once:
        ran = periodic.run_due(app, now=float("inf"))
        click.echo("ran: " + ", ".join(ran))
    if once or burst:
        return
    stop = threading.Event()
    loop = threading.Thread(target=periodic.loop, args=(app, stop), name="periodic", daemon=True)
    click.echo("worker started: " + ", ".join(j.name for j in periodic.JOBS) + f", queue {jobs.QUEUE_NAME}")
    loop.start()
    try:
        jobs.run_worker(app, stop)
    finally:
        stop.set()
        loop.join(timeout=60)
    click.echo("worker stopped")


GROUPS = [worker_cli]
