"""`flask outbox ...`: dead letters, putting them back, counts, and a sweep by hand."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.complaints.texts import MESSAGES
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.notifications import delivery
from app.notifications.models import OutboxStatus

outbox_cli = AppGroup("outbox", help="WeChat notifications waiting, sent and failed.")


@outbox_cli.command("failed")
@click.option("--limit", default=100, show_default=True, help="At most this many, newest first.")
def failed_cmd(limit: int):
    """Dead letters: id, recipient, template, complaint number, attempts, last error."""
    rows = delivery.failed(limit)
    if not rows:
        click.echo(MESSAGES["no_failed"])
        return
    click.echo(MESSAGES["failed_header"])
    for r in rows:
        click.echo(
            f"{r['id']}\t{r['recipient']}\t{r['channel']}:{r['template']}\t{r['complaint_number'] or '-'}"
            f"\t{r['attempts']}\t{r['last_error']}\t{r['created_at'].astimezone(CHINA):%Y-%m-%d %H:%M}"
        )


@outbox_cli.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
def retry_cmd(ids: tuple[int, ...]):
    """Put dead messages back to pending (attempts from zero); the worker sends them."""
    done = []
    for outbox_id in ids:
        row = delivery.retry(outbox_id)
        if row is None:
            db.session.rollback()
            raise click.ClickException(MESSAGES["not_found"].format(id=outbox_id))
        if row.status != OutboxStatus.PENDING:
            db.session.rollback()
            raise click.ClickException(
                MESSAGES["not_retryable"].format(id=outbox_id, status=row.status.value)
            )
        done.append(outbox_id)
    db.session.commit()
    click.echo(MESSAGES["retried"].format(ids=", ".join(str(i) for i in done)))


@outbox_cli.command("stats")
def stats_cmd():
    """Messages per status, how many are due, and the oldest pending one."""
    data = delivery.stats()
    click.echo(MESSAGES["stats_header"])
    for status, count in data["counts"].items():
        click.echo(f"{status}\t{count}")
    click.echo(f"due\t{data['due']}")
    if data["oldest_pending_seconds"] is not None:
        click.echo(MESSAGES["oldest_pending"].format(age=data["oldest_pending_seconds"]))


@outbox_cli.command("sweep")
def sweep_cmd():
    """Deliver every due pending message now (what the worker does every OUTBOX_SWEEP_SECONDS)."""
    click.echo(MESSAGES["swept"].format(count=delivery.sweep()))


GROUPS = [outbox_cli]
