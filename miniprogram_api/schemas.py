"""Pydantic models: request bodies are validated with them, and the OpenAPI components come from them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StationOut(BaseModel):
    name: str
    kind: str = Field(description="center_12315 | regulatory_office | service_station | liaison_station")
    kind_label: str
    phone: str
    address: str


class CredentialOut(BaseModel):
    kind: str = Field(description="business_licence | food_licence | health_certificate | other")
    kind_label: str
    title: str
    number: str
    holder: str = Field(description="持证人；自然人姓名已脱敏（张*）")
    issued_on: str | None
    valid_until: str | None = Field(description="ISO 日期；长期有效为 null")
    long_term: bool
    status: str = Field(description="valid | expiring | expired")
    status_label: str
    days_left: int | None


class CommitmentOut(BaseModel):
    kind: str = Field(description="no_reason_return | first_payout | first_inquiry")
    title: str
    terms: dict
    summary: str = Field(description="一句话中文说明")
    version: int
    effective_from: str


class BadgeOut(BaseModel):
    kind: str
    title: str
    level: str
    year: int | None


class LocationOut(BaseModel):
    latitude: float
    longitude: float


class StorePageOut(BaseModel):
    code: str
    name: str
    uscc: str
    address: str
    industry: str
    industry_label: str
    business_circle: str | None
    region: str | None
    location: LocationOut | None
    station: StationOut | None
    hotline_12315: str
    credentials: list[CredentialOut]
    credential_alerts: int = Field(description="已过期或即将到期的证照数")
    commitments: list[CommitmentOut]
    badges: list[BadgeOut]
    complaints_open: bool = Field(description="是否可在线投诉")
    as_of: str = Field(description="证照状态的计算日期（北京时间）")


class ScanOut(BaseModel):
    code: str
    store_path: str
