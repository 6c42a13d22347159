"""`flask publicity ...`: refresh the published record, and moderate stores' replies to their cases."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.audit import log as audit_log
from app.audit.log import Actor
from app.complaints import access
from app.complaints.states import Actor as ComplaintActor
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.timeutil import cn_moment
from app.directory.models import Station
from app.publicity import jobs, replies, review
from app.publicity.texts import CLI, REPLY_STATUS
from app.staff.models import Staff

publicity_cli = AppGroup("publicity", help="Complaint publicity: records, summaries, store replies.")
reply_cli = AppGroup("reply", help="A store's reply to a published case, moderated by the station.")
review_cli = AppGroup("review", help="Complaint texts WeChat's check left to a person: publish or withhold.")
publicity_cli.add_command(reply_cli)
publicity_cli.add_command(review_cli)


def _staff(staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise click.ClickException(f"未找到工作人员 {staff_id}")
    return staff


def _do(action):
    try:
        result = action()
        db.session.commit()
        return result
    except DomainError as exc:
        db.session.rollback()
        detail = "；".join(f"{v}" for v in (exc.fields or {}).values())
        raise click.ClickException(exc.message + (f"（{detail}）" if detail else "")) from exc


@publicity_cli.command("refresh")
@click.option("--force", is_flag=True, help="Recompute store records even if today's exist.")
def refresh_cmd(force: bool):
    """Redact newly publishable cases and recompute each store's 12-month record (the worker does this)."""
    prepared, written = jobs.run(force=force)
    click.echo(CLI["refreshed"].format(stores=written, cases=prepared))


@reply_cli.command("submit")
@click.argument("number")
@click.option("--text", required=True)
@click.option("--staff", "staff_id", type=int, default=None, help="The store's merchant contact (staff id).")
def reply_submit_cmd(number, text, staff_id):
    reply = _do(lambda: replies.submit(number, text, _staff(staff_id)))
    click.echo(CLI["reply_submitted"].format(id=reply.id))


@reply_cli.command("list")
def reply_list_cmd():
    """Replies waiting for the station."""
    rows = replies.pending()
    if not rows:
        click.echo(CLI["no_replies"])
    for r in rows:
        click.echo(
            CLI["reply_row"].format(
                id=r.id,
                number=r.complaint.number,
                store=r.complaint.store.name,
                status=REPLY_STATUS[r.status],
                text=r.text,
            )
        )


@reply_cli.command("approve")
@click.argument("reply_id", type=int)
@click.option("--staff", "staff_id", type=int, default=None, help="The moderating station staff member.")
def reply_approve_cmd(reply_id, staff_id):
    reply = _do(lambda: replies.moderate(reply_id, True, _staff(staff_id)))
    click.echo(CLI["reply_moderated"].format(id=reply.id, status=REPLY_STATUS[reply.status]))


@reply_cli.command("reject")
@click.argument("reply_id", type=int)
@click.option("--staff", "staff_id", type=int, default=None)
@click.option("--note", default="")
def reply_reject_cmd(reply_id, staff_id, note):
    reply = _do(lambda: replies.moderate(reply_id, False, _staff(staff_id), note))
    click.echo(CLI["reply_moderated"].format(id=reply.id, status=REPLY_STATUS[reply.status]))


@review_cli.command("list")
def review_list_cmd():
    """Complaint texts waiting for a person, oldest first."""
    rows = review.pending(set(db.session.scalars(sa.select(Station.id))))
    if not rows:
        click.echo(CLI["no_reviews"])
    for c in rows:
        click.echo(
            CLI["review_row"].format(
                number=c.number,
                filed=cn_moment(c.created_at),
                store=c.store.name,
                station=c.station.name,
                text=c.description.replace("\n", " "),
            )
        )


@review_cli.command("decide")
@click.argument("number")
@click.argument("decision", type=click.Choice(sorted(review.DECISIONS)))
def review_decide_cmd(number: str, decision: str):
    """publish: it may be published once it ends (redacted); withhold: it never is."""

    def act():
        complaint = access.for_action(number)
        changed = review.decide(complaint, decision, ComplaintActor("system", None, "cli"))
        if changed:
            audit_log.record(
                Actor.cli(),
                f"content.{decision}",
                complaint.number,
                station_id=complaint.station_id,
                after={"content_check": complaint.content_check.value},
            )
        return complaint, changed

    try:
        complaint, changed = _do(act)
    except ValueError:
        db.session.rollback()
        raise click.ClickException(CLI["review_not_needed"].format(number=number)) from None
    words = review.DECISIONS[decision][1]
    key = "review_done" if changed else "review_unchanged"
    click.echo(CLI[key].format(number=complaint.number, words=words))


GROUPS = [publicity_cli]
