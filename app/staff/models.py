"""Station staff and merchant contacts: the people who work complaints."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column
from app.directory.models import Station
from app.stores.models import Store


class StaffRole(enum.StrEnum):
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    MERCHANT = "merchant"  # a store's contact, bound like staff, sees only that store's cases


class Staff(db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole))
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stations.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    oa_openid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Whether the bound person still follows the official account. WeChat says so: an `unsubscribe`
    #: push, or 43004 on an alert, sets it False; any message or (re)subscribe sets it True again.
    #: Alerts go only to people who follow (template messages to the others fail with 43004).
    oa_following: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    active: Mapped[bool] = mapped_column(default=True)
    # The case a plain chat message goes to after `查看 <号>` (for 30 minutes).
    context_complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints.id", use_alter=True))
    context_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()

    station: Mapped[Station | None] = relationship()
    store: Mapped[Store | None] = relationship()

    @classmethod
    def reachable(cls, staff=None) -> sa.ColumnElement[bool]:
        """Who can be alerted: active, bound to the official account, and still following it. `staff`:
        an alias of the table to say it of (the table itself by default)."""
        who = cls if staff is None else staff
        return sa.and_(who.active.is_(True), who.oa_openid.is_not(None), who.oa_following.is_(True))


class StaffInvite(db.Model):
    """A one-time binding token (24 hours): offered as a 6-digit code and as a parameterised QR scene."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(6), index=True)  # 6 digits, unique among unexpired invites
    scene: Mapped[str] = mapped_column(sa.String(64), unique=True)  # QR_STR_SCENE value, random
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_by_openid: Mapped[str | None] = mapped_column(sa.String(64))
    created_at = created_at_column()

    staff: Mapped[Staff] = relationship()
