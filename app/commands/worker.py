"""`flask worker run`: the background worker (periodic jobs now; the job queue joins it later)."""

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from app import periodic

worker_cli = AppGroup("worker", help="Background worker.")


@worker_cli.command("run")
@click.option("--once", is_flag=True, help="Run every periodic job once and exit.")
def run_cmd(once: bool):
    """Run the periodic jobs until stopped (SIGTERM / Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    app = current_app._get_current_object()
    if once:
        ran = periodic.run_due(app, now=float("inf"))
        click.echo("ran: " + ", ".join(ran))
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("worker started: " + ", ".join(j.name for j in periodic.JOBS))
    periodic.loop(app, stop)
    click.echo("worker stopped")


GROUPS = [worker_cli]
