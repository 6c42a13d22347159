"""`flask scans persist|integrity`: move scan counters into the database; list codes to review."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.timeutil import today_cn
from app.stores import integrity, scan_origin, scans
from app.stores.texts import INTEGRITY_CLI as T

scans_cli = AppGroup("scans", help="Scan counters.")


@scans_cli.command("persist")
def persist_cmd():
    """Flush this process's counts and move Redis day counters into store_scans_daily."""
    scans.flush()
    moved = scans.persist()
    click.echo(f"persisted {moved} scans")


def _code(store) -> str:
    return store.active_code.code if store.active_code else ""


@scans_cli.command("integrity")
def integrity_cmd():
    """Codes to review (the console's 扫码异常 page, district-wide): jumps above a store's own history,
    days mostly scanned from another city, revoked codes still scanned."""
    today = today_cn()
    cfg = current_app.config
    click.echo(
        T["jumps"].format(
            recent=integrity.RECENT_DAYS,
            min=integrity.JUMP_MIN,
            history=integrity.HISTORY_DAYS,
            factor=int(integrity.JUMP_FACTOR),
        )
    )
    found = integrity.jumps(today)
    for j in found:
        click.echo(
            T["jump"].format(
                name=j.store.name, code=_code(j.store), day=j.day, scans=j.scans, average=j.average
            )
        )
    if not found:
        click.echo(T["no_jumps"])
    minimum, share = cfg["SCAN_OUT_OF_CITY_MIN"], cfg["SCAN_OUT_OF_CITY_SHARE"]
    click.echo(T["away"].format(recent=integrity.RECENT_DAYS, min=minimum, share=round(share * 100)))
    state = scan_origin.state(cfg)
    if not state.on:
        click.echo(f"{state.why}（{state.detail}）")
    else:
        away = integrity.mostly_from_elsewhere(today, minimum=minimum, share=share)
        for a in away:
            click.echo(
                T["away_row"].format(
                    name=a.store.name,
                    code=_code(a.store),
                    day=a.day,
                    away=a.out_of_city,
                    counted=a.counted,
                    percent=a.percent,
                    unknown=a.unknown,
                )
            )
        if not away:
            click.echo(T["no_away"])
    click.echo(T["still"].format(days=integrity.REVOKED_DAYS))
    still = integrity.still_scanned(today)
    for s in still:
        click.echo(T["still_row"].format(name=s.store.name, code=s.code, scans=s.scans, day=s.last_day))
    if not still:
        click.echo(T["no_still"])


GROUPS = [scans_cli]
