"""`flask codes export`: printable QR PNGs and a manifest (app.stores.qr_export)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.cli.codes import codes_cli
from app.core.errors import DomainError
from app.stores import posters, qr_export


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


@codes_cli.command("posters")
@click.option(
    "--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF file."
)
@click.option("--circle", default=None, help="Only the stores of this business circle (its exact name).")
@click.option(
    "--station", default=None, help="Only the stores this station is responsible for (its exact name)."
)
@click.option("--size", type=click.Choice(["a5", "a4"]), default="a5", show_default=True, help="Paper size.")
def posters_cmd(out_file: Path, circle: str | None, station: str | None, size: str):
    """Write a printable PDF with one poster per store (QR, code, commitments, station, 12315)."""
    try:
        found = posters.posters_for(
            posters.select(circle=circle, station=station), current_app.config["PUBLIC_BASE_URL"]
        )
        data = posters.render(found, size=size, hotline=current_app.config["HOTLINE_12315"])
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    out_file.write_bytes(data)
    click.echo(f"已生成 {len(found)} 张海报：{out_file}")
