"""Stores (经营主体) and what their page shows: codes, credentials, commitments, badges, scans."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column, updated_at_column
from app.directory.models import BusinessCircle, Region, Station


class Industry(enum.StrEnum):
    RESTAURANT = "restaurant"
    FOOD_SHOP = "food_shop"
    SUPERMARKET = "supermarket"
    PHARMACY = "pharmacy"
    CLOTHING = "clothing"
    ELECTRONICS = "electronics"
    SERVICE = "service"
    OTHER = "other"


class CredentialKind(enum.StrEnum):
    BUSINESS_LICENCE = "business_licence"
    FOOD_LICENCE = "food_licence"
    DRUG_LICENCE = "drug_licence"  # 药品经营许可证: pharmacies
    MEDICAL_DEVICE_RECORD = "medical_device_record"  # 第二类医疗器械经营备案凭证: pharmacies, opticians
    PUBLICATION_LICENCE = "publication_licence"  # 出版物经营许可证: bookshops
    HEALTH_CERTIFICATE = "health_certificate"
    OTHER = "other"


class CommitmentKind(enum.StrEnum):
    NO_REASON_RETURN = "no_reason_return"
    FIRST_PAYOUT = "first_payout"
    FIRST_INQUIRY = "first_inquiry"


class CodeStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class Store(db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    industry: Mapped[Industry] = mapped_column(enum_column(Industry), default=Industry.OTHER)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    circle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_circles.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stations.id"), index=True)
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    merchant_contact: Mapped[str] = mapped_column(sa.String(50), default="")
    merchant_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    accepts_complaints: Mapped[bool] = mapped_column(default=True)
    created_at = created_at_column()
    updated_at = updated_at_column()

    region: Mapped[Region | None] = relationship()
    circle: Mapped[BusinessCircle | None] = relationship()
    station: Mapped[Station | None] = relationship()
    codes: Mapped[list[StoreCode]] = relationship(back_populates="store", order_by="StoreCode.id")
    credentials: Mapped[list[Credential]] = relationship(
        back_populates="store", order_by="Credential.id", cascade="all, delete-orphan"
    )
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="store", order_by="Commitment.id", cascade="all, delete-orphan"
    )
    badges: Mapped[list[Badge]] = relationship(
        back_populates="store", order_by="Badge.id", cascade="all, delete-orphan"
    )

    @property
    def active_code(self) -> StoreCode | None:
        return next((c for c in self.codes if c.status == CodeStatus.ACTIVE), None)

    def current_commitments(self) -> list[Commitment]:
        return [c for c in self.commitments if c.superseded_at is None]


class StoreCode(db.Model):
    """The public code printed in the store's QR. Revoked codes are kept so they can answer 410."""

    __tablename__ = "store_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    status: Mapped[CodeStatus] = mapped_column(enum_column(CodeStatus), default=CodeStatus.ACTIVE)
    issued_at = created_at_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    store: Mapped[Store] = relationship(back_populates="codes")


class Credential(db.Model):
    __tablename__ = "credentials"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "kind", "number", name="uq_credentials_store_kind_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    kind: Mapped[CredentialKind] = mapped_column(enum_column(CredentialKind))
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    number: Mapped[str] = mapped_column(sa.String(64))
    holder: Mapped[str] = mapped_column(sa.String(100), default="")
    holder_is_person: Mapped[bool] = mapped_column(default=False)
    issued_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)  # None: long-term (长期)
    image_url: Mapped[str] = mapped_column(sa.String(300), default="")
    updated_at = updated_at_column()

    store: Mapped[Store] = relationship(back_populates="credentials")


class Commitment(db.Model):
    """A store's pledge. Terms are versioned: a change supersedes the old row, never edits it."""

    __tablename__ = "commitments"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "kind", "version", name="uq_commitments_store_kind_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    kind: Mapped[CommitmentKind] = mapped_column(enum_column(CommitmentKind))
    version: Mapped[int] = mapped_column(default=1)
    terms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()

    store: Mapped[Store] = relationship(back_populates="commitments")


class Badge(db.Model):
    __tablename__ = "badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(32), default="")
    year: Mapped[int | None] = mapped_column()

    store: Mapped[Store] = relationship(back_populates="badges")


class StoreScanDaily(db.Model):
    """Scans per store per China calendar day, flushed from Redis counters by the worker.

    With an IP→city file configured (`SCAN_REGION_XDB`), each scan is also counted as from the store's
    city, from another city, or unknown (`app.stores.scan_origin`); no address or city of a scan is kept.
    """

    __tablename__ = "store_scans_daily"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    scans: Mapped[int] = mapped_column(default=0)
    in_city: Mapped[int] = mapped_column(default=0, server_default="0")
    out_of_city: Mapped[int] = mapped_column(default=0, server_default="0")
    city_unknown: Mapped[int] = mapped_column(default=0, server_default="0")


class RevokedScanDaily(db.Model):
    """Scans of a revoked code per China calendar day: its old sticker is still up and should be replaced."""

    __tablename__ = "revoked_scans_daily"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    scans: Mapped[int] = mapped_column(default=0)


class StorePublicity(db.Model):
    """A store's rolling 12-month complaint record (Order 121 Art. 38), computed by the worker
    (`app.publicity.stores`); the store page reads it with the rest of the page and never computes it."""

    __tablename__ = "store_publicity"

    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), primary_key=True)
    computed_on: Mapped[dt.date] = mapped_column(sa.Date)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at = updated_at_column()


__all__ = [
    "Badge",
    "CodeStatus",
    "Commitment",
    "CommitmentKind",
    "Credential",
    "CredentialKind",
    "Industry",
    "RevokedScanDaily",
    "Store",
    "StoreCode",
    "StorePublicity",
    "StoreScanDaily",
]
