"""`flask admin add-user|list|disable|totp`: console accounts (app.accounts), audited as the OS user."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.accounts import service
from app.accounts.texts import ROLES
from app.audit.log import Actor
from app.cli.common import commit

admin_cli = AppGroup("admin", help="Accounts of the regulators' web console.")


@admin_cli.command("add-user")
@click.argument("username")
@click.option("--station", required=True, help="The station the account belongs to (its full name).")
@click.option("--role", required=True, help="administrator, operator or viewer.")
@click.option("--password", default=None, help="The password; read from standard input when omitted.")
@click.option(
    "--staff",
    "staff_id",
    type=int,
    default=None,
    help="A bound staff member's id: may also log in by WeChat QR.",
)
def add_user_cmd(username: str, station: str, role: str, password: str | None, staff_id: int | None):
    """Create a console account; the password comes from --password or the first line of stdin."""
    if password is None:
        password = sys.stdin.readline().rstrip("\r\n")
    user = commit(
        lambda: service.create_user(
            username,
            service.find_station(station),
            role,
            password,
            Actor.cli(),
            staff=service.find_staff(staff_id) if staff_id is not None else None,
        )
    )
    click.echo(f"已创建账号 {user.username}（{ROLES[user.role.value]}，{user.station.name}）")


@admin_cli.command("list")
def list_cmd():
    """Every console account: username, role, station, state."""
    for user in service.all_users():
        state = "启用" if user.active else "已停用"
        totp = "，动态码" if user.totp_secret else ""
        click.echo(f"{user.username}\t{ROLES[user.role.value]}\t{user.station.name}\t{state}{totp}")


@admin_cli.command("disable")
@click.argument("username")
def disable_cmd(username: str):
    """Disable a console account; its open sessions end at once."""
    changed = commit(lambda: service.disable_user(service.find_user(username), Actor.cli()))
    click.echo(f"已停用账号 {username}" if changed else f"账号 {username} 原已停用")


@admin_cli.command("totp")
@click.argument("username")
def totp_cmd(username: str):
    """Turn on the TOTP second factor for an account (a new secret); prints the otpauth:// URI."""
    click.echo(commit(lambda: service.set_totp(service.find_user(username), Actor.cli())))


GROUPS = [admin_cli]
