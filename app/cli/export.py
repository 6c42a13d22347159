"""`flask codes export`: printable QR PNGs and a manifest (app.stores.qr_export)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.cli.codes import codes_cli
from app.core.errors import DomainError
from app.stores import qr_export


@codes_cli.command("export")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the PNG files and manifest.csv (created if missing).",
)
@click.option("--circle", default=None, help="Only the stores of this business circle (its exact name).")
def export_cmd(out_dir: Path, circle: str | None):
    """Write one QR PNG per store (its active code) and DIR/manifest.csv."""
    try:
        result = qr_export.export(out_dir, base_url=current_app.config["PUBLIC_BASE_URL"], circle=circle)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    for warning in result.warnings:
        click.echo(f"注意：{warning}", err=True)
    click.echo(f"已导出 {len(result.files)} 个店铺二维码到 {result.out_dir}，清单：{result.manifest}")


GROUPS: list = []  # adds a command to the `codes` group, registered by app.cli.codes
