"""Complaints (投诉) and reports (举报), their timeline, deadlines and evidence."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.consumers.models import Consumer
from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column, updated_at_column
from app.directory.models import Station
from app.stores.models import Store

if TYPE_CHECKING:
    from app.uploads.models import Upload


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
    # a report's own (举报): verified, then a case opened (立案, investigating) or not (不予立案)
    INVESTIGATING = "investigating"
    NOT_OPENED = "not_opened"


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.MERCHANT_NEGOTIATING,
    Status.WITH_STATION,
    Status.ACCEPTED,
    Status.SUSPENDED,
    Status.INVESTIGATING,
)


class ContentCheck(enum.StrEnum):
    PENDING = "pending"  # WeChat was unreachable; the worker retries
    PASS = "pass"
    REVIEW = "review"  # filed, but nothing of it is published until a person clears it
    CLEARED = "cleared"  # a person read it: it may be published
    WITHHELD = "withheld"  # a person read it: it is never published


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
        # The figures (app.figures) read cases by the day they were resolved, closed or first answered.
        sa.Index("ix_complaints_resolved_at", "resolved_at"),
        sa.Index("ix_complaints_closed_at", "closed_at"),
        sa.Index("ix_complaints_first_response_at", "first_response_at"),
        sa.Index("ix_complaints_handed_off_at", "handed_off_at"),
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
    #: Hand-off to the national 12315 platform: the case leaves the station's clocks and the figures.
    national_case_number: Mapped[str | None] = mapped_column(sa.String(40))
    national_filed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    handed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: The other half of a filing split in two (Art. 9): the report made from a complaint, or back.
    linked_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id"))
    #: The description as published (app.publicity.redact), prepared by the worker once the case may be.
    public_summary: Mapped[str | None] = mapped_column(sa.Text)
    client_addr: Mapped[str] = mapped_column(sa.String(64), default="")  # keyed hash, not the IP
    idempotency_key: Mapped[str] = mapped_column(sa.String(80))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at = created_at_column()
    updated_at = updated_at_column()

    store: Mapped[Store] = relationship()
    consumer: Mapped[Consumer] = relationship()
    station: Mapped[Station] = relationship()
    linked: Mapped[Complaint | None] = relationship(remote_side="Complaint.id", post_update=True)
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
    # The satisfaction figure reads the ratings given in a period.
    __table_args__ = (sa.Index("ix_complaint_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    at: Mapped[dt.datetime] = created_at_column()
    actor: Mapped[str] = mapped_column(sa.String(16))  # consumer | staff | merchant | system
    actor_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str] = mapped_column(sa.String(16))  # mp | oa | h5 | cli | console | system
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
        # The on-time figures read deadlines of one kind falling due in a period.
        sa.Index("ix_complaint_deadlines_kind_due", "kind", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    basis: Mapped[str] = mapped_column(sa.String(64), default="")  # "unit:n", e.g. "working_days:7"
    uncertain: Mapped[bool] = mapped_column(default=False)
    # What the clock counts from and the rule-set key it follows: enough to recompute `due_at` when the
    # calendar changes (`deadlines.replan`). None on deadlines stored before these were kept.
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rule: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    met_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="deadlines")
