"""`flask staff ...`: station staff and merchant contacts, and binding their WeChat.

    flask staff add --station 测试商圈服务站 --name 王站长 --role handler [--phone ...]   (prints the id)
    flask staff add-merchant --store <store code or USCC> --name 店长 [--phone ...]       (prints the id)
    flask staff invite <id> [--qr-out invite.png]   a one-time 6-digit code and a temporary QR (24 h)
    flask staff unbind <id>
    flask staff list [--station ...]

The id goes alone to stdout (so scripts can capture it), the sentence around it to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click
import qrcode
from flask import current_app
from flask.cli import AppGroup

from app.audit.log import Actor
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.official_account.texts import CLI
from app.staff import people
from app.staff.models import StaffRole
from app.staff.texts import ROLES
from wechat.api import WeChatError

staff_cli = AppGroup("staff", help="Station staff and merchant contacts.")


def _fail(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    detail = "；".join(str(v) for v in (exc.fields or {}).values())
    return click.ClickException(detail or exc.message)


@staff_cli.command("add")
@click.option("--station", required=True, help="Station name or id.")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["handler", "supervisor"]), default="handler", show_default=True)
@click.option("--phone", default="")
def add_cmd(station: str, name: str, role: str, phone: str):
    """Add a station staff member; prints the new id."""
    try:
        person = people.add_staff(
            people.find_station(station), name, StaffRole(role), phone, actor=Actor.cli()
        )
        db.session.commit()
    except DomainError as exc:
        raise _fail(exc) from exc
    _added(person)


@staff_cli.command("add-merchant")
@click.option("--store", required=True, help="A store code or the store's USCC.")
@click.option("--name", required=True)
@click.option("--phone", default="")
def add_merchant_cmd(store: str, name: str, phone: str):
    """Add a store's merchant contact (首问负责); prints the new id."""
    try:
        person = people.add_merchant(people.find_store(store), name, phone)
        db.session.commit()
    except DomainError as exc:
        raise _fail(exc) from exc
    _added(person)


def _added(person) -> None:
    click.echo(
        CLI["staff_added"].format(
            name=person.name, role=ROLES[person.role.value], where=people.place(person), id=person.id
        ),
        err=True,
    )
    click.echo(person.id)


@staff_cli.command("invite")
@click.argument("staff_id", type=int)
@click.option(
    "--qr-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Where to save the QR image (PNG); default: instance/staff-invites/.",
)
def invite_cmd(staff_id: int, qr_out: Path | None):
    """A one-time binding token for STAFF_ID, valid 24 hours: a 6-digit code and a temporary QR."""
    try:
        person = people.get(staff_id)
        invite = people.create_invite(person, actor=Actor.cli())
        db.session.commit()
    except DomainError as exc:
        raise _fail(exc) from exc
    expires = invite.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    click.echo(CLI["invite_code"].format(code=invite.code, expires=expires))
    click.echo(CLI["invite_how"].format(code=invite.code))
    # After the commit: the code works even when WeChat cannot make the QR right now.
    try:
        url = people.invite_qr_url(invite)
    except WeChatError as exc:
        click.echo(CLI["invite_qr_failed"].format(error=exc), err=True)
        return
    path = qr_out or Path(current_app.instance_path) / "staff-invites" / f"staff-{person.id}-{invite.id}.png"
    _save_qr(url, path)
    click.echo(CLI["invite_qr"].format(path=path))
    click.echo(CLI["invite_qr_url"].format(url=url))


def _save_qr(url: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    qr = qrcode.QRCode(border=4, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    qr.make(fit=True)
    qr.make_image(fill_color="black", back_color="white").save(str(path))


@staff_cli.command("unbind")
@click.argument("staff_id", type=int)
def unbind_cmd(staff_id: int):
    """Forget the WeChat bound to STAFF_ID (they stop getting alerts and cannot work cases in chat)."""
    try:
        person = people.get(staff_id)
    except DomainError as exc:
        raise _fail(exc) from exc
    changed = people.unbind(person, actor=Actor.cli())
    db.session.commit()
    click.echo(CLI["unbound" if changed else "not_bound"].format(name=person.name, id=person.id))


@staff_cli.command("list")
@click.option("--station", default=None, help="Station name or id.")
def list_cmd(station: str | None):
    """Staff and merchant contacts: id, name, role, where, bound or not."""
    try:
        where = people.find_station(station) if station else None
    except DomainError as exc:
        raise _fail(exc) from exc
    listed = people.list_staff(where)
    if not listed:
        click.echo(CLI["list_empty"])
    for p in listed:
        state = CLI["bound_yes"] if p.oa_openid else CLI["bound_no"]
        if p.oa_openid and not p.oa_following:
            state += "，" + CLI["unfollowed"]
        if not p.active:
            state += "，" + CLI["inactive"]
        click.echo(f"{p.id}\t{p.name}\t{ROLES[p.role.value]}\t{people.place(p)}\t{state}\t{p.phone}")


GROUPS = [staff_cli]
