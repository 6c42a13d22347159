"""`flask codes ...`: revoke and reissue store codes; QR export lives in app.stores.qr_export."""

import click
from flask.cli import AppGroup

from app.core.errors import DomainError
from app.core.extensions import db
from app.stores import codes

codes_cli = AppGroup("codes", help="Store codes and printed QR codes.")


@codes_cli.command("revoke")
@click.argument("code")
@click.option("--reason", default="", help="Why the code is revoked (lost, leaked, misprinted).")
def revoke_cmd(code: str, reason: str):
    """Revoke CODE and issue the store a new one; prints the new code."""
    try:
        new = codes.revoke_and_reissue(code, reason)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(new.code)


GROUPS = [codes_cli]
