"""Filing a complaint or report from a store's code: validated, checked, routed, clocked, once.

Idempotency: (consumer, Idempotency-Key) is unique in the database. The same key with the same body
returns the first complaint; with another body, 409. Concurrent duplicates race on the unique
constraint; the loser's caller rolls back and calls `find_replay` (see the API view).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app.errors import Conflict, DomainError, TooMany, ValidationFailed
from app.extensions import db
from app.models import (
    Complaint,
    ComplaintKind,
    Consumer,
    ContentCheck,
    Staff,
    StaffRole,
    Status,
    Store,
)
from app.services import (
    codes,
    complaint_input,
    content_check,
    deadlines,
    notify,
    routing,
    rulesets,
    store_page,
)
from app.services.complaint_flow import Actor, due_text, record
from app.texts_complaints import ABUSE_FLAGS, EVENTS
from app.timeutil import today_cn, utcnow

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.]{8,80}$")
MERCHANT_FIRST_DEFAULT_LIMIT = Decimal("500")


@dataclass(frozen=True)
class Limits:
    per_hour: int = 5
    per_store_day: int = 3
    per_address_hour: int = 10

    @classmethod
    def from_config(cls) -> Limits:
        cfg = current_app.config
        return cls(
            cfg.get("COMPLAINTS_PER_HOUR", cls.per_hour),
            cfg.get("COMPLAINTS_PER_STORE_DAY", cls.per_store_day),
            cfg.get("COMPLAINTS_PER_ADDRESS_HOUR", cls.per_address_hour),
        )


def request_hash(store_code: str, body: dict) -> str:
    canonical = json.dumps(
        {"store": store_code, "body": body}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def address_hash(addr: str | None) -> str:
    if not addr:
        return ""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, addr.encode(), hashlib.sha256).hexdigest()[:32]


def check_key(key: str | None) -> str:
    if not key:
        raise DomainError("idempotency_key_required", status=400)
    if not KEY_PATTERN.match(key):
        raise ValidationFailed({"Idempotency-Key": "应为 8–80 位字母、数字或 -_:. 组成的随机串（建议 UUID）"})
    return key


def find_replay(consumer_id: int, key: str, req_hash: str) -> Complaint | None:
    existing = db.session.scalar(
        sa.select(Complaint).where(Complaint.consumer_id == consumer_id, Complaint.idempotency_key == key)
    )
    if existing is not None and existing.request_hash != req_hash:
        raise Conflict("idempotency_conflict")
    return existing


def _rate_limit(consumer: Consumer, store: Store, addr: str, now: dt.datetime, limits: Limits) -> None:
    hour_ago, day_ago = now - dt.timedelta(hours=1), now - dt.timedelta(days=1)
    count = sa.select(sa.func.count(Complaint.id))
    if (
        db.session.scalar(count.where(Complaint.consumer_id == consumer.id, Complaint.created_at > hour_ago))
        >= limits.per_hour
    ):
        raise TooMany("rate_limited_hour")
    same_store = count.where(
        Complaint.consumer_id == consumer.id, Complaint.store_id == store.id, Complaint.created_at > day_ago
    )
    if db.session.scalar(same_store) >= limits.per_store_day:
        raise TooMany("rate_limited_store_day")
    if (
        addr
        and db.session.scalar(count.where(Complaint.client_addr == addr, Complaint.created_at > hour_ago))
        >= limits.per_address_hour
    ):
        raise TooMany("rate_limited_address")


def _normalised(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def abuse_flags(
    store: Store, consumer: Consumer, filing: complaint_input.Filing, now: dt.datetime
) -> list[str]:
    """Art. 17 signals, flagged to the station; never a reason to refuse."""
    flags = []
    week_ago = now - dt.timedelta(days=7)
    # The store's most recent filings of the week (bounded: a flood is itself the signal).
    recent = db.session.scalars(
        sa.select(Complaint.description)
        .where(Complaint.store_id == store.id, Complaint.created_at > week_ago)
        .order_by(Complaint.created_at.desc())
        .limit(200)
    ).all()
    mine = _normalised(filing.description)[:60]
    similar = sum(1 for desc in recent if _normalised(desc)[:60] == mine)
    if similar >= 2:
        flags.append("near_identical")
    if filing.phone:
        sharing = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Complaint.consumer_id))).where(
                Complaint.phone == filing.phone,
                Complaint.consumer_id != consumer.id,
                Complaint.created_at > now - dt.timedelta(days=30),
            )
        )
        if sharing:
            flags.append("shared_phone")
    if filing.amount is not None and filing.amount > Decimal("50000"):
        flags.append("abnormal_amount")
    monthly = db.session.scalar(
        sa.select(sa.func.count(Complaint.id)).where(
            Complaint.consumer_id == consumer.id, Complaint.created_at > now - dt.timedelta(days=30)
        )
    )
    if monthly >= 10:
        flags.append("frequent_complainant")
    return flags


def _number(now: dt.datetime) -> str:
    body = "".join(secrets.choice(codes.ALPHABET) for _ in range(6))
    return f"T{today_cn(now):%y%m%d}{body}"


def _has_merchant(store: Store) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Staff.id)).where(
                Staff.store_id == store.id, Staff.role == StaffRole.MERCHANT, Staff.active.is_(True)
            )
        )
        > 0
    )


def file(
    consumer: Consumer,
    store_code: str,
    body: dict,
    *,
    key: str,
    req_hash: str,
    client_addr: str = "",
    channel: str = "mp",
    limits: Limits | None = None,
) -> Complaint:
    """Validate, check, route and record a new filing. Flushes; the caller commits."""
    now = utcnow()
    store = codes.active(store_code).store
    filing = complaint_input.parse(body, today=today_cn(now), bound_phone=consumer.phone)
    if not store.accepts_complaints:
        raise DomainError("complaints_closed_for_store", status=422)
    _rate_limit(consumer, store, client_addr, now, limits or Limits.from_config())

    check_state = content_check.check(consumer, filing.description)  # raises on "risky"

    route = routing.responsible_station(store, filing.category, filing.kind)
    merchant_first = (
        filing.kind == "complaint"
        and _has_merchant(store)
        and (
            filing.merchant_first
            if filing.merchant_first is not None
            else (filing.amount is None or filing.amount <= MERCHANT_FIRST_DEFAULT_LIMIT)
        )
    )
    rules = rulesets.rules_for(today_cn(now))
    complaint = Complaint(
        number=_number(now),
        kind=ComplaintKind(filing.kind),
        store=store,
        consumer=consumer,
        station=route.station,
        routing_rule=route.rule,
        status=Status.MERCHANT_NEGOTIATING if merchant_first else Status.SUBMITTED,
        category=filing.category,
        demand=filing.demand,
        description=filing.description,
        amount=filing.amount,
        purchase_date=filing.purchase_date,
        name=filing.name,
        phone=filing.phone,
        anonymous=filing.kind == "report" and not filing.name,
        merchant_first=merchant_first,
        rule_set=rules.name.split("+")[0],
        content_check=check_state,
        commitments_snapshot=[store_page.commitment_view(c) for c in store.current_commitments()],
        abuse_flags=abuse_flags(store, consumer, filing, now),
        client_addr=client_addr,
        idempotency_key=key,
        request_hash=req_hash,
        created_at=now,
        updated_at=now,
    )
    db.session.add(complaint)
    db.session.flush()  # a concurrent duplicate fails here, on the unique (consumer, key)

    if filing.evidence:
        from app.services import uploads

        uploads.claim_for_complaint(consumer.id, list(filing.evidence), complaint)

    station_name = route.station.name
    first = record(
        complaint,
        Actor("consumer", consumer.id, channel),
        "submitted",
        text=EVENTS["report_submitted" if filing.kind == "report" else "submitted"].format(
            station=station_name
        ),
        data={"routing_rule": route.rule, "station_id": route.station.id},
        now=now,
    )
    if merchant_first:
        deadlines.merchant_clocks(complaint, now)
        record(
            complaint,
            Actor.system(),
            "merchant_first",
            text=EVENTS["merchant_first"].format(due=due_text(complaint, "merchant_reply")),
            now=now,
        )
        notify.merchant_alert(complaint, first.id, due_text(complaint, "merchant_reply"))
    else:
        deadlines.station_clocks(complaint, now)
    if check_state == ContentCheck.REVIEW:
        record(
            complaint, Actor.system(), "content_review", text=EVENTS["content_review"], visible=False, now=now
        )
    if complaint.abuse_flags:
        record(
            complaint,
            Actor.system(),
            "abuse_flags",
            text=EVENTS["abuse_flags"].format(flags="；".join(ABUSE_FLAGS[f] for f in complaint.abuse_flags)),
            visible=False,
            data={"flags": complaint.abuse_flags},
            now=now,
        )
    notify.consumer_progress(complaint, first.id, first.text, title="投诉已提交")
    notify.staff_alert(
        complaint,
        route.station,
        first.id,
        template=notify.STAFF_NEW,
        summary="新投诉" if filing.kind == "complaint" else "新举报",
        due_text=due_text(complaint, "first_response") or due_text(complaint, "merchant_reply"),
    )
    return complaint


__all__ = ["Limits", "address_hash", "check_key", "file", "find_replay", "request_hash"]
