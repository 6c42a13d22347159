"""Command-line entry points (`flask <group> <command>`), one module per group in `app/commands/`."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from app.cli import (
        admin,
        calendar,
        codes,
        complaints,
        demo,
        export,
        imports,
        outbox,
        sandbox,
        scans,
        staff,
        worker,
        wxacode,
    )

    for module in (
        admin,
        calendar,
        codes,
        complaints,
        demo,
        export,
        imports,
        outbox,
        sandbox,
        scans,
        staff,
        worker,
        wxacode,
    ):
        for group in module.GROUPS:
            app.cli.add_command(group)

    from app.cli import staff_link

    staff_link.register(app)  # `flask staff link`, into whichever `staff` group is registered above
