"""`flask demo seed`: the demo city (built by app.dev.demo through the importer)."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.extensions import db
from app.dev import demo
from app.stores.qr_export import store_url

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Seed as if today were this China date (YYYY-MM-DD); credential dates are relative to it.",
)
def seed_cmd(today: dt.datetime | None):
    """Create or refresh the demo district, its stations and stores. Safe to run again."""
    result = demo.seed(today.date() if today else None)
    demo.ensure_admin()
    db.session.commit()
    for line in (*result.stations.notes, *result.stores.notes):
        click.echo(line)
    click.echo(f"站点：{result.stations.summary()}")
    click.echo(f"店铺：{result.stores.summary()}")
    if not result.changed:
        click.echo("演示数据已是最新，未做任何修改。")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo("演示店铺：")
    for why, name, code in result.samples:
        click.echo(f"  {code}  {name}（{why}）  {store_url(base, code)}")
    click.echo(
        f"监管后台：{base.rstrip('/')}/admin/login  用户名 {demo.DEMO_ADMIN}  密码 {demo.DEMO_ADMIN_PASSWORD}"
        f"（{demo.CENTRE}，管理员）"
    )


@demo_cli.command("history")
@click.option("--per-month", type=click.IntRange(1, 200), default=24, show_default=True)
def history_cmd(per_month: int):
    """File and work a year of complaints at the demo stores (each step at its own past moment)."""
    from app.dev import demo_history  # late: it needs time-machine, a development dependency

    made = demo_history.seed(per_month=per_month)
    if made:
        click.echo(f"演示历史：已生成 {made} 件投诉举报（过去 12 个月），指标、地图和公示页可以查看了。")
    else:
        click.echo("演示历史已存在（或尚无演示店铺），未做任何修改。")


GROUPS = [demo_cli]
