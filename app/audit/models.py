"""The append-only audit log."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.models import created_at_column


class AuditEntry(db.Model):
    """One change made in the console or the CLI. Rows are only ever inserted."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at = created_at_column()
    actor: Mapped[str] = mapped_column(sa.String(64), index=True)  # console username, or the CLI's OS user
    via: Mapped[str] = mapped_column(sa.String(16))  # console | cli
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The station whose subtree the change belongs to (who may read it); None: district-wide.
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stations.id"), index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise RuntimeError("audit entries are append-only")


__all__ = ["AuditEntry"]
