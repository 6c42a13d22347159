"""`flask codes wxacode`: save mini-program codes (getwxacodeunlimit) for printing.

The scene is the store's short public code (8 characters, well inside WeChat's 32), the page is
WECHAT_MP_STORE_PAGE; the mini-program reads `scene` and opens the store. Codes are permanent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from app.cli.codes import codes_cli
from app.core.errors import DomainError
from app.core.extensions import db
from app.stores import codes
from app.stores.models import CodeStatus, StoreCode
from wechat import api as wechat_api


@codes_cli.command("wxacode")
@click.argument("code", required=False)
@click.option("--all", "all_codes", is_flag=True, help="Every store's active code, one PNG each.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="PNG file for CODE (or a directory: <dir>/<CODE>.png); a directory with --all.",
)
@click.option(
    "--page", default=None, help="Mini-program page, no leading slash (default WECHAT_MP_STORE_PAGE)."
)
@click.option(
    "--env-version", type=click.Choice(wechat_api.ENV_VERSIONS), default="release", show_default=True
)
@click.option("--check-path/--no-check-path", default=False, show_default=True, help="Page must be released.")
@click.option("--width", type=click.IntRange(280, 1280), default=430, show_default=True)
@click.option("--skip-existing", is_flag=True, help="With --all: keep PNGs already in the directory.")
def wxacode_cmd(
    code: str | None,
    all_codes: bool,
    out: Path,
    page: str | None,
    env_version: str,
    check_path: bool,
    width: int,
    skip_existing: bool,
):
    """Save the mini-program code of store CODE (or of every store with --all) as PNG."""
    if bool(code) == all_codes:
        raise click.UsageError("给出一个店铺码 CODE，或使用 --all（二者选一）。")
    page = (page or current_app.config["WECHAT_MP_STORE_PAGE"]).lstrip("/")
    options = {"page": page, "check_path": check_path, "env_version": env_version, "width": width}

    if code:
        store_code = _active_code(code)
        target = out / f"{store_code}.png" if out.is_dir() else out
        _save(store_code, target, options)
        click.echo(str(target))
        return

    out.mkdir(parents=True, exist_ok=True)
    active = db.session.scalars(
        sa.select(StoreCode.code).where(StoreCode.status == CodeStatus.ACTIVE).order_by(StoreCode.code)
    ).all()
    written = skipped = 0
    for store_code in active:
        target = out / f"{store_code}.png"
        if skip_existing and target.exists():
            skipped += 1
            continue
        try:
            _save(store_code, target, options)
        except click.ClickException as exc:
            exc.message += f"（已保存 {written} 个，可加 --skip-existing 续传）"
            raise
        written += 1
    click.echo(f"已保存 {written} 个小程序码到 {out}" + (f"，跳过已有 {skipped} 个" if skipped else ""))


def _active_code(code: str) -> str:
    try:
        return codes.active(code).code
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def _save(scene: str, target: Path, options: dict) -> None:
    if not wechat_api.is_valid_scene(scene):
        raise click.ClickException(f"{scene!r} 不能作为小程序码 scene（最多 32 个可见字符）。")
    try:
        png = wechat_api.get_wxa_code_unlimited(scene, **options)
    except wechat_api.WeChatAPIError as exc:
        raise click.ClickException(
            f"微信拒绝生成 {scene} 的小程序码：errcode {exc.errcode}，{exc.errmsg}"
        ) from exc
    except wechat_api.WeChatUnreachable as exc:
        raise click.ClickException(f"无法连接微信服务，{scene} 的小程序码未生成：{exc.reason}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so an interrupted run never leaves half a PNG.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(png)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


GROUPS: list = []  # the command joins the existing `codes` group
