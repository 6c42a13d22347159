"""Command-line entry points (`flask <group> <command>`), one module per group in `app/cli/`."""

from __future__ import annotations

from flask import Flask

from app.cli import (
    admin,
    calendar,
    codes,
    complaints,
    demo,
    directory,
    export,
    figures,
    imports,
    lists,
    outbox,
    publicity,
    sandbox,
    scans,
    staff,
    staff_link,
    worker,
    wxacode,
)

MODULES = (
    admin,
    calendar,
    codes,
    complaints,
    demo,
    directory,
    export,
    figures,
    imports,
    lists,
    outbox,
    publicity,
    sandbox,
    scans,
    staff,
    worker,
    wxacode,
)


def register_cli(app: Flask) -> None:
    for module in MODULES:
        for group in module.GROUPS:
            app.cli.add_command(group)
    staff_link.register(app)  # `flask staff link`, into whichever `staff` group is registered above
