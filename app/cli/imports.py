"""`flask stations import FILE`, `flask stores import FILE`: thin wrappers over app.directory.importing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit.log import Actor
from app.core.errors import DomainError
from app.core.extensions import db
from app.directory import editing, importing

stations_cli = AppGroup("stations", help="Stations.")
stores_cli = AppGroup("stores", help="Stores.")


class ImportFailed(click.ClickException):
    """Exit code 1 with a Chinese message (no English "Error:" prefix)."""

    def show(self, file=None) -> None:
        click.echo(f"导入失败：{self.format_message()}", err=True)


_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_DRY_RUN = click.option("--dry-run", is_flag=True, help="Check the file and report, but save nothing.")


@stations_cli.command("import")
@_FILE
@_DRY_RUN
def import_stations_cmd(file: Path, dry_run: bool):
    """Create or update stations (and their regions and business circles) from a CSV or .xlsx FILE."""
    run_import(importing.import_stations, file, dry_run)


@stores_cli.command("import")
@_FILE
@_DRY_RUN
def import_stores_cmd(file: Path, dry_run: bool):
    """Create or update stores with credentials, commitments and badges from a CSV or .xlsx FILE."""
    run_import(importing.import_stores, file, dry_run)


def run_import(fn: Callable[[importing.Table], importing.ImportResult], file: Path, dry_run: bool) -> None:
    try:
        result = fn(importing.read_table(file))
    except DomainError as exc:
        db.session.rollback()
        raise ImportFailed(exc.message) from exc
    if not result.ok:
        db.session.rollback()
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise ImportFailed(f"共 {len(result.problems)} 处问题，未导入任何数据。请修改文件后重新导入。")
    if dry_run:
        db.session.rollback()
        click.echo(f"检查通过（试运行，未保存）：{result.subject}{result.summary()}")
        return
    if result.changed:
        editing.record_import(result, Actor.cli(), file.name)
    db.session.commit()
    for note in result.notes:
        click.echo(note)
    line = f"{result.subject}导入完成：{result.summary()}"
    if not result.changed:
        line += "。文件内容与系统一致，未做任何修改"
    click.echo(line)


GROUPS = [stations_cli, stores_cli]
