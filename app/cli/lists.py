"""What the console lists, from the command line (district-wide; the CLI is the operator's):

    flask stores find Q                  name, USCC or code (old codes too), like /admin/stores?q=
    flask stores credentials             expired and expiring credentials, like /admin/credentials
    flask audit list [--actor U] [--action store.update] [--target TEXT] [--since DATE] [--until DATE]

One line per row, tab-separated, Chinese values; read-only.
"""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit import log as audit_log
from app.audit.texts import ACTIONS, VIA
from app.cli.common import Refused
from app.cli.imports import stores_cli
from app.core.extensions import db
from app.core.texts import CREDENTIAL_KINDS
from app.core.timeutil import CHINA, today_cn
from app.directory import routing
from app.directory.models import Station
from app.notifications import credential_alerts
from app.stores import search

audit_cli = AppGroup("audit", help="The audit log of changes made in the console and the CLI.")
FIND_LIMIT = 200


def _code(store) -> str:
    return store.active_code.code if store.active_code else "—"


@stores_cli.command("find")
@click.argument("q")
def stores_find_cmd(q: str):
    """Stores whose name, USCC or code (old codes too) matches Q."""
    found = search.search(q[:100])
    for store in found[:FIND_LIMIT]:
        station = db.session.get(Station, routing.station_id_for(store) or 0)
        click.echo(f"{_code(store)}\t{store.name}\t{store.uscc}\t{station.name if station else '—'}")
    if not found:
        click.echo("没有找到符合条件的店铺。")
    elif len(found) > FIND_LIMIT:
        click.echo(f"仅显示前 {FIND_LIMIT} 家，请缩小查询范围。")


def _left(days: int) -> str:
    return f"已过期 {-days} 天" if days < 0 else "今天到期" if days == 0 else f"还有 {days} 天"


@stores_cli.command("credentials")
def stores_credentials_cmd():
    """Expired credentials and those ending within CREDENTIAL_EXPIRING_DAYS, most urgent first."""
    days = int(current_app.config["CREDENTIAL_EXPIRING_DAYS"])
    rows = credential_alerts.listing(search.search("", limit=None), today_cn(), days)
    for store, cred, left in rows:
        kind = CREDENTIAL_KINDS.get(cred.kind.value, cred.kind.value)
        click.echo(f"{store.name}\t{_code(store)}\t{kind}\t{cred.number}\t{cred.valid_until}\t{_left(left)}")
    if not rows:
        click.echo("没有过期或即将到期的证照。")


def _day(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(f"{option} 应为日期，如 2026-12-07") from None


@audit_cli.command("list")
@click.option("--actor", default="", help="A console username or the OS user of a CLI change.")
@click.option("--action", default="", help="e.g. store.update, station.close, region.create.")
@click.option("--target", default="", help="Part of the object's name.")
@click.option("--since", default=None, help="First day (China time), YYYY-MM-DD.")
@click.option("--until", default=None, help="Last day (China time), YYYY-MM-DD.")
@click.option("--limit", default=audit_log.PAGE_SIZE, show_default=True, type=click.IntRange(1, 10_000))
def audit_list_cmd(actor: str, action: str, target: str, since: str | None, until: str | None, limit: int):
    """Audit entries, newest first: when, who, through which surface, what, before and after."""
    if action and action not in ACTIONS:
        raise Refused("没有这种操作：" + action[:50] + "。可选：" + "、".join(ACTIONS))
    first, last = _day(since, "--since"), _day(until, "--until")
    entries = audit_log.entries(
        actor=actor[:64].replace("\x00", ""),
        action=action,
        target=target[:100].replace("\x00", ""),
        since=dt.datetime.combine(first, dt.time(), CHINA) if first else None,
        until=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), CHINA)
        if last and last < dt.date.max
        else None,
        limit=limit,
    )
    for e in entries:
        when = e.at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        change = [json.dumps(x, ensure_ascii=False) for x in (e.before, e.after) if x is not None]
        what = ACTIONS.get(e.action, e.action)
        click.echo("\t".join([when, e.actor, VIA.get(e.via, e.via), what, e.target, *change]))
    if not entries:
        click.echo("没有符合条件的记录。")


GROUPS = [audit_cli]
