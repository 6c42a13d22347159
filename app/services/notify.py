"""Notifications as outbox rows, written in the caller's transaction (never sent from here).

Every consumer notification also lands in the in-app inbox, so a message WeChat refuses (no
subscribe allowance, 43101) is never lost. Staff alerts go to each bound handler of the station.
The worker (app.services.outbox) delivers pending rows; each row has a unique idempotency key.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Complaint, InboxMessage, OutboxMessage, Staff, StaffRole, Station
from app.texts_complaints import CATEGORIES, NOTIFY, STATUS
from app.timeutil import CHINA

PROGRESS_TEMPLATE = "progress"  # mapped to WECHAT_MP_TPL_PROGRESS by the sender
STAFF_NEW = "new_complaint"  # WECHAT_OA_TPL_NEW_COMPLAINT
STAFF_DEADLINE = "deadline"  # WECHAT_OA_TPL_DEADLINE


def _remember(row: OutboxMessage) -> None:
    """Let the after-commit hook wake the worker for this row."""
    db.session.add(row)
    db.session.info.setdefault("outbox_new", []).append(row)


def consumer_progress(complaint: Complaint, event_id: int, text: str, *, title: str | None = None) -> None:
    consumer = complaint.consumer
    title = title or NOTIFY["update_title"]
    db.session.add(
        InboxMessage(consumer_id=consumer.id, complaint_id=complaint.id, title=title, body=text[:500])
    )
    _remember(
        OutboxMessage(
            key=f"complaint:{complaint.id}:event:{event_id}:consumer",
            channel="subscribe",
            recipient=consumer.openid,
            consumer_id=consumer.id,
            complaint_id=complaint.id,
            template=PROGRESS_TEMPLATE,
            payload={
                "number": complaint.number,
                "status": STATUS[complaint.status.value],
                "store": complaint.store.name,
                "text": text,
                "time": complaint.updated_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
                if complaint.updated_at
                else "",
                "page": f"pages/complaint/detail?number={complaint.number}",
            },
        )
    )


def bound_staff(station: Station, roles: tuple[StaffRole, ...]) -> list[Staff]:
    return list(
        db.session.scalars(
            sa.select(Staff)
            .where(
                Staff.station_id == station.id,
                Staff.role.in_(roles),
                Staff.active.is_(True),
                Staff.oa_openid.is_not(None),
            )
            .order_by(Staff.id)
        )
    )


def _template_message(
    complaint: Complaint,
    person: Staff,
    event_id: int,
    *,
    template: str,
    summary: str,
    due_text: str,
    tag: str,
) -> None:
    _remember(
        OutboxMessage(
            key=f"complaint:{complaint.id}:event:{event_id}:{tag}:{person.id}",
            channel="template",
            recipient=person.oa_openid,
            staff_id=person.id,
            complaint_id=complaint.id,
            template=template,
            payload={
                "number": complaint.number,
                "store": complaint.store.name,
                "category": CATEGORIES.get(complaint.category, complaint.category),
                "received": complaint.created_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "deadline": due_text,
                "summary": summary,
            },
        )
    )


def staff_alert(
    complaint: Complaint,
    station: Station,
    event_id: int,
    *,
    template: str,
    summary: str,
    due_text: str = "",
    roles: tuple[StaffRole, ...] = (StaffRole.HANDLER, StaffRole.SUPERVISOR),
) -> int:
    """One template message per bound staff member of `station`; returns how many were queued."""
    people = bound_staff(station, roles)
    for person in people:
        _template_message(
            complaint, person, event_id, template=template, summary=summary, due_text=due_text, tag="staff"
        )
    return len(people)


def merchant_alert(complaint: Complaint, event_id: int, due_text: str) -> int:
    """The store's bound merchant contacts get the first chance (首问负责)."""
    merchants = db.session.scalars(
        sa.select(Staff).where(
            Staff.store_id == complaint.store_id,
            Staff.role == StaffRole.MERCHANT,
            Staff.active.is_(True),
            Staff.oa_openid.is_not(None),
        )
    ).all()
    for person in merchants:
        _template_message(
            complaint,
            person,
            event_id,
            template=STAFF_NEW,
            summary="首问负责：请先行协商",
            due_text=due_text,
            tag="merchant",
        )
    return len(merchants)
