"""A store's right of reply to its published cases, moderated by the station before it shows.

The merchant (a bound staff member of the store, or the office on its behalf from the command line)
submits one reply per case; the text is redacted like every published text. The station that handled the
case, or a supervisor above it, approves or rejects it; only an approved reply appears on the public
pages. A rejected reply may be submitted again; the same text again changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.complaints import access
from app.complaints.models import Complaint
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.publicity import cases, redact
from app.publicity.models import ReplyStatus, StoreReply
from app.staff.models import Staff, StaffRole

TEXT_MAX = 500


def _case(number: str) -> Complaint:
    row = cases.one(number)
    return db.session.scalar(sa.select(Complaint).where(Complaint.number == row.number))


def submit(number: str, text: str, merchant: Staff | None = None) -> StoreReply:
    """The store answers a published case (flushes; the caller commits)."""
    complaint = _case(number)
    if merchant is not None and (
        merchant.role != StaffRole.MERCHANT or merchant.store_id != complaint.store_id
    ):
        raise Forbidden("reply_not_allowed")
    body = (text or "").strip()
    if not body or len(body) > TEXT_MAX:
        raise ValidationFailed({"text": f"请填写回应内容，最多 {TEXT_MAX} 个字"})
    body = redact.redact(body)
    reply = db.session.scalar(sa.select(StoreReply).where(StoreReply.complaint_id == complaint.id))
    if reply is not None:
        if reply.text == body and reply.status == ReplyStatus.PENDING:
            return reply
        if reply.status != ReplyStatus.REJECTED:
            raise Conflict("reply_exists")
        reply.status, reply.moderated_at, reply.moderated_by, reply.moderation_note = (
            ReplyStatus.PENDING,
            None,
            None,
            "",
        )
    else:
        reply = StoreReply(complaint_id=complaint.id, store_id=complaint.store_id)
        db.session.add(reply)
    reply.text = body
    reply.submitted_by = merchant.id if merchant else None
    reply.submitted_at = utcnow()
    db.session.flush()
    return reply


def moderate(reply_id: int, approve: bool, moderator: Staff | None = None, note: str = "") -> StoreReply:
    """The station approves or rejects a pending reply; `moderator` None is the office from the CLI."""
    reply = db.session.get(StoreReply, reply_id)
    if reply is None:
        raise NotFound("reply_not_found")
    if moderator is not None and (
        moderator.role == StaffRole.MERCHANT or not access.can_see(moderator, reply.complaint)
    ):
        raise Forbidden("staff_not_allowed")
    if reply.status != ReplyStatus.PENDING:
        raise Conflict("reply_not_pending")
    reply.status = ReplyStatus.APPROVED if approve else ReplyStatus.REJECTED
    reply.moderated_at = utcnow()
    reply.moderated_by = moderator.id if moderator else None
    reply.moderation_note = (note or "").strip()[:200]
    db.session.flush()
    return reply


def _pending(station_ids: set[int] | None):
    query = sa.select(StoreReply).where(StoreReply.status == ReplyStatus.PENDING)
    if station_ids is not None:
        query = query.join(Complaint, Complaint.id == StoreReply.complaint_id).where(
            Complaint.station_id.in_(station_ids)
        )
    return query


def pending(station_ids: set[int] | None = None) -> list[StoreReply]:
    return list(db.session.scalars(_pending(station_ids).order_by(StoreReply.id)))


def waiting(station_ids: set[int] | None = None) -> int:
    """How many replies wait for the station (the console's first page)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(_pending(station_ids).subquery()))
