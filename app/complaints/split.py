"""Splitting a filing that holds both a complaint and a report into two linked cases (Order 121 Art. 9).

Station staff split a complaint (投诉) to open a linked report (举报) on the same facts, or a report to
open a linked complaint. Each then follows its own path and its own clocks (`states.PATHS`); both point
at each other (`Complaint.linked_id`), staff see the link, and the consumer sees both cases as their own.
A case is split once (`states`: `already_split`), so a retried split never creates a second case.
"""

from __future__ import annotations

from app.complaints import deadlines, flow, states
from app.complaints.filing.service import new_number
from app.complaints.models import Complaint, ComplaintKind, ContentCheck, Status
from app.complaints.states import Actor
from app.complaints.texts import EVENTS, KINDS
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.notifications import notify

_OTHER = {ComplaintKind.COMPLAINT: ComplaintKind.REPORT, ComplaintKind.REPORT: ComplaintKind.COMPLAINT}


def split(original: Complaint, actor: Actor, text: str = "") -> Complaint:
    """Open the other kind of case on `original`'s facts, linked both ways; returns the new case."""
    now = utcnow()
    states.require(original, "split", actor, now)
    note = flow.clean_text(text, required=False)
    kind = _OTHER[original.kind]
    twin = Complaint(
        number=new_number(now),
        kind=kind,
        store=original.store,
        consumer=original.consumer,
        station=original.station,
        routing_rule=original.routing_rule,
        # a complaint made from a report goes to the station (it already knows the case): no merchant-first
        status=Status.SUBMITTED if kind == ComplaintKind.REPORT else Status.WITH_STATION,
        category=original.category,
        demand=original.demand,
        description=original.description,
        description_fp=original.description_fp,
        amount=original.amount,
        purchase_date=original.purchase_date,
        name=original.name,
        phone=original.phone,
        anonymous=kind == ComplaintKind.REPORT and not original.name,
        merchant_first=False,
        rule_set=original.rule_set,
        content_check=original.content_check or ContentCheck.PENDING,
        commitments_snapshot=original.commitments_snapshot,
        abuse_flags=[],
        client_addr=original.client_addr,
        idempotency_key=f"split:{original.number}",
        request_hash="",
        created_at=now,
        updated_at=now,
        linked=original,
    )
    original.linked = twin
    db.session.add(twin)
    db.session.flush()
    here = KINDS[kind.value]
    # Art. 37: a complaint's timeline may reach its merchant (merchant-first), so the link is recorded
    # there for staff only; the consumer reads it on the report's timeline, which no merchant ever sees.
    born = flow.record(
        twin,
        actor,
        "split_from",
        text=EVENTS["split_from"].format(
            kind=KINDS[original.kind.value], number=original.number, kind_here=here
        ),
        visible=kind == ComplaintKind.REPORT,
        data={"linked_number": original.number},
        now=now,
    )
    deadlines.station_clocks(twin, now)
    event = flow.record(
        original,
        actor,
        "split_off",
        text=EVENTS["split_off"].format(kind=here, number=twin.number) + note,
        visible=original.kind == ComplaintKind.REPORT,
        data={"linked_number": twin.number},
        now=now,
    )
    told = born if born.visible_to_consumer else event
    notify.consumer_progress(told.complaint, told.id, told.text)
    notify.staff_alert(
        twin,
        twin.station,
        born.id,
        template=notify.STAFF_NEW,
        summary=f"新{here}（由{original.number}分出）"[:20],
        due_text=flow.due_text(twin, "first_response"),
    )
    return twin
