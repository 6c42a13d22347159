"""Mini-program users. The WeChat session_key stays here, server-side, and never leaves."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, updated_at_column


class Consumer(db.Model):
    __tablename__ = "consumers"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    session_key: Mapped[str] = mapped_column(sa.String(64), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    sandbox: Mapped[bool] = mapped_column(default=False)
    created_at = created_at_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


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
