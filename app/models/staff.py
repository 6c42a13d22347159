"""Station staff and merchant contacts: the people who work complaints."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column, enum_column
from app.models.directory import Station
from app.models.store import Store


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
    active: Mapped[bool] = mapped_column(default=True)
    created_at = created_at_column()

    station: Mapped[Station | None] = relationship()
    store: Mapped[Store | None] = relationship()
