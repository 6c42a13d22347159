"""`flask complaints ...`: the station's side of a complaint from the command line.

The same transitions serve the official account's chat and the staff pages. With --staff (an id) the
command acts as that person, on the cases they may see (`app.complaints.access`) and with their role's
actions (`app.complaints.states`); without it the operator acts as the system, on any case.
"""

from __future__ import annotations

from decimal import Decimal

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.complaints import access, deadlines, flow, split, sweeps
from app.complaints.filing import input
from app.complaints.models import Complaint
from app.complaints.states import Actor
from app.complaints.texts import CASE_RESULTS, KINDS, NOT_OPEN_REASONS, status_label
from app.core.errors import DomainError, NotFound
from app.core.extensions import db
from app.core.timeutil import CHINA, utcnow
from app.directory import routing
from app.directory.models import Station
from app.staff import people
from app.staff.models import Staff

complaints_cli = AppGroup("complaints", help="Work complaints as station staff.")
routing_cli = AppGroup("routing", help="Routing rules.")


def _staff(staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise click.ClickException(f"未找到工作人员 {staff_id}")
    return staff


def _complaint(number: str, staff: Staff | None = None, *, lock: bool = False) -> Complaint:
    try:
        find = access.for_action if lock else access.for_view
        return find(number, staff=staff)
    except NotFound:
        raise click.ClickException(f"未找到投诉 {number}") from None


def _run(number: str, staff_id: int | None, action) -> None:
    staff = _staff(staff_id)
    complaint = _complaint(number, staff, lock=True)
    who = Actor("system", None, "cli") if staff is None else access.actor(staff, "cli")
    try:
        action(complaint, who)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        detail = "；".join(f"{k}：{v}" for k, v in (exc.fields or {}).items())
        raise click.ClickException(exc.message + (f"（{detail}）" if detail else "")) from exc
    click.echo(f"{complaint.number} → {status_label(complaint.kind.value, complaint.status.value)}")


staff_option = click.option("--staff", "staff_id", type=int, default=None, help="Acting staff member's id.")


@complaints_cli.command("list")
@click.option("--station", default=None, help="Station name or id.")
@click.option("--open/--all", "only_open", default=True)
def list_cmd(station: str | None, only_open: bool):
    """Complaints, most urgent deadline first."""
    query = sa.select(Complaint).order_by(Complaint.created_at)
    if station:
        st = _station(station)
        query = query.where(Complaint.station_id == st.id)
    rows = db.session.scalars(query).all()
    for c in rows:
        if only_open and not c.is_open:
            continue
        pending = [d for d in c.deadlines if d.met_at is None and d.cancelled_at is None]
        nxt = min(pending, key=lambda d: d.due_at, default=None)
        due = f"{deadlines.label(nxt.kind)} {deadlines.when_words(nxt, utcnow())}" if nxt else "-"
        click.echo(
            f"{c.number}\t{status_label(c.kind.value, c.status.value)}\t{c.store.name}\t{c.station.name}\t{due}"
        )


@complaints_cli.command("show")
@click.argument("number")
def show_cmd(number: str):
    c = _complaint(number)
    click.echo(
        f"{c.number} {status_label(c.kind.value, c.status.value)} {c.store.name} → {c.station.name}（{c.routing_rule}）"
    )
    click.echo(c.description)
    now = utcnow()
    for d in c.deadlines:
        click.echo(f"  {deadlines.label(d.kind)}：{deadlines.describe(d, now)['text']}")
    for e in c.events:
        seen = "" if e.visible_to_consumer else "［内部］"
        click.echo(f"  {e.at.astimezone(CHINA):%m-%d %H:%M} {e.actor}/{e.channel} {e.action} {seen}{e.text}")


@complaints_cli.command("accept")
@click.argument("number")
@staff_option
def accept_cmd(number, staff_id):
    _run(number, staff_id, flow.accept)


@complaints_cli.command("decline")
@click.argument("number")
@click.argument("reason_code")
@click.option("--text", default="")
@staff_option
def decline_cmd(number, reason_code, text, staff_id):
    """REASON_CODE: an Art. 16 ground (not_within_authority, already_handled, ...)."""
    _run(number, staff_id, lambda c, a: flow.decline(c, a, reason_code, text))


@complaints_cli.command("suspend")
@click.argument("number")
@click.argument("reason_code", type=click.Choice(["testing", "recusal"]))
@staff_option
def suspend_cmd(number, reason_code, staff_id):
    _run(number, staff_id, lambda c, a: flow.suspend(c, a, reason_code))


@complaints_cli.command("resume")
@click.argument("number")
@staff_option
def resume_cmd(number, staff_id):
    _run(number, staff_id, flow.resume)


@complaints_cli.command("transfer")
@click.argument("number")
@click.argument("station")
@click.argument("reason")
@staff_option
def transfer_cmd(number, station, reason, staff_id):
    target = _station(station)
    _run(number, staff_id, lambda c, a: flow.transfer(c, a, target, reason))


@complaints_cli.command("reply")
@click.argument("number")
@click.argument("text")
@click.option("--internal", is_flag=True, help="A note the consumer does not see.")
@staff_option
def reply_cmd(number, text, internal, staff_id):
    _run(number, staff_id, lambda c, a: flow.reply(c, a, text, internal=internal))


@complaints_cli.command("resolve")
@click.argument("number")
@click.argument("outcome", type=click.Choice(["agreement", "settled", "withdrawn", "terminated"]))
@click.option("--amount", default=None, help="Amount recovered, yuan.")
@click.option("--reason", "reason_code", default=None, help="Art. 23 ground when terminated.")
@click.option("--text", default="")
@staff_option
def resolve_cmd(number, outcome, amount, reason_code, text, staff_id):
    recovered = _amount(amount)
    _run(number, staff_id, lambda c, a: flow.resolve(c, a, outcome, recovered, text, reason_code))


@complaints_cli.command("merchant-reply")
@click.argument("number")
@click.argument("text")
@staff_option
def merchant_reply_cmd(number, text, staff_id):
    _run(number, staff_id, lambda c, a: flow.merchant_reply(c, a, text))


@complaints_cli.command("merchant-settle")
@click.argument("number")
@click.argument("text")
@click.option("--amount", default=None)
@staff_option
def merchant_settle_cmd(number, text, amount, staff_id):
    recovered = _amount(amount)
    _run(number, staff_id, lambda c, a: flow.merchant_settle(c, a, text, recovered))


# -- reports (举报): verification, 立案 / 不予立案, 结案; splitting a filing in two ---------------------------


@complaints_cli.command("extend")
@click.argument("number")
@click.argument("reason")
@staff_option
def extend_cmd(number, reason, staff_id):
    """A supervisor's approval, once per phase: verification +15 working days, an opened case +30 days."""
    _run(number, staff_id, lambda c, a: flow.extend(c, a, reason))


@complaints_cli.command("open-case")
@click.argument("number")
@click.option("--text", default="", help="What the verification found.")
@staff_option
def open_case_cmd(number, text, staff_id):
    """立案: the report's verification found grounds; the case is investigated."""
    _run(number, staff_id, lambda c, a: flow.open_case(c, a, text))


@complaints_cli.command("not-open")
@click.argument("number")
@click.argument("reason_code", type=click.Choice(list(NOT_OPEN_REASONS)))
@click.option("--text", default="")
@staff_option
def not_open_cmd(number, reason_code, text, staff_id):
    """不予立案, with a reason from the closed list; the report is closed."""
    _run(number, staff_id, lambda c, a: flow.not_open(c, a, reason_code, text))


@complaints_cli.command("conclude")
@click.argument("number")
@click.argument("result", type=click.Choice(list(CASE_RESULTS)))
@click.option("--text", default="")
@staff_option
def conclude_cmd(number, result, text, staff_id):
    """结案: the opened case is decided; a named reporter is told the result."""
    _run(number, staff_id, lambda c, a: flow.conclude(c, a, result, text))


@complaints_cli.command("split")
@click.argument("number")
@click.option("--text", default="")
@staff_option
def split_cmd(number, text, staff_id):
    """A filing holding a complaint and a report: open the other kind as a linked case (Art. 9)."""
    made = []
    _run(number, staff_id, lambda c, a: made.append(split.split(c, a, text)))
    click.echo(
        f"{made[0].number}（{KINDS[made[0].kind.value]}）→ {status_label(made[0].kind.value, made[0].status.value)}"
    )


@complaints_cli.command("handoff")
@click.argument("number")
@click.option("--national-number", required=True, help="The case number on the national 12315 platform.")
@click.option("--date", "filed_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@staff_option
def handoff_cmd(number, national_number, filed_on, staff_id):
    """The case moved to the national 12315 platform: record its number; the station's clocks stop."""
    _run(number, staff_id, lambda c, a: flow.hand_off_national(c, a, national_number, filed_on.date()))


@complaints_cli.command("sweep")
def sweep_cmd():
    """Escalate missed deadlines and auto-close unanswered resolutions (the worker does this too)."""
    escalated = sweeps.escalate_missed()
    closed = sweeps.auto_close()
    db.session.commit()
    click.echo(f"escalated {escalated}, auto-closed {closed}")


@routing_cli.command("list")
def routing_list_cmd():
    for i, spec in enumerate(routing.active_rules(), start=1):
        scope = []
        if spec.categories:
            scope.append("categories=" + ",".join(spec.categories))
        if spec.kinds:
            scope.append("kinds=" + ",".join(spec.kinds))
        click.echo(f"{i}. {spec.rule} {' '.join(scope)}".rstrip())


@routing_cli.command("reset")
def routing_reset_cmd():
    """Write the default rule order to the routing_rules table."""
    routing.reset_rules()
    db.session.commit()
    click.echo("routing rules reset to the default order")


def _station(value: str) -> Station:
    try:
        return people.find_station(value)
    except NotFound:
        raise click.ClickException(f"未找到站点 {value}") from None


def _amount(value: str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return input.parse_amount(value)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


GROUPS = [complaints_cli, routing_cli]
