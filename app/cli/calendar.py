"""`flask calendar ...`: deadlines, hand-set working days, a year's arrangement, replanning stored deadlines,
and the rule sets' time limits. Every change of the calendar replans the open cases' deadlines in the
same transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup

from app.calendar import arrangement, rulesets, workcal
from app.calendar.rulesets import RuleSet
from app.calendar.workcal import DayInfo, DaySource, Deadline, WorkCalendar
from app.cli.imports import ImportFailed
from app.complaints import deadlines, replan
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.texts import CALENDAR as T
from app.core.timeutil import CHINA
from app.directory import importing

calendar_cli = AppGroup("calendar", help="Working days, deadlines and the rule sets' time limits.")
override_cli = AppGroup("override", help="Days set by hand; they beat everything else.")
calendar_cli.add_command(override_cli)

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: dt.date) -> str:
    return f"{value.isoformat()} {T[f'weekday_{value.weekday()}']}"


def _describe(info: DayInfo) -> str:
    """'2026-10-01 星期四 休息日（国庆节）'."""
    kind = T["day_workday"] if info.is_workday else T["day_off"]
    if info.source is DaySource.OVERRIDE:
        detail = T["day_override"] + (f"：{info.label}" if info.label else "")
    elif info.label:
        detail = info.label
    elif info.is_workday:
        detail = T["day_makeup"] if info.day.weekday() >= 5 else ""
    else:
        detail = T["day_weekend"]
    if not info.certain:
        detail += ("，" if detail else "") + T["day_unsettled"].format(year=info.unsettled_year)
    return f"{_day(info.day)} {kind}" + (f"（{detail}）" if detail else "")


def _echo_deadline(deadline: Deadline, cal: WorkCalendar) -> None:
    unit = T[f"basis_{deadline.basis}"]
    click.echo(T["deadline_due"].format(day=_day(deadline.due)))
    if deadline.due_at is not None:
        click.echo(
            T["deadline_due_at"].format(at=deadline.due_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
        )
    click.echo(T["deadline_from"].format(day=_day(deadline.start), n=deadline.n, unit=unit))
    if deadline.moved_from is not None:
        click.echo(T["deadline_moved"].format(day=_day(deadline.moved_from)))
    if deadline.skipped:
        click.echo(T["deadline_skipped"].format(count=len(deadline.skipped)))
        for day in deadline.skipped:
            click.echo(f"  {_describe(cal.info(day))}")
    first = cal.unsettled_by(deadline)
    if first is not None:
        reason = T["unsettled"].format(year=first.unsettled_year)
        click.echo(T["deadline_uncertain"].format(reason=reason, day=first.day.isoformat()))
    else:
        click.echo(T["deadline_certain"])


def _get_rules(name: str) -> RuleSet:
    try:
        return rulesets.get(name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@calendar_cli.command("deadline")
@click.option("--from", "start", type=DATE, required=True, help="The day the period runs from (YYYY-MM-DD).")
@click.option("--working-days", type=click.IntRange(min=1), help="Count N working days.")
@click.option("--days", type=click.IntRange(min=1), help="Count N calendar days (Art. 45 applies).")
@click.option("--rules", "rules_name", help="Rule set; alone, it lists all its limits counted from DATE.")
def deadline_cmd(start: dt.datetime, working_days: int | None, days: int | None, rules_name: str | None):
    """Print the deadline N working days or N days after --from, and whether it is certain."""
    day = start.date()
    rules = _get_rules(rules_name) if rules_name else None
    cal = workcal.load()
    both, neither = working_days is not None and days is not None, working_days is None and days is None
    if both or (neither and rules is None):
        raise click.UsageError(T["deadline_need_n"])
    if rules is not None:
        click.echo(f"{rules.name} {T[f'ruleset_{rules.name}']}")
        click.echo(T["counting"].format(rule=rules.counting))
    if working_days is not None:
        _echo_deadline(cal.add_working_days(day, working_days), cal)
    elif days is not None:
        _echo_deadline(cal.add_calendar_days(day, days), cal)
    else:
        for key, limit in rules.limits.items():
            click.echo("")
            click.echo(f"[{key}] {T[f'limit_{key}']}")
            if limit.by_the_hour:
                click.echo(f"{limit.n}{T[f'basis_{limit.basis}']}：{T['hours_need_time']}")
                continue
            _echo_deadline(rules.deadline(key, day, cal=cal), cal)


def _replan(why: str, *, dry_run: bool = False) -> None:
    """Recount the open cases' deadlines on the calendar as it now stands, and say what moved."""
    moves = replan.replan(why, dry_run=dry_run)
    for move in moves:
        click.echo(
            T["replan_move"].format(
                number=move.number,
                label=deadlines.label(move.kind),
                old=move.old_text,
                new=move.new_text,
                uncertain=T["replan_uncertain"] if move.uncertain else "",
            )
        )
    if not moves:
        click.echo(T["replan_none"])
    elif dry_run:
        click.echo(T["replan_dry_run"].format(count=len(moves)))
    else:
        click.echo(T["replan_done"].format(count=len(moves)))


@override_cli.command("set")
@click.argument("day", type=DATE, metavar="DATE")
@click.option("--workday/--holiday", "is_workday", default=None, help="A working day, or a day off.")
@click.option("--note", default="", help="Why, e.g. the State Council notice (国办发明电〔2026〕X号).")
def override_set_cmd(day: dt.datetime, is_workday: bool | None, note: str):
    """Make DAY a working day or a day off, whatever else says; open deadlines are replanned."""
    if is_workday is None:
        raise click.UsageError(T["override_need_kind"])
    try:
        row = workcal.set_override(day.date(), is_workday, note)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    kind = T["day_workday"] if row.is_workday else T["day_off"]
    click.echo(T["override_set"].format(day=_day(row.day), kind=kind, note=f"（{note}）" if note else ""))
    why = T["why_override_set"].format(day=row.day.isoformat(), kind=kind, note=f"（{note}）" if note else "")
    _replan(why)
    db.session.commit()


@override_cli.command("list")
@click.option("--year", type=int, help="Only this year.")
def override_list_cmd(year: int | None):
    """List the days set by hand."""
    rows = workcal.list_overrides(year)
    if not rows:
        click.echo(T["override_none"])
    for row in rows:
        kind = T["day_workday"] if row.is_workday else T["day_off"]
        click.echo(f"{_day(row.day)} {kind}" + (f" {row.note}" if row.note else ""))


@override_cli.command("delete")
@click.argument("day", type=DATE, metavar="DATE")
def override_delete_cmd(day: dt.datetime):
    """Remove the hand-set status of DAY (the package decides again); open deadlines are replanned."""
    if not workcal.delete_override(day.date()):
        raise click.ClickException(T["override_missing"].format(day=day.date().isoformat()))
    click.echo(T["override_deleted"].format(day=_day(day.date())))
    _replan(T["why_override_deleted"].format(day=day.date().isoformat()))
    db.session.commit()


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default="", help="The notice, e.g. 国办发明电〔2026〕X号; kept with the year.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would move; save nothing.")
def import_cmd(file: Path, note: str, dry_run: bool):
    """Enter a year's arrangement from a CSV or .xlsx FILE: date, holiday|workday, note.

    All rows or none; a file that says a day is both a holiday and a workday is refused. Importing
    the same file again changes nothing. Open deadlines are replanned.
    """
    try:
        table = importing.read_table(file)
    except DomainError as exc:
        raise ImportFailed(exc.message) from exc
    # A file without a header line: its first line is a row too.
    rows = ([(1, table.headers)] if _is_date(table.headers[0]) else []) + table.rows
    outcome = arrangement.import_rows(rows, note=note)
    if not outcome.ok:
        db.session.rollback()
        for problem in outcome.problems:
            click.echo(problem, err=True)
        raise ImportFailed(T["import_refused"].format(count=len(outcome.problems)))
    years = T["import_years"].format(years="、".join(map(str, outcome.years))) if outcome.years else ""
    if dry_run:
        click.echo(T["import_dry_run"].format(count=len(outcome.days), years=years))
    else:
        click.echo(
            T["import_done"].format(
                created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged, years=years
            )
        )
    why_years = "、".join(map(str, outcome.years)) or "、".join(sorted({str(d.year) for d in outcome.days}))
    _replan(T["why_import"].format(years=why_years, note=f"（{note}）" if note else ""), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        workcal.forget_cached()
    else:
        db.session.commit()


def _is_date(cell: object) -> bool:
    if isinstance(cell, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(cell).strip())
    except ValueError:
        return False
    return True


@calendar_cli.command("replan")
@click.option("--dry-run", is_flag=True, help="Show what would move; save nothing.")
def replan_cmd(dry_run: bool):
    """Recount every open case's deadlines on the calendar as it now stands (after a package upgrade)."""
    _replan(T["why_replan"], dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()


def _echo_rules(rules: RuleSet) -> None:
    title = " + ".join(T[f"ruleset_{name}"] for name in (rules.name, *rules.layers))
    click.echo(f"{'+'.join((rules.name, *rules.layers))}  {title}")
    if rules.layer:
        click.echo(f"  {T['layer']}")
    if rules.in_force_from:
        click.echo(f"  {T['in_force_from'].format(day=rules.in_force_from.isoformat())}")
    if rules.in_force_until:
        click.echo(f"  {T['in_force_until'].format(day=rules.in_force_until.isoformat())}")
    if rules.counting:
        click.echo(f"  {T['counting'].format(rule=rules.counting)}")
    if rules.small_dispute_max_yuan is not None:
        click.echo(f"  {T['small_dispute_max'].format(amount=rules.small_dispute_max_yuan)}")
    for key, limit in rules.limits.items():
        unit = T[f"basis_{limit.basis}"]
        extras = [T[f"from_{limit.counted_from}"]]
        if limit.extension:
            extras.append(T["extension"].format(n=limit.extension, unit=unit))
        if limit.excludes:
            extras.append(T[f"excludes_{limit.excludes}"])
        click.echo(f"  {key:<30} {limit.n}{unit}  {T[f'limit_{key}']}；{'；'.join(extras)}  [{limit.source}]")


@calendar_cli.command("rules")
@click.argument("name", required=False)
@click.option("--filed-on", type=DATE, help="Show the rules a complaint filed on this day runs under.")
def rules_cmd(name: str | None, filed_on: dt.datetime | None):
    """List a rule set's limits (all sets without NAME)."""
    if filed_on is not None:
        try:
            chosen = [rulesets.rules_for(filed_on.date(), name)]
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    elif name:
        chosen = [_get_rules(name)]
    else:
        chosen = list(rulesets.RULE_SETS.values())
    for i, rules in enumerate(chosen):
        if i:
            click.echo("")
        _echo_rules(rules)


GROUPS = [calendar_cli]
