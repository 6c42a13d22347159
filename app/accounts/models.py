"""Console accounts."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column
from app.directory.models import Station


class ConsoleRole(enum.StrEnum):
    ADMINISTRATOR = "administrator"  # everything in the subtree, including accounts
    OPERATOR = "operator"  # directory, stores, codes, imports
    VIEWER = "viewer"  # read only


class ConsoleUser(db.Model):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(32), unique=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("stations.id"), index=True)
    role: Mapped[ConsoleRole] = mapped_column(enum_column(ConsoleRole))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: The bound station staff member who may log in as this account by scanning the official account's
    #: login QR with WeChat (`qr_login`); None: password only.
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), unique=True)
    #: Base32 TOTP secret; None: no second factor.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Bumped when the password changes or the account is disabled: every open session ends.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()

    station: Mapped[Station] = relationship()


__all__ = ["ConsoleRole", "ConsoleUser"]
