"""Mini-program users. The WeChat session_key stays here, server-side, and never leaves."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


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
