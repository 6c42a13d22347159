"""`flask figures ...`: the key figures, the cases behind one, and the regulator's case export."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import log as audit_log
from app.audit.log import Actor
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.figures import export, kpis, rollups
from app.figures.texts import CLI, DATES

figures_cli = AppGroup("figures", help="Key figures for regulators, their cases, exports.")

_date = click.DateTime(["%Y-%m-%d"])


def period_options(func):
    func = click.option(
        "--station", default=None, help="A station (name or id): it and every station below."
    )(func)
    func = click.option(
        "--to", "last_day", required=True, type=_date, help="Last day, YYYY-MM-DD (included)."
    )(func)
    return click.option("--from", "first_day", required=True, type=_date, help="First day, YYYY-MM-DD.")(func)


def _scope(first_day, last_day, station) -> kpis.Scope:
    try:
        return kpis.make_scope(first_day.date(), last_day.date(), station)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def _line(f: kpis.Figure) -> str:
    value = CLI["no_cases"] if f.value is None else f"{f.value}"
    if f.unit == "%":
        value = value if f.value is None else f"{value}%"
        return CLI["row"].format(name=f.name, value=value, numerator=f.numerator, denominator=f.denominator)
    if f.unit == "元":
        return CLI["row_sum"].format(name=f.name, value=value, denominator=f.denominator)
    if f.unit == "件":
        return CLI["row_count"].format(name=f.name, value=f.denominator)
    unit = "" if f.value is None else f" {f.unit}"
    return CLI["row_median"].format(name=f.name, value=value, unit=unit, denominator=f.denominator)


@figures_cli.command("kpis")
@period_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (numerator, denominator, value, definition)."
)
def kpis_cmd(first_day, last_day, station, as_json):
    """The key figures for a period, with numerator and denominator."""
    scope = _scope(first_day, last_day, station)
    figures = kpis.compute(scope)
    if as_json:
        body = {
            "from": scope.first_day.isoformat(),
            "to": scope.last_day.isoformat(),
            "station": scope.station_name,
            "figures": [f.as_dict() for f in figures],
        }
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    station_label = scope.station_name or CLI["everywhere"]
    click.echo(CLI["header"].format(first=scope.first_day, last=scope.last_day, station=station_label))
    for f in figures:
        click.echo(_line(f))


@figures_cli.command("cases")
@click.argument("key", type=click.Choice([s.key for s in kpis.SPECS]))
@period_options
def cases_cmd(key, first_day, last_day, station):
    """The cases behind one figure (its denominator); the last column is 1 when in the numerator."""
    scope = _scope(first_day, last_day, station)
    for case in kpis.cases(key, scope):
        dates = "\t".join(
            f"{DATES[name]} {value.astimezone(CHINA):%Y-%m-%d %H:%M}" if value else f"{DATES[name]} -"
            for name, value in case.dates.items()
        )
        click.echo(
            f"{case.number}\t{case.filed_at.astimezone(CHINA):%Y-%m-%d %H:%M}\t{dates}\t{int(case.in_numerator)}"
        )


@figures_cli.command("export")
@period_options
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--personal-data", is_flag=True, help="Include the complainant's name and phone (restricted).")
def export_cmd(first_day, last_day, station, fmt, out, personal_data):
    """Cases filed in the period as CSV or XLSX, the columns a regulator files; streamed to FILE and
    written to the audit log (as whoever runs the command)."""
    scope = _scope(first_day, last_day, station)
    count = export.write(scope, out, fmt, personal_data=personal_data)
    audit_log.record(
        Actor.cli(),
        "export.cases",
        f"{scope.first_day.isoformat()}~{scope.last_day.isoformat()} {scope.station_name or ''}".strip(),
        after={
            "format": fmt,
            "from": scope.first_day.isoformat(),
            "to": scope.last_day.isoformat(),
            "station": scope.station_name,
            "personal_data": personal_data,
            "rows": count,
        },
    )
    db.session.commit()
    click.echo(CLI["exported"].format(count=count, path=out))


@figures_cli.command("rollup")
@click.option("--rebuild", is_flag=True, help="Every day from the first case (the worker does this nightly).")
def rollup_cmd(rebuild: bool):
    """Recompute the daily roll-ups (today on and the last 7 days; every day with --rebuild)."""
    through = rollups.rebuild() if rebuild else rollups.refresh()
    db.session.commit()
    click.echo(CLI["rolled_up"].format(through=through or CLI["no_cases"]))


GROUPS = [figures_cli]
