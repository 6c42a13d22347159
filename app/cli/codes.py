"""`flask codes ...`: revoke and reissue store codes (audited); QR export lives in app.stores.qr_export."""

import click
from flask.cli import AppGroup

from app.audit.log import Actor
from app.core.errors import DomainError
from app.core.extensions import db
from app.directory import editing

codes_cli = AppGroup("codes", help="Store codes and printed QR codes.")


@codes_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why the code is revoked (lost, leaked, misprinted).")
def revoke_cmd(code: str, reason: str):
    """Revoke CODE and issue the store a new one; prints the new code."""
    try:
        new = editing.reissue_code(code, reason, Actor.cli())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException("；".join(exc.fields.values()) if exc.fields else exc.message) from exc
    db.session.commit()
    click.echo(new)


GROUPS = [codes_cli]
