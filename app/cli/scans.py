"""`flask scans persist`: move scan counters from Redis into the database."""

import click
from flask.cli import AppGroup

from app.stores import scans

scans_cli = AppGroup("scans", help="Scan counters.")


@scans_cli.command("persist")
def persist_cmd():
    """Flush this process's counts and move Redis day counters into store_scans_daily."""
    scans.flush()
    moved = scans.persist()
    click.echo(f"persisted {moved} scans")


GROUPS = [scans_cli]
