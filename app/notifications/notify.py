"""Notifications as outbox rows, written in the caller's transaction (never sent from here).

Every consumer notification also lands in the in-app inbox, so a message WeChat refuses (no
subscribe allowance, 43101) is never lost. Who receives a staff alert is `app.notifications.recipients`.
The worker (app.notifications.delivery) delivers pending rows; each row has a unique idempotency key.
"""

from __future__ import annotations

import datetime as dt

from app.complaints.models import Complaint
from app.complaints.texts import CATEGORIES, NOTIFY, status_label
from app.consumers.models import InboxMessage
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.directory.models import Station
from app.notifications import after_commit, recipients
from app.notifications.models import OutboxMessage
from app.staff.models import Staff, StaffRole

PROGRESS_TEMPLATE = "progress"  # mapped to WECHAT_MP_TPL_PROGRESS by the sender
STAFF_NEW = "new_complaint"  # WECHAT_OA_TPL_NEW_COMPLAINT
STAFF_DEADLINE = "deadline"  # WECHAT_OA_TPL_DEADLINE
CREDENTIAL_EXPIRY = "credential_expiry"  # WECHAT_OA_TPL_CREDENTIAL_EXPIRY


def remember(row: OutboxMessage) -> None:
    """Let the after-commit hook wake the worker for this row."""
    db.session.add(row)
    after_commit.queue_row(row)


def _minute(at: dt.datetime | None) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at else ""


# -- row builders: plain values in, column values out (the ORM path and the filing's Core path share them)


def progress_values(
    *,
    complaint_id: int,
    event_id: int,
    consumer_id: int,
    openid: str,
    number: str,
    status: str,
    store_name: str,
    text: str,
    at: dt.datetime | None,
    kind: str = "complaint",
) -> dict:
    """The outbox row of a subscribe message telling the consumer about a step."""
    return {
        "key": f"complaint:{complaint_id}:event:{event_id}:consumer",
        "channel": "subscribe",
        "recipient": openid,
        "consumer_id": consumer_id,
        "staff_id": None,
        "complaint_id": complaint_id,
        "template": PROGRESS_TEMPLATE,
        "payload": {
            "number": number,
            "status": status_label(kind, status),
            "store": store_name,
            "text": text,
            "time": _minute(at),
            "page": f"pages/complaint/detail?number={number}",
        },
    }


def inbox_values(*, consumer_id: int, complaint_id: int, title: str | None, text: str) -> dict:
    return {
        "consumer_id": consumer_id,
        "complaint_id": complaint_id,
        "title": title or NOTIFY["update_title"],
        "body": text[:500],
    }


def template_values(
    *,
    complaint_id: int,
    event_id: int,
    person_id: int,
    openid: str,
    tag: str,
    template: str,
    number: str,
    store_name: str,
    category: str,
    received_at: dt.datetime,
    summary: str,
    due_text: str,
) -> dict:
    """The outbox row of a template message to one staff member or merchant contact."""
    return {
        "key": f"complaint:{complaint_id}:event:{event_id}:{tag}:{person_id}",
        "channel": "template",
        "recipient": openid,
        "consumer_id": None,
        "staff_id": person_id,
        "complaint_id": complaint_id,
        "template": template,
        "payload": {
            "number": number,
            "store": store_name,
            "category": CATEGORIES.get(category, category),
            "received": _minute(received_at),
            "deadline": due_text,
            "summary": summary,
        },
    }


# -- the ORM path -------------------------------------------------------------------------------------


def consumer_progress(complaint: Complaint, event_id: int, text: str, *, title: str | None = None) -> None:
    consumer = complaint.consumer
    db.session.add(
        InboxMessage(
            **inbox_values(consumer_id=consumer.id, complaint_id=complaint.id, title=title, text=text)
        )
    )
    remember(
        OutboxMessage(
            **progress_values(
                complaint_id=complaint.id,
                event_id=event_id,
                consumer_id=consumer.id,
                openid=consumer.openid,
                number=complaint.number,
                status=complaint.status.value,
                kind=complaint.kind.value,
                store_name=complaint.store.name,
                text=text,
                at=complaint.updated_at,
            )
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
    remember(
        OutboxMessage(
            **template_values(
                complaint_id=complaint.id,
                event_id=event_id,
                person_id=person.id,
                openid=person.oa_openid,
                tag=tag,
                template=template,
                number=complaint.number,
                store_name=complaint.store.name,
                category=complaint.category,
                received_at=complaint.created_at,
                summary=summary,
                due_text=due_text,
            )
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
    roles: tuple[StaffRole, ...] = recipients.STATION_STAFF,
    stand_in: bool = True,
) -> int:
    """One template message per person alerted for `station` (`recipients.station_alert`); returns how
    many were queued.

    When nobody at the station can be alerted, its parent's supervisors are, unless the caller alerts
    them itself (`stand_in=False`).
    """
    people = recipients.station_staff(station.id, roles, stand_in=stand_in)
    for person in people:
        _template_message(
            complaint, person, event_id, template=template, summary=summary, due_text=due_text, tag="staff"
        )
    return len(people)
