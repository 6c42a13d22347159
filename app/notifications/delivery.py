"""Delivering outbox rows to WeChat: once each, with retries, back-off and dead letters.

`notify` writes the rows in the caller's transaction; after the commit `app.notifications.hooks` queues them
(`app.notifications.queue`), and the worker's periodic `sweep` delivers whatever is due and
still pending (never queued because Redis was down, a crash between commit and enqueue, a retry).

`deliver(id)` owns its transactions:

1. it takes the row under a lock — `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite, which has
   no row locks, the database write lock, taken first — and does nothing unless the row is due (PENDING,
   or SENDING and not settled within OUTBOX_IN_FLIGHT_SECONDS), so a row queued twice, or handled by a job
   and the sweep at once, is sent once;
2. it renders the message (`message_format`: every value within its type's limit, or DEAD at once);
3. it marks the row SENDING (attempts+1, and for a subscribe message the allowance spent) and commits,
   then calls WeChat;
4. it records the outcome and commits: SENT, INBOX_ONLY (consumer without a subscribe allowance, or
   43101: the in-app inbox written by notify already holds the message), a retry (network, HTTP error,
   -1 and other transient errcodes: next attempt after base·2^(attempts-1) seconds, capped, DEAD after
   OUTBOX_MAX_ATTEMPTS), or DEAD (any other errcode).

A row found SENDING had its worker die between the call and step 4 (or lose the database then): WeChat
may or may not have the message. Per channel:

- subscribe (consumers): at most once. Never sent again; INBOX_ONLY (the inbox already holds it). A
  call that timed out after it was sent is treated the same way.
- template (staff): at least once. Sent again under the same per-row `client_msg_id`, which WeChat drops
  as a repeat for about ten minutes — so only within OUTBOX_RESEND_WINDOW_SECONDS of the first call whose
  outcome is unknown (`in_flight_since`); later, DEAD (listed by `flask outbox failed`) rather than twice.
- custom (customer-service text): no de-duplication id exists, so never sent again; DEAD.

A staff alert refused because the person no longer follows the account (43004) or is unknown to it
(40003) is dead for them, and 43004 also records that they no longer follow (`Staff.oa_following`: no
more alerts until they do). The next bound person of the same station who has not had this event yet
gets a row of their own (key `complaint:{id}:event:{eid}:staff:{staff_id}`, as in notify).

Sandbox mode records instead of sending (SENT, last_error "sandbox: recorded, not sent").
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.complaints.models import Complaint
from app.consumers import inbox
from app.consumers.models import Subscription
from app.core.extensions import db
from app.core.timeutil import as_utc, utcnow
from app.notifications import after_commit, recipients
from app.notifications import format as message_format
from app.notifications.models import OutboxMessage, OutboxStatus
from app.staff import h5_sessions, people
from app.staff.models import Staff
from wechat.api import WeChatAPIError, WeChatUnreachable
from wechat.client import is_sandbox
from wechat.messages import send_custom_text, send_subscribe, send_template

log = logging.getLogger(__name__)

SANDBOX_NOTE = "sandbox: recorded, not sent"
#: errcodes worth trying again later: system busy, token trouble that outlived the client's own retry,
#: quotas and rate limits.
RETRYABLE_ERRCODES = frozenset({-1, 40001, 40014, 41001, 42001, 45009, 45011, 45047})
#: The recipient cannot get template messages from this account (not following / unknown openid).
GONE_ERRCODES = frozenset({43004, 40003})
#: "require subscribe": the openid is this account's, and the person no longer follows it. (40003, an
#: openid unknown to the account, may be a configuration error, so it marks no one.)
NOT_FOLLOWING = 43004
NO_ALLOWANCE = 43101
#: A sweep stops early after this many deliveries in a row found WeChat unreachable.
UNREACHABLE_STREAK = 3
STAFF_KEY = re.compile(r"^complaint:(\d+):event:(\d+):staff:(\d+)$")
ERROR_MAX = 300


@dataclass(frozen=True)
class Outcome:
    status: str  # the row's status afterwards ("missing" for no such row)
    acted: bool = False  # this call handled the row (False: not pending, not due, or locked elsewhere)
    unreachable: bool = False  # WeChat gave no usable answer


# -- delivery -----------------------------------------------------------------------------------------


def deliver(outbox_id: int, now: dt.datetime | None = None) -> str:
    """Deliver one row if it is pending and due; commit; return its status afterwards."""
    return deliver_row(outbox_id, now).status


def deliver_row(outbox_id: int, now: dt.datetime | None = None) -> Outcome:
    now = now or utcnow()
    row = _lock_due(outbox_id, now)
    if row is None:
        db.session.rollback()
        status = db.session.scalar(sa.select(OutboxMessage.status).where(OutboxMessage.id == outbox_id))
        db.session.rollback()
        return Outcome(status.value if status is not None else "missing")
    described = f"outbox {row.id} ({row.channel} to {row.recipient})"
    try:
        outcome = _deliver_locked(row, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("%s: %s", described, outcome.status)
    return outcome


def _lock_due(outbox_id: int, now: dt.datetime) -> OutboxMessage | None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        # No row locks: take the database write lock now (a no-op write), so a concurrent delivery of this
        # row waits here and then finds it no longer pending.
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id)
            .values(attempts=OutboxMessage.attempts)
            .execution_options(synchronize_session=False)
        )
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, _due(now))
        .execution_options(populate_existing=True)
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def _due(now: dt.datetime) -> sa.ColumnElement[bool]:
    """Pending and due; or being sent and not settled in time (`next_attempt_at` then says until when)."""
    return sa.and_(
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        OutboxMessage.next_attempt_at <= now,
    )


def _deliver_locked(row: OutboxMessage, now: dt.datetime) -> Outcome:
    config = current_app.config
    if row.status == OutboxStatus.SENDING:
        log.warning("outbox %s: found mid-send since %s (its worker stopped)", row.id, row.in_flight_since)
        if row.channel != message_format.TEMPLATE:
            return _outcome_unknown(row)
    try:
        message = message_format.render(row, config)
    except message_format.FormatError as exc:
        return _dead(row, f"format: {exc}")
    if _sandbox():
        # Recorded, not sent: the worker's log shows what WeChat would have received (and, for staff, the
        # signed sandbox link to the complaint's page).
        link = _staff_link(row) if row.channel == message_format.TEMPLATE else None
        log.info(
            "sandbox: %s %s to %s: %s%s",
            row.channel,
            row.template,
            row.recipient,
            message.text or message.data,
            f" link {link}" if link else "",
        )
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, SANDBOX_NOTE
        return Outcome(row.status.value, acted=True)
    if row.channel == message_format.SUBSCRIBE:
        return _subscribe(row, message, now)
    if row.channel == message_format.TEMPLATE:
        return _template(row, message, now)
    return _custom(row, message, now)


def _subscribe(row: OutboxMessage, message: message_format.Rendered, now: dt.datetime) -> Outcome:
    setting = message_format.TEMPLATE_ID_SETTINGS.get(row.template, row.template)
    if not message.template_id:
        return _inbox_only(row, f"{setting} not set")
    if row.consumer_id is None or not inbox.take_allowance(row.consumer_id, message.template_id):
        return _inbox_only(row, "no subscribe allowance")
    _in_flight(row, now)
    try:
        send_subscribe(
            row.recipient,
            message.template_id,
            message.data,
            message.page,
            current_app.config.get("WECHAT_MP_STATE") or "formal",
        )
    except WeChatAPIError as exc:
        if exc.errcode == NO_ALLOWANCE:
            # WeChat knows better: the user has no allowance left (or revoked it). Stop spending ours.
            db.session.execute(
                sa.update(Subscription)
                .where(
                    Subscription.consumer_id == row.consumer_id,
                    Subscription.template_id == message.template_id,
                )
                .values(remaining=0)
            )
            return _inbox_only(row, _describe(exc))
        inbox.give_back(row.consumer_id, message.template_id)  # WeChat sent nothing: the allowance stays
        if exc.errcode in RETRYABLE_ERRCODES:
            return _retry(row, _describe(exc), now)
        return _dead(row, _describe(exc))
    except WeChatUnreachable as exc:
        if maybe_delivered(exc):
            return _outcome_unknown(row, _describe(exc))
        inbox.give_back(row.consumer_id, message.template_id)
        return _retry(row, _describe(exc), now, unreachable=True)
    return _sent(row, now)


def _template(row: OutboxMessage, message: message_format.Rendered, now: dt.datetime) -> Outcome:
    if not message.template_id:
        setting = message_format.TEMPLATE_ID_SETTINGS.get(row.template, row.template)
        return _dead(row, f"{setting} not set")
    if _past_resend_window(row, now):
        return _outcome_unknown(row)
    _in_flight(row, now)
    try:
        send_template(
            row.recipient,
            message.template_id,
            message.data,
            url=_staff_link(row),
            client_msg_id=client_msg_id(row),
        )
    except WeChatAPIError as exc:
        if exc.errcode in GONE_ERRCODES:
            outcome = _dead(row, _describe(exc))
            if exc.errcode == NOT_FOLLOWING and row.staff_id is not None:
                people.set_following(row.recipient, False)
            _hand_to_next_staff(row)
            return outcome
        if exc.errcode in RETRYABLE_ERRCODES:
            return _retry(row, _describe(exc), now)
        return _dead(row, _describe(exc))
    except WeChatUnreachable as exc:
        return _retry(row, _describe(exc), now, unreachable=True, maybe_delivered=maybe_delivered(exc))
    return _sent(row, now)


def _custom(row: OutboxMessage, message: message_format.Rendered, now: dt.datetime) -> Outcome:
    _in_flight(row, now)
    try:
        send_custom_text(row.recipient, message.text)
    except WeChatAPIError as exc:
        if exc.errcode in RETRYABLE_ERRCODES:
            return _retry(row, _describe(exc), now)
        return _dead(row, _describe(exc))  # 45015: the 48-hour window is closed; 43004, 40003 ...
    except WeChatUnreachable as exc:
        if maybe_delivered(exc):
            return _outcome_unknown(row, _describe(exc))
        return _retry(row, _describe(exc), now, unreachable=True)
    return _sent(row, now)


def _in_flight(row: OutboxMessage, now: dt.datetime) -> None:
    """Mark the row as being sent and commit, before the WeChat call: a worker that dies during the call
    leaves it SENDING, and whoever finds it so knows WeChat may have the message. Not looked at again
    before OUTBOX_IN_FLIGHT_SECONDS (longer than any call takes)."""
    row.status = OutboxStatus.SENDING
    row.attempts += 1
    if row.in_flight_since is None:
        row.in_flight_since = now
    in_flight = float(current_app.config.get("OUTBOX_IN_FLIGHT_SECONDS", 60.0))
    row.next_attempt_at = now + dt.timedelta(seconds=in_flight)
    # Nobody else touches a row while it is SENDING: keep its attributes rather than read it back.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def maybe_delivered(exc: Exception) -> bool:
    """The request reached WeChat and no answer came back in time: it may have been delivered."""
    return getattr(exc, "reason", "") == "ReadTimeout"


def _past_resend_window(row: OutboxMessage, now: dt.datetime) -> bool:
    """An earlier send's outcome is unknown and WeChat no longer drops a repeat of it."""
    if row.in_flight_since is None:
        return False
    window = float(current_app.config.get("OUTBOX_RESEND_WINDOW_SECONDS", 300.0))
    return (now - as_utc(row.in_flight_since)).total_seconds() >= window


def _outcome_unknown(row: OutboxMessage, why: str = "") -> Outcome:
    """WeChat may have the message: a subscribe message stays in the inbox, anything else is dead."""
    note = f"outcome unknown ({why or 'its worker stopped during the WeChat call'}); not sent again"
    if row.channel == message_format.SUBSCRIBE:
        return _inbox_only(row, note)
    return _dead(row, note)


def _staff_link(row: OutboxMessage) -> str | None:
    """The complaint's staff H5 page (`/oa/complaints/<number>`, opened through WeChat OAuth)."""
    number = (row.payload or {}).get("number")
    staff = db.session.get(Staff, row.staff_id) if row.staff_id else None
    if not number or staff is None:
        return None
    return h5_sessions.link_for(staff, str(number))


def client_msg_id(row: OutboxMessage) -> str:
    """Per-row de-duplication id for template messages: WeChat drops a repeat within about 10 minutes."""
    created = row.created_at.isoformat() if row.created_at else ""
    return "ob" + hashlib.sha256(f"{row.id}|{row.key}|{created}".encode()).hexdigest()[:30]


def backoff_seconds(attempts: int, config=None) -> float:
    """Wait after the `attempts`-th failed try: base·2^(attempts-1), capped."""
    config = config if config is not None else current_app.config
    base = float(config.get("OUTBOX_RETRY_BASE_SECONDS", 10.0))
    cap = float(config.get("OUTBOX_RETRY_MAX_SECONDS", 3600.0))
    return min(cap, base * 2 ** max(0, attempts - 1))


def _sandbox() -> bool:
    return is_sandbox()


def _describe(exc: Exception) -> str:
    return str(exc)[:ERROR_MAX]


def _sent(row: OutboxMessage, now: dt.datetime) -> Outcome:
    row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, ""
    return Outcome(row.status.value, acted=True)


def _inbox_only(row: OutboxMessage, why: str) -> Outcome:
    row.status, row.last_error = OutboxStatus.INBOX_ONLY, why[:ERROR_MAX]
    return Outcome(row.status.value, acted=True)


def _dead(row: OutboxMessage, why: str) -> Outcome:
    row.status, row.last_error = OutboxStatus.DEAD, why[:ERROR_MAX]
    log.warning("outbox %s to %s is dead: %s", row.id, row.recipient, why)
    return Outcome(row.status.value, acted=True)


def _retry(
    row: OutboxMessage,
    why: str,
    now: dt.datetime,
    *,
    unreachable: bool = False,
    maybe_delivered: bool = False,
) -> Outcome:
    """Pending again after a back-off. WeChat's answer said it has nothing, unless `maybe_delivered` (a
    time-out): then `in_flight_since` stays, and bounds when the row may still be resent."""
    limit = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", 8))
    if row.attempts >= limit:
        outcome = _dead(row, f"{row.attempts} attempts; last: {why}")
        return Outcome(outcome.status, acted=True, unreachable=unreachable)
    row.status = OutboxStatus.PENDING
    if not maybe_delivered:
        row.in_flight_since = None
    row.last_error = why[:ERROR_MAX]
    row.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(row.attempts))
    return Outcome(row.status.value, acted=True, unreachable=unreachable)


def _hand_to_next_staff(row: OutboxMessage) -> OutboxMessage | None:
    """Queue this alert for the next person alerted for the same station (handlers first) who has not had
    it yet; when the station has nobody else, for its parent's supervisors (`recipients.station_alert`)."""
    match = STAFF_KEY.match(row.key)
    if not match or row.staff_id is None:
        return None  # merchants and non-event alerts have no one to pass to
    complaint_id, event_id, _ = (int(g) for g in match.groups())
    dead_person = db.session.get(Staff, row.staff_id)
    station_id = dead_person.station_id if dead_person and dead_person.station_id else None
    if station_id is None:
        station_id = db.session.scalar(sa.select(Complaint.station_id).where(Complaint.id == complaint_id))
    prefix = f"complaint:{complaint_id}:event:{event_id}:staff:"
    already = set(
        db.session.scalars(sa.select(OutboxMessage.key).where(OutboxMessage.key.startswith(prefix)))
    )
    candidates = recipients.station_staff(station_id, excluding=row.staff_id, handlers_first=True)
    for person in candidates:
        key = f"{prefix}{person.id}"
        if key in already:
            continue
        heir = OutboxMessage(
            key=key,
            channel=row.channel,
            recipient=person.oa_openid,
            staff_id=person.id,
            complaint_id=row.complaint_id,
            template=row.template,
            payload=dict(row.payload or {}),
        )
        try:
            with db.session.begin_nested():
                db.session.add(heir)
        except sa.exc.IntegrityError:
            continue  # someone else queued it meanwhile
        after_commit.queue_row(heir)
        log.info("outbox %s: handed to staff %s (%s)", row.id, person.id, person.oa_openid)
        return heir
    return None


# -- sweeping and operating ---------------------------------------------------------------------------


def due_ids(now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    now = now or utcnow()
    limit = limit or int(current_app.config.get("OUTBOX_SWEEP_BATCH", 100))
    ids = list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.rollback()
    return ids


def sweep(now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Deliver every row that is due, batch after batch of `limit`, until none is left; return how many
    were handled. A backlog (an outage's) drains at the speed delivery allows: OUTBOX_SWEEP_THREADS rows
    at once (each in its own app context and transaction; one at a time on SQLite, which has one writer).

    A row whose delivery fails unexpectedly (a database error, say) is logged and left for the next run.
    After a few deliveries in a row found WeChat unreachable, the rest waits for the next run too.
    """
    app = current_app._get_current_object()
    threads = 1 if db.engine.dialect.name == "sqlite" else int(app.config.get("OUTBOX_SWEEP_THREADS", 8))

    def one(outbox_id: int) -> Outcome | None:
        with app.app_context():
            try:
                return deliver_row(outbox_id, now)
            except Exception:
                log.exception("outbox %s: delivery failed; the next sweep tries again", outbox_id)
                return None

    handled = 0
    streak = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sweep") as pool:
        while True:
            batch = due_ids(now, limit)
            acted = 0
            start = 0
            while start < len(batch):
                # One row at a time to begin with and while WeChat seems unreachable; then all threads.
                size = threads if (handled or acted) and not streak else 1
                for outcome in pool.map(one, batch[start : start + size]):
                    if outcome is None:
                        continue
                    acted += outcome.acted
                    streak = streak + 1 if outcome.unreachable else 0
                start += size
                if streak >= UNREACHABLE_STREAK:
                    log.warning("WeChat unreachable; the sweep stops here and resumes on its next run")
                    return handled + acted
            handled += acted
            if not acted:  # nothing due, or every row failed or was taken by someone else: no spinning
                return handled


def behind(now: dt.datetime | None = None) -> bool:
    """Is a row due for longer than OUTBOX_CATCH_UP_SECONDS? A queued job would have taken it by then,
    so its job was lost (Redis restarted empty), failed (the database away) or never queued."""
    now = now or utcnow()
    grace = float(current_app.config.get("OUTBOX_CATCH_UP_SECONDS", 5.0))
    late = db.session.scalar(
        sa.select(sa.exists().where(_due(now - dt.timedelta(seconds=grace)))),
    )
    db.session.rollback()
    return bool(late)


def catch_up(now: dt.datetime | None = None) -> int:
    """Sweep at once when rows are late (after any outage), without waiting for the sweep's next run."""
    return sweep(now) if behind(now) else 0


def failed(limit: int = 100) -> list[dict]:
    """Dead letters, newest first: what `flask outbox failed` shows."""
    rows = db.session.execute(
        sa.select(OutboxMessage, Complaint.number)
        .outerjoin(Complaint, Complaint.id == OutboxMessage.complaint_id)
        .where(OutboxMessage.status == OutboxStatus.DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": row.id,
            "channel": row.channel,
            "recipient": row.recipient,
            "template": row.template,
            "complaint_number": number,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "created_at": row.created_at,
        }
        for row, number in rows
    ]


def retry(outbox_id: int, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Put a dead (or pending) row back to PENDING, due now, attempts from zero. The caller commits."""
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None or row.status not in (OutboxStatus.DEAD, OutboxStatus.PENDING):
        return row
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.in_flight_since = None  # asked for again: sent even if an earlier call's outcome is unknown
    row.next_attempt_at = now or utcnow()
    if row.last_error and not row.last_error.startswith("retry requested"):
        row.last_error = f"retry requested; was: {row.last_error}"[:ERROR_MAX]
    after_commit.queue_row(row)  # queued again after the commit
    return row


def stats(now: dt.datetime | None = None) -> dict:
    now = now or utcnow()
    counts = {status.value: 0 for status in OutboxStatus}
    for status, count in db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ):
        counts[status.value] = count
    oldest = db.session.scalar(
        sa.select(sa.func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    due = db.session.scalar(sa.select(sa.func.count()).where(_due(now)))
    return {
        "counts": counts,
        "due": due,
        "oldest_pending_seconds": int((now - as_utc(oldest)).total_seconds()) if oldest else None,
    }
