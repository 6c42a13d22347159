"""Filing a complaint or report from a store's code: validated, checked, routed, clocked, once.

Filing is the busiest write path, so it is written as plain SQL work on the session's connection: two
reads (`filing_reads`), then one INSERT per table for the complaint, its timeline events, its deadlines,
its outbox rows and the consumer's inbox message, all in the caller's transaction. The column values come
from the same builders the ORM transitions use (`complaint_flow.event_values`, `deadlines.*_plan`,
`notify.*_values`), so a filed complaint is indistinguishable from one the ORM would have written.
Reference data that changes rarely (routing rules, station contacts, calendar overrides) is kept per
process for a few seconds, and dropped at once when this process commits a change to it.

Idempotency: (consumer, Idempotency-Key) is unique in the database. The same key with the same body
returns the first complaint; with another body, 409. A key already used is found by the counts query
(no extra round trip); concurrent duplicates race on the unique constraint and the loser's caller rolls
back and answers from `find_replay`; `submit` also answers most replays from Redis.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from app.calendar import rulesets, workcal
from app.complaints import content_check, deadlines
from app.complaints.filing import input
from app.complaints.filing import reads as filing_reads
from app.complaints.filing import replay as filing_replay
from app.complaints.flow import Actor, due_label, event_values
from app.complaints.models import (
    Complaint,
    ComplaintDeadline,
    ComplaintEvent,
    ComplaintKind,
    ContentCheck,
    Status,
)
from app.complaints.presenters import consumer as complaint_views
from app.complaints.texts import ABUSE_FLAGS, EVENTS, REPORT_REPEATED, SUBMITTED_TITLE
from app.consumers.login import TokenClaims, claims_match
from app.consumers.models import InboxMessage
from app.core import db_outage
from app.core.errors import Conflict, DomainError, TooMany, Unauthorized, ValidationFailed
from app.core.extensions import db
from app.core.timeutil import today_cn, utcnow
from app.directory import routing
from app.notifications import after_commit, notify
from app.notifications.models import OutboxMessage
from app.staff.models import StaffRole
from app.stores import codes
from app.uploads import photos

log = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.]{8,80}$")
MERCHANT_FIRST_DEFAULT_LIMIT = Decimal("500")
ABNORMAL_AMOUNT = Decimal("50000")
FREQUENT_PER_MONTH = 10
NEAR_IDENTICAL_BEFORE = 2  # this many earlier filings at the store this week with the same opening
MERCHANT_SUMMARY = "首问负责：请先行协商"
MERCHANT_CALL_SUMMARY = "首问负责：请致电商户"  # the station's alert when no merchant account is bound

#: A number already taken inserts nothing (and returns no id): the filing draws another one. Any other
#: unique violation, the (consumer, Idempotency-Key) race, still raises IntegrityError.
_INSERT_COMPLAINT = {
    name: dialect.insert(Complaint).on_conflict_do_nothing(index_elements=["number"]).returning(Complaint.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
NUMBER_TRIES = 8  # six random characters a day: a second collision in a row is already ~1e-9 likely
_INSERT_EVENTS = sa.insert(ComplaintEvent).returning(ComplaintEvent.id, sort_by_parameter_order=True)
#: RETURNING makes SQLAlchemy send the rows as one multi-row INSERT instead of one statement per row.
_INSERT_DEADLINES = sa.insert(ComplaintDeadline).returning(ComplaintDeadline.id)
_INSERT_OUTBOX = sa.insert(OutboxMessage).returning(OutboxMessage.id)  # ids only to queue them: any order
_INSERT_INBOX = sa.insert(InboxMessage)


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


@dataclass(frozen=True)
class Filed:
    """A filing's outcome: the 201 answer (`replayed`: filed before) and whose it is."""

    answer: dict
    sandbox: bool  # filed by a sandbox identity (see auth.claims_match)
    replayed: bool = False


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


def replayed(complaint: Complaint) -> Filed:
    return Filed(complaint_views.filed(complaint), complaint.consumer.sandbox, replayed=True)


def submit(claims: TokenClaims, store_code: str, body: dict, *, key: str, client_addr: str = "") -> Filed:
    """File once per Idempotency-Key, and commit.

    A retry whose answer Redis holds is answered from there (no database work); copies sent at once wait
    for the first one's answer; everything else goes to the database, whose unique (consumer, key)
    decides in the end (see app.complaints.filing.replay).
    """
    req_hash = request_hash(store_code.strip().upper(), body)
    stored, claim = filing_replay.begin(claims.consumer_id, key)
    if stored is None and claim is filing_replay.Claim.TAKEN:
        stored = filing_replay.wait(claims.consumer_id, key)
    if stored is not None and claims_match(claims, stored.openid_hash, stored.sandbox):
        if stored.req_hash != req_hash:
            raise Conflict("idempotency_conflict")
        return Filed(stored.answer, stored.sandbox, replayed=True)
    try:
        filed = _file_once_more_if_dropped(claims, store_code, body, key, req_hash, client_addr)
    except BaseException:
        if claim is filing_replay.Claim.OURS:
            filing_replay.release(claims.consumer_id, key)
        raise
    filing_replay.remember(
        claims.consumer_id,
        key,
        filing_replay.Stored(req_hash, claims.openid_hash, filed.sandbox, filed.answer),
    )
    return filed


def _file_once_more_if_dropped(
    claims: TokenClaims, store_code: str, body: dict, key: str, req_hash: str, client_addr: str
) -> Filed:
    """A connection dropped under the transaction: file again at once, on a new connection.

    Safe because the unique (consumer, key) decides: when the lost transaction did commit (only its
    answer was lost), the second try finds it and replays it. A database that refuses connections fails
    the second try too, and the surface answers 503 `database_unavailable`.
    """
    try:
        return _file_and_commit(claims, store_code, body, key, req_hash, client_addr)
    except db_outage.OUTAGE as exc:
        db_outage.forget_session()
        if not db_outage.dropped(exc):
            raise
        log.warning("filing: the database connection dropped (%s); filing again once", type(exc).__name__)
    return _file_and_commit(claims, store_code, body, key, req_hash, client_addr)


def _file_and_commit(
    claims: TokenClaims, store_code: str, body: dict, key: str, req_hash: str, client_addr: str
) -> Filed:
    try:
        filed = file(claims, store_code, body, key=key, req_hash=req_hash, client_addr=client_addr)
        db.session.commit()
        return filed
    except (IntegrityError, DomainError) as exc:
        # IntegrityError: a concurrent duplicate committed first. A refusal (the code revoked since, the
        # store closed, a limit reached): a retry of a filing accepted before still gets its complaint.
        if isinstance(exc, Unauthorized | Conflict):
            raise
        db.session.rollback()
        replay = find_replay(claims.consumer_id, key, req_hash)
        if replay is None:
            raise
        return replayed(replay)


def _rate_limit(counts: filing_reads.Counts, addr: str, limits: Limits) -> None:
    if counts.hour >= limits.per_hour:
        raise TooMany("rate_limited_hour")
    if counts.store_day >= limits.per_store_day:
        raise TooMany("rate_limited_store_day")
    if addr and counts.address_hour >= limits.per_address_hour:
        raise TooMany("rate_limited_address")


def abuse_flags(counts: filing_reads.Counts, filing: input.Filing) -> list[str]:
    """Art. 17 signals, flagged to the station; never a reason to refuse."""
    flags = []
    if counts.same_text >= NEAR_IDENTICAL_BEFORE:
        flags.append("near_identical")
    if filing.phone and counts.shared_phone:
        flags.append("shared_phone")
    if filing.amount is not None and filing.amount > ABNORMAL_AMOUNT:
        flags.append("abnormal_amount")
    if counts.month >= FREQUENT_PER_MONTH:
        flags.append("frequent_complainant")
    return flags


def new_number(now: dt.datetime) -> str:
    """A fresh case number: T, the China date, 6 random characters."""
    body = "".join(secrets.choice(codes.ALPHABET) for _ in range(6))
    return f"T{today_cn(now):%y%m%d}{body}"


def _insert_complaint(conn: sa.Connection, now: dt.datetime, values: dict) -> tuple[str, int]:
    """Insert the complaint under a fresh number; a number someone already has is drawn again.

    A concurrent duplicate of this filing fails here with IntegrityError, on the unique (consumer, key).
    """
    insert = _INSERT_COMPLAINT[conn.dialect.name]
    for _ in range(NUMBER_TRIES):
        number = new_number(now)
        complaint_id = conn.execute(insert, {**values, "number": number}).scalar_one_or_none()
        if complaint_id is not None:
            return number, complaint_id
    raise RuntimeError(f"no free complaint number after {NUMBER_TRIES} draws")


def _refuse_repeated_report(conn, consumer_id: int, store_id: int, fingerprint: str) -> None:
    """Order 121 Art. 35: the same person reporting the same facts against the same store again is not
    handled again. New facts go into the earlier report (`flow.consumer_message`), which merges them and
    restarts its verification clock."""
    earlier = filing_reads.earlier_report(
        conn, consumer_id=consumer_id, store_id=store_id, fingerprint=fingerprint
    )
    if earlier is not None:
        raise Conflict("report_repeated", REPORT_REPEATED.format(number=earlier))


def _merchant_first(store: filing_reads.StoreFacts, filing: input.Filing) -> bool:
    """Offered when enrolment gave the merchant's contact and phone (the store page says so)."""
    if filing.kind != "complaint" or not store.merchant_first_offered:
        return False
    if filing.merchant_first is not None:
        return filing.merchant_first
    return filing.amount is None or filing.amount <= MERCHANT_FIRST_DEFAULT_LIMIT


def file(
    claims: TokenClaims,
    store_code: str,
    body: dict,
    *,
    key: str,
    req_hash: str,
    client_addr: str = "",
    channel: str = "mp",
    limits: Limits | None = None,
) -> Filed:
    """Validate, check, route and record a new filing (or find the one filed under `key`).

    Writes in the caller's transaction; the caller commits. A concurrent duplicate raises IntegrityError
    on the complaint's insert.
    """
    now = utcnow()
    today = today_cn(now)
    cal = workcal.load_cached()
    conn = db.session.connection()  # everything below runs on it, in the caller's transaction
    filer, store = filing_reads.filer_and_store(conn, claims, store_code)
    filing = input.parse(body, today=today, bound_phone=filer.phone, cal=cal)
    if not store.accepts_complaints:
        raise DomainError("complaints_closed_for_store", status=422)
    station_id, rule = routing.decide(store.subject, filing.category, filing.kind)
    if station_id is None:  # only when the directory has no 12315 centre: a setup error, said plainly
        raise DomainError("no_responsible_station", status=503)
    limits = limits or Limits.from_config()
    fingerprint = input.fingerprint(filing.description)
    counts = filing_reads.counts(
        conn,
        consumer_id=filer.id,
        key=key,
        store_id=store.id,
        station_id=station_id,
        addr=client_addr,
        phone=filing.phone,
        fingerprint=fingerprint,
        now=now,
        caps=filing_reads.Caps(
            limits.per_hour,
            limits.per_store_day,
            limits.per_address_hour,
            FREQUENT_PER_MONTH,
            NEAR_IDENTICAL_BEFORE,
        ),
    )
    if counts.earlier is not None:
        replay = find_replay(filer.id, key, req_hash)
        if replay is not None:
            return replayed(replay)
    _rate_limit(counts, client_addr, limits)
    if filing.kind == "report":
        _refuse_repeated_report(conn, filer.id, store.id, fingerprint)

    check_state = content_check.check(filer.openid, filing.description)  # raises on "risky"

    station_name, station_phone = routing.station_contact(station_id)
    merchant_first = _merchant_first(store, filing)
    status = Status.MERCHANT_NEGOTIATING if merchant_first else Status.SUBMITTED
    rules = rulesets.rules_for(today)
    plan = (
        deadlines.merchant_plan(rules, now, cal)
        if merchant_first
        else deadlines.station_plan(rules, filing.kind, filing.amount, now, cal)
    )
    flags = abuse_flags(counts, filing)
    number, complaint_id = _insert_complaint(
        conn,
        now,
        {
            "kind": ComplaintKind(filing.kind),
            "store_id": store.id,
            "consumer_id": filer.id,
            "station_id": station_id,
            "routing_rule": rule,
            "status": status,
            "category": filing.category,
            "demand": filing.demand,
            "description": filing.description,
            "description_fp": fingerprint,
            "amount": filing.amount,
            "purchase_date": filing.purchase_date,
            "name": filing.name,
            "phone": filing.phone,
            "anonymous": filing.kind == "report" and not filing.name,
            "merchant_first": merchant_first,
            "rule_set": rules.name.split("+")[0],
            "content_check": check_state,
            "commitments_snapshot": store.commitments,
            "abuse_flags": flags,
            "client_addr": client_addr,
            "idempotency_key": key,
            "request_hash": req_hash,
            "created_at": now,
            "updated_at": now,
        },
    )

    due = {p.kind: due_label(p.due_at, p.uncertain) for p in plan}
    submitted = EVENTS["report_submitted" if filing.kind == "report" else "submitted"].format(
        station=station_name
    )
    events = [
        _event(
            Actor("consumer", filer.id, channel),
            "submitted",
            status,
            station_id,
            submitted,
            now,
            data={"routing_rule": rule, "station_id": station_id},
        )
    ]
    if merchant_first:
        reply = next(p for p in plan if p.kind == "merchant_reply")
        due_words = deadlines.when_words(reply, now, year=True)  # stored: read later, maybe next year
        text = EVENTS["merchant_first"].format(due=due_words)
        events.append(_event(Actor.system(), "merchant_first", status, station_id, text, now))
        if not store.has_merchant:  # nobody to alert at the store: the station calls the merchant
            text = EVENTS["merchant_call"].format(
                contact=store.merchant_contact, phone=store.merchant_phone, due=due_words
            )
            events.append(
                _event(Actor.system(), "merchant_call", status, station_id, text, now, visible=False)
            )
    if check_state == ContentCheck.REVIEW:
        text = EVENTS["content_review"]
        events.append(_event(Actor.system(), "content_review", status, station_id, text, now, visible=False))
    if flags:
        text = EVENTS["abuse_flags"].format(flags="；".join(ABUSE_FLAGS[f] for f in flags))
        events.append(
            _event(
                Actor.system(),
                "abuse_flags",
                status,
                station_id,
                text,
                now,
                visible=False,
                data={"flags": flags},
            )
        )
    event_ids = (
        conn.execute(_INSERT_EVENTS, [dict(e, complaint_id=complaint_id) for e in events]).scalars().all()
    )
    conn.execute(_INSERT_DEADLINES, [dict(p.values(), complaint_id=complaint_id) for p in plan])

    first = event_ids[0]
    conn.execute(
        _INSERT_INBOX,
        notify.inbox_values(
            consumer_id=filer.id,
            complaint_id=complaint_id,
            title=SUBMITTED_TITLE[filing.kind],
            text=submitted,
        ),
    )
    about = {"complaint_id": complaint_id, "event_id": first, "number": number, "store_name": store.name}
    outbox = [
        notify.progress_values(
            **about,
            consumer_id=filer.id,
            openid=filer.openid,
            status=status.value,
            kind=filing.kind,
            text=submitted,
            at=now,
        )
    ]
    alert = {**about, "category": filing.category, "received_at": now, "template": notify.STAFF_NEW}
    for person in counts.recipients:
        if person.role == StaffRole.MERCHANT:
            if merchant_first:
                outbox.append(
                    notify.template_values(
                        **alert,
                        person_id=person.id,
                        openid=person.openid,
                        tag="merchant",
                        summary=MERCHANT_SUMMARY,
                        due_text=due["merchant_reply"],
                    )
                )
            continue
        outbox.append(
            notify.template_values(
                **alert,
                person_id=person.id,
                openid=person.openid,
                tag="staff",
                summary=(
                    MERCHANT_CALL_SUMMARY
                    if merchant_first and not store.has_merchant
                    else "新投诉"
                    if filing.kind == "complaint"
                    else "新举报"
                ),
                due_text=due.get("first_response") or due.get("merchant_reply", ""),
            )
        )
    outbox_ids = conn.execute(_INSERT_OUTBOX, outbox).scalars().all()
    after_commit.queue_ids(outbox_ids)

    if filing.evidence:
        photos.claim_for_complaint(filer.id, list(filing.evidence), db.session.get(Complaint, complaint_id))

    answer = complaint_views.filed_view(
        kind=filing.kind,
        number=number,
        status=status.value,
        station_name=station_name,
        station_phone=station_phone,
        deadline_rows=plan,
        merchant_first=merchant_first,
    )
    return Filed(answer, filer.sandbox)


def _event(
    actor: Actor,
    action: str,
    status: Status,
    station_id: int,
    text: str,
    now: dt.datetime,
    *,
    visible: bool = True,
    data: dict | None = None,
) -> dict:
    return event_values(
        actor,
        action,
        status=status.value,
        station_id=station_id,
        text=text,
        visible=visible,
        data=data,
        at=now,
    )


__all__ = ["Filed", "Limits", "address_hash", "check_key", "file", "find_replay", "request_hash", "submit"]
