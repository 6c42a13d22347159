"""What filing a complaint reads: two Core statements, each built once and compiled once.

1. the consumer filing, the store behind the code, its circle, whether it has a merchant contact, and
   its current commitments (one row per commitment, the other columns repeated);
2. the counts behind the rate limits and the Art. 17 signals (each bounded by its threshold), an earlier
   complaint under the same Idempotency-Key, and who is alerted (`app.notifications.recipients.FILING`)
   (scalar subqueries, one round trip, each on its own index).

They run on the connection the filing passes in (the session's, inside its transaction), without the ORM:
filing is the busiest write path and its reads are plain facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintKind, Status
from app.consumers import login
from app.consumers.models import Consumer
from app.core.errors import Gone, NotFound
from app.directory import routing
from app.directory.models import BusinessCircle
from app.notifications import recipients
from app.staff.models import Staff, StaffRole
from app.stores import codes, page
from app.stores.models import CodeStatus, Commitment, Store, StoreCode
from app.stores.snapshot import CommitmentRow

#: Stands in for an empty address or phone: matches no row (both are hex digests or digits otherwise).
NOTHING = "-"

_MERCHANTS = (
    sa.select(sa.func.count(Staff.id))
    .where(Staff.store_id == Store.id, Staff.role == StaffRole.MERCHANT, Staff.active.is_(True))
    .scalar_subquery()
)
_STORE = (
    sa.select(
        Consumer.id.label("consumer_id"),
        Consumer.openid,
        Consumer.phone,
        Consumer.sandbox,
        StoreCode.status,
        Store.id,
        Store.name,
        Store.accepts_complaints,
        Store.merchant_contact,
        Store.merchant_phone,
        Store.station_id,
        Store.region_id,
        BusinessCircle.station_id.label("circle_station_id"),
        BusinessCircle.region_id.label("circle_region_id"),
        _MERCHANTS.label("merchants"),
        Commitment.kind.label("c_kind"),
        Commitment.terms.label("c_terms"),
        Commitment.version.label("c_version"),
        Commitment.effective_from.label("c_from"),
    )
    .select_from(StoreCode)
    .join(Store, Store.id == StoreCode.store_id)
    .outerjoin(Consumer, Consumer.id == sa.bindparam("consumer_id"))
    .outerjoin(BusinessCircle, BusinessCircle.id == Store.circle_id)
    .outerjoin(Commitment, sa.and_(Commitment.store_id == Store.id, Commitment.superseded_at.is_(None)))
    .where(StoreCode.code == sa.bindparam("code"))
    .order_by(Commitment.id)
)


def _count_upto(cap: str, *where) -> sa.ScalarSelect:
    """How many rows match, counting no further than the bind parameter `cap`: every count here is
    compared with a threshold, and a busy address (a mall's Wi-Fi behind one NAT) must not make each
    filing count its whole hour."""
    hits = (
        sa.select(sa.literal(1))
        .select_from(Complaint)
        .where(*where)
        .order_by(Complaint.created_at.desc())  # newest first: an index scan that stops at the cap
        .limit(sa.bindparam(cap))
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(hits).scalar_subquery()


_CID = sa.bindparam("consumer_id")
_COUNTS = sa.select(
    sa.select(Complaint.id)
    .where(Complaint.consumer_id == _CID, Complaint.idempotency_key == sa.bindparam("key"))
    .scalar_subquery()
    .label("earlier"),
    _count_upto(
        "hour_cap", Complaint.consumer_id == _CID, Complaint.created_at > sa.bindparam("hour_ago")
    ).label("hour"),
    _count_upto(
        "store_day_cap",
        Complaint.consumer_id == _CID,
        Complaint.store_id == sa.bindparam("store_id"),
        Complaint.created_at > sa.bindparam("day_ago"),
    ).label("store_day"),
    _count_upto(
        "address_cap",
        Complaint.client_addr == sa.bindparam("addr"),
        Complaint.created_at > sa.bindparam("hour_ago"),
    ).label("address_hour"),
    _count_upto(
        "month_cap", Complaint.consumer_id == _CID, Complaint.created_at > sa.bindparam("month_ago")
    ).label("month"),
    _count_upto(
        "same_text_cap",
        Complaint.store_id == sa.bindparam("store_id"),
        Complaint.description_fp == sa.bindparam("fp"),
        Complaint.created_at > sa.bindparam("week_ago"),
    ).label("same_text"),
    _count_upto(
        "one",
        Complaint.phone == sa.bindparam("phone"),
        Complaint.consumer_id != _CID,
        Complaint.created_at > sa.bindparam("month_ago"),
    ).label("shared_phone"),
    recipients.FILING.label("recipients"),
)


@dataclass(frozen=True)
class StoreFacts:
    id: int
    name: str
    accepts_complaints: bool
    subject: routing.Subject
    has_merchant: bool  # a merchant account is bound on the official account
    merchant_contact: str = ""  # from enrolment
    merchant_phone: str = ""
    commitments: list[dict] = field(default_factory=list)

    @property
    def merchant_first_offered(self) -> bool:
        return page.merchant_first_available(self.merchant_contact, self.merchant_phone)


@dataclass(frozen=True)
class Counts:
    earlier: int | None  # a complaint already filed under this Idempotency-Key
    hour: int
    store_day: int
    address_hour: int
    month: int
    same_text: int
    shared_phone: int
    recipients: list[recipients.Person]


def filer_and_store(
    conn: sa.Connection, claims: login.TokenClaims, code: str
) -> tuple[login.Filer, StoreFacts]:
    """The consumer a token names (Unauthorized otherwise) and the store an active code names
    (NotFound for unknown or malformed codes, Gone when revoked)."""
    code = codes.normalize(code)
    rows = (
        conn.execute(_STORE, {"code": code, "consumer_id": claims.consumer_id}).all()
        if codes.is_well_formed(code)
        else []
    )
    if not rows:
        login.filer_for_claims(claims)  # a bad token still answers 401 first
        raise NotFound("store_not_found")
    head = rows[0]
    filer = login.filer_from_row(claims, head if head.consumer_id is not None else None)
    if head.status != CodeStatus.ACTIVE:
        raise Gone("code_revoked")
    store = StoreFacts(
        id=head.id,
        name=head.name,
        accepts_complaints=head.accepts_complaints,
        subject=routing.Subject(
            head.station_id, head.circle_station_id, head.region_id or head.circle_region_id
        ),
        has_merchant=head.merchants > 0,
        merchant_contact=head.merchant_contact or "",
        merchant_phone=head.merchant_phone or "",
        commitments=[
            page.commitment_view(CommitmentRow(r.c_kind, r.c_terms, r.c_version, r.c_from))
            for r in rows
            if r.c_kind is not None
        ],
    )
    return filer, store


@dataclass(frozen=True)
class Caps:
    """How far each count needs to go: its threshold (rate limits, Art. 17 signals)."""

    hour: int
    store_day: int
    address: int
    month: int
    same_text: int


def counts(
    conn: sa.Connection,
    *,
    consumer_id: int,
    key: str,
    store_id: int,
    station_id: int,
    addr: str,
    phone: str,
    fingerprint: str,
    now: dt.datetime,
    caps: Caps,
) -> Counts:
    """The counts and the recipients of the alerts, in one round trip."""
    row = conn.execute(
        _COUNTS,
        {
            "consumer_id": consumer_id,
            "key": key,
            "store_id": store_id,
            "station_id": station_id,
            "addr": addr or NOTHING,
            "phone": phone or NOTHING,
            "fp": fingerprint,
            "hour_ago": now - dt.timedelta(hours=1),
            "day_ago": now - dt.timedelta(days=1),
            "week_ago": now - dt.timedelta(days=7),
            "month_ago": now - dt.timedelta(days=30),
            "hour_cap": caps.hour,
            "store_day_cap": caps.store_day,
            "address_cap": caps.address,
            "month_cap": caps.month,
            "same_text_cap": caps.same_text,
            "one": 1,
        },
    ).one()
    return Counts(*row[:-1], recipients=recipients.unpack(row.recipients))


def earlier_report(conn: sa.Connection, *, consumer_id: int, store_id: int, fingerprint: str) -> str | None:
    """The number of this consumer's earlier report of the same facts against the same store (Order 121
    Art. 35), if any (the description's fingerprint stands for the facts; a withdrawn report does not count).
    One indexed read (ix_complaints_store_fingerprint), made only when a report is filed."""
    return conn.execute(
        sa.select(Complaint.number)
        .where(
            Complaint.store_id == store_id,
            Complaint.description_fp == fingerprint,
            Complaint.consumer_id == consumer_id,
            Complaint.kind == ComplaintKind.REPORT,
            Complaint.status != Status.WITHDRAWN,
        )
        .order_by(Complaint.created_at.desc())
        .limit(1)
    ).scalar()
