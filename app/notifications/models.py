"""The outbox: notifications written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # committed before the WeChat call; found so later, its worker died mid-call
    SENT = "sent"
    INBOX_ONLY = "inbox_only"  # no allowance / 43101: the in-app inbox holds it
    DEAD = "dead"


class OutboxMessage(db.Model):
    """ "Tell X about Y", written in the same transaction as the change. The worker delivers it once."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)  # idempotency key per message
    channel: Mapped[str] = mapped_column(sa.String(16))  # subscribe | template | custom
    recipient: Mapped[str] = mapped_column(sa.String(64))  # openid
    consumer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consumers.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    template: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = created_at_column()
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at = created_at_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The first WeChat call whose outcome is unknown (a worker died during it, or it timed out): WeChat
    #: may hold the message since then. Cleared once an answer says what happened.
    in_flight_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CredentialAlert(db.Model):
    """One expiry alert sent for a credential's end date at one stage."""

    __tablename__ = "credential_alerts"
    __table_args__ = (
        sa.UniqueConstraint("credential_id", "valid_until", "stage", name="uq_credential_alerts_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        sa.ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    valid_until: Mapped[dt.date] = mapped_column(sa.Date)
    stage: Mapped[str] = mapped_column(sa.String(8))
    recipients: Mapped[int] = mapped_column(default=0)
    created_at = created_at_column()
