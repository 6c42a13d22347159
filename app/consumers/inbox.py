"""The consumer's in-app inbox and subscribe-message allowances."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.complaints.models import Complaint
from app.consumers.models import InboxMessage, Subscription
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.timeutil import utcnow

MAX_ALLOWANCE = 50
TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # WeChat's template ids (letters, digits, - and _)


def record_subscriptions(consumer_id: int, results) -> dict:
    """`results` is what wx.requestSubscribeMessage returned: {template_id: "accept" | "reject" | ...}.

    Each "accept" allows exactly one send of that template; allowances add up (capped).
    """
    if not isinstance(results, dict) or not results or len(results) > 20:
        raise ValidationFailed({"results": "应为 wx.requestSubscribeMessage 返回的 {模板ID: accept/reject}"})
    out = {}
    for template_id, answer in results.items():
        if (
            not isinstance(template_id, str)
            or not TEMPLATE_ID.fullmatch(template_id)
            or not isinstance(answer, str)
        ):
            raise ValidationFailed({"results": "模板 ID 或结果格式有误"})
        row = db.session.scalar(
            sa.select(Subscription).where(
                Subscription.consumer_id == consumer_id, Subscription.template_id == template_id
            )
        )
        if row is None:
            row = Subscription(consumer_id=consumer_id, template_id=template_id, remaining=0)
            db.session.add(row)
        if answer == "accept":
            row.remaining = min(MAX_ALLOWANCE, row.remaining + 1)
        out[template_id] = row.remaining
    db.session.flush()
    return {"remaining": out}


def take_allowance(consumer_id: int, template_id: str) -> bool:
    """Spend one allowance atomically; False when there is none left."""
    result = db.session.execute(
        sa.update(Subscription)
        .where(
            Subscription.consumer_id == consumer_id,
            Subscription.template_id == template_id,
            Subscription.remaining > 0,
        )
        .values(remaining=Subscription.remaining - 1)
    )
    return result.rowcount == 1


def give_back(consumer_id: int, template_id: str) -> None:
    """WeChat refused for a reason other than the allowance (e.g. a network error before sending)."""
    db.session.execute(
        sa.update(Subscription)
        .where(Subscription.consumer_id == consumer_id, Subscription.template_id == template_id)
        .values(remaining=Subscription.remaining + 1)
    )


MAX_MARK = 100  # ids per mark-read call


def unread_count(consumer_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(InboxMessage.id)).where(
            InboxMessage.consumer_id == consumer_id, InboxMessage.read_at.is_(None)
        )
    )


def page_of(consumer_id: int, page: int, per_page: int) -> dict:
    """One page of the consumer's messages, newest first. Reading changes nothing (see `mark_read`)."""
    base = sa.select(InboxMessage).where(InboxMessage.consumer_id == consumer_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(InboxMessage.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = []
    for m in rows:
        number = db.session.get(Complaint, m.complaint_id) if m.complaint_id else None
        items.append(
            {
                "id": m.id,
                "title": m.title,
                "body": m.body,
                "complaint_number": number.number if number else None,
                "created_at": m.created_at.isoformat(),
                "read": m.read_at is not None,
            }
        )
    unread = unread_count(consumer_id)
    return {"items": items, "unread": unread, "page": page, "per_page": per_page, "total": total}


def mark_read(consumer_id: int, body: dict) -> dict:
    """Mark `{"ids": [...]}` (the consumer's own; others' and unknown ids are ignored) or `{"all": true}`
    as read. Marking twice changes nothing the second time; answers the unread count left."""
    ids, everything = body.get("ids"), body.get("all")
    if (ids is None) == (everything is None) or (everything is not None and everything is not True):
        raise ValidationFailed({"ids": "请给出要标为已读的消息 ids，或 all: true（二者选一）"})
    if ids is not None and (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_MARK
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids)
    ):
        raise ValidationFailed({"ids": f"应为 1–{MAX_MARK} 个消息 id（正整数）"})
    query = sa.update(InboxMessage).where(
        InboxMessage.consumer_id == consumer_id, InboxMessage.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(InboxMessage.id.in_(ids))
    marked = db.session.execute(query.values(read_at=utcnow())).rowcount
    return {"marked": marked, "unread": unread_count(consumer_id)}
