"""`flask staff link <staff_id> <number>`: the URL of a complaint's H5 page for a staff member.

In sandbox mode it is signed for that person (the way to play a station worker on the demo); in
production it is the plain page URL, and WeChat OAuth identifies whoever opens it.

The `staff` group may also be defined by another module (`flask staff add`, `invite`, ...):
`register(app)` adds this command to whichever `staff` group the app already has, or makes one.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.complaints import access
from app.core.errors import NotFound
from app.core.extensions import db
from app.staff import h5_sessions
from app.staff.models import Staff


@click.command("link")
@click.argument("staff_id", type=int)
@click.argument("number")
@with_appcontext
def link_cmd(staff_id: int, number: str):
    """Print the H5 page URL of complaint NUMBER for staff member STAFF_ID."""
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise click.ClickException(f"未找到工作人员 {staff_id}")
    try:
        complaint = access.for_view(number)
    except NotFound:
        raise click.ClickException(f"未找到投诉 {number}") from None
    if not staff.active:
        raise click.ClickException(f"工作人员 {staff_id} 已停用")
    if not access.can_see(staff, complaint):
        click.echo(f"注意：{staff.name} 无权查看投诉 {complaint.number}，打开后会显示“未找到”。", err=True)
    click.echo(h5_sessions.link_for(staff, complaint.number))


def register(app: Flask) -> None:
    group = app.cli.commands.get("staff")
    if not isinstance(group, click.Group):
        group = AppGroup("staff", help="Station staff and merchant contacts.")
        app.cli.add_command(group)
    group.add_command(link_cmd)


#: Registered through `register(app)`, after the other groups (see app/cli.py).
GROUPS: list = []
