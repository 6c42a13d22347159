"""Command-line entry points (`flask <group> <command>`), one module per group in `app/commands/`."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from app.cli import (
        calendar,
        codes,
        complaints,
        demo,
        export,
        figures,
        imports,
        outbox,
        publicity,
        sandbox,
        scans,
        staff,
        worker,
        wxacode,
    )

    for module in (
        calendar,
        codes,
        complaints,
        demo,
        export,
        figures,
        imports,
        outbox,
        publicity,
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
