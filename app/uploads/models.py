"""Evidence photos kept for complaints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.models import created_at_column

if TYPE_CHECKING:
    from app.complaints.models import Complaint


class Upload(db.Model):
    """An evidence photo: stored behind app.uploads.storage, readable by its owner and the station."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("consumers.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint_events.id"))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at = created_at_column()

    complaint: Mapped[Complaint | None] = relationship(back_populates="uploads")
