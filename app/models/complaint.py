"""Complaints (投诉) and reports (举报), their timeline, deadlines and evidence."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, enum_column, updated_at_column
from app.models.consumer import Consumer
from app.models.directory import Station
from app.models.store import Store


class ComplaintKind(enum.StrEnum):
    COMPLAINT = "complaint"  # 投诉: mediation of a dispute, real name required (Art. 10)
    REPORT = "report"  # 举报: a suspected violation, may be anonymous (Art. 37)


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    MERCHANT_NEGOTIATING = "merchant_negotiating"
    WITH_STATION = "with_station"
    ACCEPTED = "accepted"
    SUSPENDED = "suspended"
    DECLINED = "declined"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.MERCHANT_NEGOTIATING,
    Status.WITH_STATION,
    Status.ACCEPTED,
    Status.SUSPENDED,
)


class ContentCheck(enum.StrEnum):
    PENDING = "pending"  # WeChat was unreachable; the worker retries
    PASS = "pass"
    REVIEW = "review"  # filed, but nothing of it is published until a person clears it
    CLEARED = "cleared"


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        sa.UniqueConstraint("consumer_id", "idempotency_key", name="uq_complaints_consumer_idempotency"),
        # Rate limits and the Art. 17 signals count recent filings by these (newest first, up to a cap);
        # the store's and the consumer's also serve their foreign keys and "my complaints".
        sa.Index("ix_complaints_consumer_created", "consumer_id", "created_at"),
        sa.Index("ix_complaints_phone_created", "phone", "created_at"),
        sa.Index("ix_complaints_client_addr_created", "client_addr", "created_at"),
        sa.Index("ix_complaints_store_created", "store_id", "created_at"),
        sa.Index("ix_complaints_store_fingerprint", "store_id", "description_fp", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[ComplaintKind] = mapped_column(enum_column(ComplaintKind))
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))  # ix_complaints_store_created
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("consumers.id"))  # ix_complaints_consumer_created
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("stations.id"), index=True)
    routing_rule: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[Status] = mapped_column(enum_column(Status), index=True)
    category: Mapped[str] = mapped_column(sa.String(32))
    demand: Mapped[str] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.Text)
    #: Fingerprint of the normalised opening of the description (Art. 17 "near-identical" signal).
    description_fp: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    purchase_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(50), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    anonymous: Mapped[bool] = mapped_column(default=False)
    merchant_first: Mapped[bool] = mapped_column(default=False)
    rule_set: Mapped[str] = mapped_column(sa.String(32))
    content_check: Mapped[ContentCheck] = mapped_column(
        enum_column(ContentCheck), default=ContentCheck.PENDING
    )
    commitments_snapshot: Mapped[list] = mapped_column(sa.JSON, default=list)
    abuse_flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    amount_recovered: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    consumer_confirmed: Mapped[bool | None] = mapped_column()
    rating: Mapped[int | None] = mapped_column()
    rating_comment: Mapped[str] = mapped_column(sa.String(300), default="")
    reopen_count: Mapped[int] = mapped_column(default=0)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    suspended_days: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disputed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    client_addr: Mapped[str] = mapped_column(sa.String(64), default="")  # keyed hash, not the IP
    idempotency_key: Mapped[str] = mapped_column(sa.String(80))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at = created_at_column()
    updated_at = updated_at_column()

    store: Mapped[Store] = relationship()
    consumer: Mapped[Consumer] = relationship()
    station: Mapped[Station] = relationship()
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )
    deadlines: Mapped[list[ComplaintDeadline]] = relationship(
        back_populates="complaint", order_by="ComplaintDeadline.id", cascade="all, delete-orphan"
    )
    uploads: Mapped[list[Upload]] = relationship(back_populates="complaint", order_by="Upload.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ComplaintEvent(db.Model):
    """One step on the timeline: who, when, through which channel, why, and who may see it."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    at: Mapped[dt.datetime] = created_at_column()
    actor: Mapped[str] = mapped_column(sa.String(16))  # consumer | staff | merchant | system
    actor_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str] = mapped_column(sa.String(16))  # mp | oa | h5 | cli | system
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    visible_to_consumer: Mapped[bool] = mapped_column(default=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str | None] = mapped_column(sa.String(32))
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stations.id"))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class ComplaintDeadline(db.Model):
    """A stored, computed deadline. `met_at` when the step happened; `escalated_at` once, when missed."""

    __tablename__ = "complaint_deadlines"
    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "kind", name="uq_complaint_deadlines_complaint_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    basis: Mapped[str] = mapped_column(sa.String(64), default="")
    uncertain: Mapped[bool] = mapped_column(default=False)
    met_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="deadlines")


class Upload(db.Model):
    """An evidence photo: stored behind app.services.storage, readable by its owner and the station."""

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


class RoutingRule(db.Model):
    """Ordered routing rules kept as data. The first rule that applies and finds a station wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    rule: Mapped[str] = mapped_column(sa.String(40))
    categories: Mapped[list | None] = mapped_column(sa.JSON)  # None: every category
    kinds: Mapped[list | None] = mapped_column(sa.JSON)  # None: complaints and reports
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class Subscription(db.Model):
    """Allowances from wx.requestSubscribeMessage: each accept allows exactly one send."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.UniqueConstraint("consumer_id", "template_id", name="uq_subscriptions_consumer_template"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("consumers.id"), index=True)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at = updated_at_column()


class InboxMessage(db.Model):
    """The consumer's in-app inbox: every notification lands here, sent by WeChat or not."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("consumers.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"))
    title: Mapped[str] = mapped_column(sa.String(60))
    body: Mapped[str] = mapped_column(sa.String(500))
    created_at = created_at_column()
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
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
