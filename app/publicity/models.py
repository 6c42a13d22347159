"""A store's replies to its published cases (its computed record is `stores.models.StorePublicity`)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column


class ReplyStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class StoreReply(db.Model):
    """The store's answer to one of its published cases; shown only once the station approved it."""

    __tablename__ = "store_replies"
    __table_args__ = (sa.UniqueConstraint("complaint_id", name="uq_store_replies_complaint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"))
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ReplyStatus] = mapped_column(enum_column(ReplyStatus), default=ReplyStatus.PENDING)
    submitted_by: Mapped[int | None] = mapped_column()  # staff id of the merchant, None from the CLI
    submitted_at = created_at_column()
    moderated_by: Mapped[int | None] = mapped_column()  # staff id at the station
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    moderation_note: Mapped[str] = mapped_column(sa.String(200), default="")

    complaint: Mapped[Complaint] = relationship()


__all__ = ["ReplyStatus", "StoreReply"]
