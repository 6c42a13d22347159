"""The complaint's life: one function per transition, each checking the current state first.

Every transition writes a timeline event (actor, time, channel, reason code, text, whether the
consumer sees it), updates the stored deadlines, and queues notifications in the same transaction.
Functions flush, never commit. Which action is allowed in which state and for whom is the table in
`states`; each transition checks it first (409 `invalid_transition` for the state, 403 for the role).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.complaints import deadlines, states
from app.complaints.models import Complaint, ComplaintEvent, ComplaintKind, Status
from app.complaints.states import Actor
from app.complaints.texts import (
    CASE_RESULTS,
    CHOOSE_CASE_RESULT,
    CHOOSE_DECLINE_REASON,
    CHOOSE_NOT_OPEN_REASON,
    CHOOSE_OUTCOME,
    CHOOSE_SUSPEND_REASON,
    CHOOSE_TERMINATION_REASON,
    EVENTS,
    EXTENSION_REASON_REQUIRED,
    GROUNDS,
    NOT_OPEN_REASONS,
    OTHER_ROUTES,
    OUTCOMES,
    STATUTES,
    SUSPEND_REASONS,
)
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.timeutil import cn_moment, today_cn, utcnow
from app.directory.models import Station
from app.notifications import notify

AUTO_CLOSE_DAYS = 7
TEXT_MAX = 500


def _require(complaint: Complaint, action: str, actor: Actor, now: dt.datetime | None = None) -> None:
    states.require(complaint, action, actor, now or utcnow())


def clean_text(value: str | None, field: str = "text", *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed({field: "请填写内容"})
    if len(text) > TEXT_MAX:
        raise ValidationFailed({field: f"最多 {TEXT_MAX} 个字"})
    return text


def event_values(
    actor: Actor,
    action: str,
    *,
    status: str | None,
    to_status: str | None = None,
    station_id: int | None,
    text: str = "",
    reason_code: str | None = None,
    visible: bool = True,
    data: dict | None = None,
    at: dt.datetime,
) -> dict:
    """The column values of a timeline event (shared by `record` and the filing's Core path)."""
    return {
        "at": at,
        "actor": actor.kind,
        "actor_id": actor.id,
        "channel": actor.channel,
        "action": action,
        "reason_code": reason_code,
        "text": text,
        "visible_to_consumer": visible,
        "from_status": status,
        "to_status": to_status or status,
        "station_id": station_id,
        "data": data or {},
    }


def record(
    complaint: Complaint,
    actor: Actor,
    action: str,
    *,
    text: str = "",
    reason_code: str | None = None,
    visible: bool = True,
    to_status: Status | None = None,
    data: dict | None = None,
    now: dt.datetime | None = None,
) -> ComplaintEvent:
    """Write a timeline event and apply `to_status`; returns the flushed event (it has an id)."""
    now = now or utcnow()
    event = ComplaintEvent(
        complaint=complaint,
        **event_values(
            actor,
            action,
            status=complaint.status.value if complaint.status else None,
            to_status=to_status.value if to_status else None,
            station_id=complaint.station_id,
            text=text,
            reason_code=reason_code,
            visible=visible,
            data=data,
            at=now,
        ),
    )
    if to_status is not None:
        complaint.status = to_status
    complaint.updated_at = now
    db.session.add(event)
    db.session.flush()
    return event


def _tell_consumer(complaint: Complaint, event: ComplaintEvent, **kw) -> None:
    if event.visible_to_consumer:
        notify.consumer_progress(complaint, event.id, event.text, **kw)


def _station_takes_over(complaint: Complaint, event: ComplaintEvent, summary: str) -> None:
    """The station's clocks start now and its staff are alerted (after merchant-first, a dispute, a reopen)."""
    deadlines.station_clocks(complaint, event.at)
    notify.staff_alert(
        complaint,
        complaint.station,
        event.id,
        template=notify.STAFF_NEW,
        summary=summary,
        due_text=due_text(complaint, "first_response"),
    )


def _station_name(complaint: Complaint) -> str:
    return complaint.station.name if complaint.station else "负责站点"


# --- merchant first (首问负责) -------------------------------------------------------------------


def merchant_reply(complaint: Complaint, actor: Actor, text: str) -> ComplaintEvent:
    _require(complaint, "merchant_reply", actor)
    text = clean_text(text)
    event = record(complaint, actor, "merchant_replied", text=EVENTS["merchant_replied"].format(text=text))
    deadlines.meet(complaint, event.at, "merchant_reply")
    _tell_consumer(complaint, event)
    return event


def merchant_settle(
    complaint: Complaint, actor: Actor, text: str, amount: Decimal | None = None
) -> ComplaintEvent:
    """The merchant reports a settlement; the consumer confirms (closed) or disputes (to the station)."""
    _require(complaint, "merchant_settle", actor)
    text = clean_text(text)
    now = utcnow()
    complaint.outcome = "settled"
    complaint.amount_recovered = amount
    complaint.resolved_at = now
    event = record(
        complaint,
        actor,
        "merchant_settled",
        text=EVENTS["merchant_settled"].format(text=text),
        to_status=Status.RESOLVED,
        now=now,
    )
    deadlines.meet(complaint, now, "merchant_reply", "merchant_settle")
    deadlines.cancel_open(complaint, now)
    _tell_consumer(complaint, event)
    return event


def to_station(complaint: Complaint, actor: Actor, reason_code: str) -> ComplaintEvent:
    """Merchant-first ends without settlement: the merchant gave up, or the sweep found it timed out."""
    _require(complaint, "to_station", actor)
    if reason_code not in states.TO_STATION_REASONS:
        raise ValueError(f"unknown to_station reason {reason_code!r}")  # a programming error, never input
    now = utcnow()
    event = record(
        complaint,
        actor,
        "to_station",
        reason_code=reason_code,
        text=EVENTS[reason_code].format(station=_station_name(complaint)),
        to_status=Status.WITH_STATION,
        now=now,
    )
    deadlines.cancel_open(complaint, now)
    _tell_consumer(complaint, event)
    _station_takes_over(complaint, event, "商家协商未果，请处理")
    return event


# --- station ------------------------------------------------------------------------------------


def accept(complaint: Complaint, actor: Actor) -> ComplaintEvent:
    _require(complaint, "accept", actor)
    now = utcnow()
    complaint.accepted_at = now
    complaint.first_response_at = complaint.first_response_at or now
    event = record(
        complaint,
        actor,
        "accepted",
        text=EVENTS["accepted"].format(station=_station_name(complaint)),
        to_status=Status.ACCEPTED,
        now=now,
    )
    deadlines.meet(complaint, now, "first_response", "accept_decline")
    deadlines.mediation_clock(complaint)
    _tell_consumer(complaint, event)
    return event


def grounds(complaint: Complaint, decision: str) -> tuple[str, dict[str, str]]:
    """The citation (statute and article) and the grounds of a `decision` ("decline" or "terminate")
    under the rules the complaint was filed under (Order 121 from 2026-04-15, the interim measures before)."""
    rules = complaint.rule_set if complaint.rule_set in GROUNDS else "order121"
    article, reasons = GROUNDS[rules][decision]
    return STATUTES[rules] + article, reasons


def decline(complaint: Complaint, actor: Actor, reason_code: str, text: str = "") -> ComplaintEvent:
    _require(complaint, "decline", actor)
    rules, reasons = grounds(complaint, "decline")
    if reason_code not in reasons:
        raise ValidationFailed({"reason_code": CHOOSE_DECLINE_REASON.format(rules=rules)})
    extra = clean_text(text, required=False)
    now = utcnow()
    complaint.first_response_at = complaint.first_response_at or now
    complaint.closed_at = now
    body = EVENTS["declined"].format(station=_station_name(complaint), reason=reasons[reason_code])
    if extra:
        body += f"说明：{extra}。"
    event = record(
        complaint,
        actor,
        "declined",
        text=body + OTHER_ROUTES,
        reason_code=reason_code,
        to_status=Status.DECLINED,
        now=now,
    )
    deadlines.meet(complaint, now, "first_response", "accept_decline")
    deadlines.cancel_open(complaint, now)
    _tell_consumer(complaint, event)
    return event


def suspend(complaint: Complaint, actor: Actor, reason_code: str, text: str = "") -> ComplaintEvent:
    _require(complaint, "suspend", actor)
    if reason_code not in SUSPEND_REASONS:
        labels = "、".join(SUSPEND_REASONS.values())
        raise ValidationFailed({"reason_code": CHOOSE_SUSPEND_REASON.format(labels=labels)})
    now = utcnow()
    complaint.suspended_at = now
    event = record(
        complaint,
        actor,
        "suspended",
        reason_code=reason_code,
        text=EVENTS["suspended"].format(reason=SUSPEND_REASONS[reason_code])
        + (clean_text(text, required=False) or ""),
        to_status=Status.SUSPENDED,
        now=now,
    )
    _tell_consumer(complaint, event)
    return event


def resume(complaint: Complaint, actor: Actor) -> ComplaintEvent:
    """The mediation clock restarts; whole China days spent suspended are added to its limit."""
    _require(complaint, "resume", actor)
    now = utcnow()
    paused = (today_cn(now) - today_cn(complaint.suspended_at)).days if complaint.suspended_at else 0
    complaint.suspended_days += max(0, paused)
    complaint.suspended_at = None
    event = record(complaint, actor, "resumed", text=EVENTS["resumed"], to_status=Status.ACCEPTED, now=now)
    deadlines.mediation_clock(complaint)
    _tell_consumer(complaint, event)
    return event


def transfer(complaint: Complaint, actor: Actor, station: Station, reason: str) -> ComplaintEvent:
    """To a named station, with a reason. Counted on its own; never a resolution; clocks keep running."""
    _require(complaint, "transfer", actor)
    reason = clean_text(reason, "reason")
    if station.id == complaint.station_id:
        raise ValidationFailed({"station": "不能转给当前站点"})
    from_station = complaint.station
    complaint.station = station
    complaint.station_id = station.id
    event = record(
        complaint,
        actor,
        "transferred",
        text=EVENTS["transferred"].format(station=station.name, text=reason),
        data={"from_station_id": from_station.id if from_station else None, "to_station_id": station.id},
    )
    _tell_consumer(complaint, event)
    notify.staff_alert(
        complaint,
        station,
        event.id,
        template=notify.STAFF_NEW,
        summary=f"转办：{reason}"[:20],
        due_text=due_text(complaint, "first_response"),
    )
    return event


def reply(complaint: Complaint, actor: Actor, text: str, *, internal: bool = False) -> ComplaintEvent:
    _require(complaint, "reply", actor)
    text = clean_text(text)
    now = utcnow()
    shown = EVENTS["replied"].format(station=_station_name(complaint), text=text)
    event = record(
        complaint,
        actor,
        "note" if internal else "replied",
        text=text if internal else shown,
        visible=not internal,
        now=now,
    )
    if not internal:
        complaint.first_response_at = complaint.first_response_at or now
        deadlines.meet(complaint, now, "first_response")
        _tell_consumer(complaint, event)
    return event


def resolve(
    complaint: Complaint,
    actor: Actor,
    outcome: str,
    amount_recovered: Decimal | None = None,
    text: str = "",
    reason_code: str | None = None,
) -> ComplaintEvent:
    _require(complaint, "resolve", actor)
    if outcome not in OUTCOMES:
        raise ValidationFailed({"outcome": CHOOSE_OUTCOME.format(labels="、".join(OUTCOMES.values()))})
    rules, reasons = grounds(complaint, "terminate")
    if outcome == "terminated" and reason_code not in reasons:
        raise ValidationFailed({"reason_code": CHOOSE_TERMINATION_REASON.format(rules=rules)})
    if amount_recovered is not None and amount_recovered < 0:
        raise ValidationFailed({"amount_recovered": "挽回金额不能为负数"})
    note = clean_text(text, required=False)
    now = utcnow()
    complaint.outcome = outcome
    complaint.amount_recovered = amount_recovered
    complaint.resolved_at = now
    amount_text = f"挽回经济损失 {amount_recovered} 元。" if amount_recovered else ""
    body = EVENTS["resolved"].format(
        station=_station_name(complaint), outcome=OUTCOMES[outcome], amount=amount_text
    )
    if reason_code:
        body += f"（{reasons[reason_code]}）"
    if note:
        body += note
    event = record(
        complaint,
        actor,
        "resolved",
        text=body,
        reason_code=reason_code,
        to_status=Status.RESOLVED,
        now=now,
        data={
            "outcome": outcome,
            "amount_recovered": str(amount_recovered) if amount_recovered is not None else None,
        },
    )
    deadlines.meet(complaint, now, "first_response", "small_dispute_close", "ordinary_close", "mediation")
    deadlines.cancel_open(complaint, now)
    _tell_consumer(complaint, event, title="投诉已办结")
    return event


def hand_off_national(
    complaint: Complaint, actor: Actor, case_number: str, filed_on: dt.date, *, now: dt.datetime | None = None
) -> ComplaintEvent | None:
    """The case moved to the national 12315 platform (the consumer filed there, or the office took it up).

    Its number and date are recorded, the station's clocks stop (every open deadline is cancelled), and
    the figures count it apart. The same number again changes nothing (None); another number is refused.
    """
    number = (case_number or "").strip().upper()
    if (
        not number
        or len(number) > 40
        or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in number)
    ):
        raise ValidationFailed(
            {"national_case_number": "全国12315平台案件编号应为最多 40 位字母、数字或连字符"}
        )
    now = now or utcnow()
    if filed_on > today_cn(now):
        raise ValidationFailed({"national_filed_on": "移交日期不能晚于今天"})
    if complaint.handed_off_at is not None:
        if complaint.national_case_number == number:
            return None
        raise Conflict("already_handed_off")
    _require(complaint, "hand_off_national", actor, now)
    complaint.national_case_number = number
    complaint.national_filed_on = filed_on
    complaint.handed_off_at = now
    event = record(
        complaint,
        actor,
        "handed_off_national",
        text=EVENTS["handed_off_national"].format(number=number, date=f"{filed_on:%Y-%m-%d}"),
        data={"national_case_number": number, "national_filed_on": filed_on.isoformat()},
        now=now,
    )
    deadlines.cancel_open(complaint, now)
    if actor.kind == "consumer":  # the station's clocks stopped: its staff must know why
        notify.staff_alert(
            complaint,
            complaint.station,
            event.id,
            template=notify.STAFF_NEW,
            summary="消费者已转全国12315平台",
        )
    else:
        _tell_consumer(complaint, event)
    return event


# --- consumer -----------------------------------------------------------------------------------


def confirm(complaint: Complaint, actor: Actor, resolved: bool) -> ComplaintEvent:
    """Confirmed → closed. Disputed → closed as disputed (may reopen once within 7 days), except a
    merchant's settlement, which goes to the station instead."""
    _require(complaint, "confirm", actor)
    now = utcnow()
    complaint.consumer_confirmed = resolved
    if resolved:
        complaint.closed_at = now
        return record(
            complaint, actor, "confirmed", text=EVENTS["confirmed"], to_status=Status.CLOSED, now=now
        )
    complaint.disputed_at = now
    if complaint.outcome == "settled" and complaint.accepted_at is None:
        complaint.outcome = None
        complaint.resolved_at = None
        event = record(
            complaint, actor, "disputed", text=EVENTS["disputed"], to_status=Status.WITH_STATION, now=now
        )
        _station_takes_over(complaint, event, "消费者不认可商家和解")
        return event
    complaint.closed_at = now
    return record(complaint, actor, "disputed", text=EVENTS["disputed"], to_status=Status.CLOSED, now=now)


def withdraw(complaint: Complaint, actor: Actor, text: str = "") -> ComplaintEvent:
    _require(complaint, "withdraw", actor)
    now = utcnow()
    complaint.closed_at = now
    event = record(
        complaint,
        actor,
        "withdrawn",
        text=EVENTS["withdrawn"] + clean_text(text, required=False),
        to_status=Status.WITHDRAWN,
        now=now,
    )
    deadlines.cancel_open(complaint, now)
    return event


def reopen(complaint: Complaint, actor: Actor, text: str = "") -> ComplaintEvent:
    now = utcnow()
    _require(complaint, "reopen", actor, now)
    complaint.reopen_count += 1
    complaint.closed_at = None
    complaint.resolved_at = None
    complaint.outcome = None
    complaint.consumer_confirmed = None
    complaint.accepted_at = None
    event = record(
        complaint,
        actor,
        "reopened",
        text=EVENTS["reopened"] + clean_text(text, required=False),
        to_status=Status.WITH_STATION,
        now=now,
    )
    _station_takes_over(complaint, event, "消费者异议，重新处理")
    return event


def rate(complaint: Complaint, actor: Actor, rating: int, comment: str = "") -> ComplaintEvent:
    _require(complaint, "rate", actor)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed({"rating": "评分应为 1 到 5 的整数"})
    comment = clean_text(comment, "comment", required=False)[:300]
    complaint.rating = rating
    complaint.rating_comment = comment
    return record(
        complaint,
        actor,
        "rated",
        text=EVENTS["rated"].format(rating=rating) + (f"{comment}" if comment else ""),
    )


def consumer_message(complaint: Complaint, actor: Actor, text: str) -> ComplaintEvent:
    """The consumer adds to the case. On a report still being verified these are new facts: merged into
    the same report, and the verification clock restarts from today (Order 121 Art. 35)."""
    _require(complaint, "message", actor)
    text = clean_text(text)
    event = record(complaint, actor, "consumer_message", text=EVENTS["consumer_message"].format(text=text))
    if complaint.kind == ComplaintKind.REPORT and complaint.status == Status.SUBMITTED:
        extended = any(e.action == "verification_extended" for e in complaint.events)
        row = deadlines.verification_clock(complaint, event.at, extended=extended)
        record(
            complaint,
            Actor.system(),
            "report_facts_added",
            text=EVENTS["report_facts_added"].format(due=deadlines.when_words(row, event.at, year=True)),
            data={"due_at": row.due_at.isoformat()},
            now=event.at,
        )
    notify.staff_alert(
        complaint, complaint.station, event.id, template=notify.STAFF_NEW, summary="消费者补充了材料"
    )
    return event


# --- reports (举报, Order 121 Art. 28-37) ------------------------------------------------------------


def _tell_reporter(complaint: Complaint, event: ComplaintEvent, what: str, title: str) -> None:
    """A named reporter is told the decision and the result (Art. 36), and the notice is recorded on the
    timeline; an anonymous one left no way to be told and follows the status only. The store is never
    told anything of a report (Art. 37): no merchant alert is ever queued here."""
    if complaint.anonymous:
        return
    notice = record(
        complaint,
        Actor.system(),
        "reporter_notified",
        text=EVENTS["reporter_notified"].format(what=what),
        data={"decision_event_id": event.id},
        now=event.at,
    )
    notify.consumer_progress(complaint, notice.id, event.text, title=title)


def extend(complaint: Complaint, actor: Actor, reason: str) -> ComplaintEvent:
    """A supervisor approves, once per phase and with a reason, more time for a report's limit in force:
    15 working days of verification (Order 121 Art. 27) or, once a case is opened, 30 days for its
    decision (penalty procedure rules Art. 64)."""
    _require(complaint, "extend", actor)
    reason = clean_text(reason, "reason") if (reason or "").strip() else ""
    if not reason:
        raise ValidationFailed({"reason": EXTENSION_REASON_REQUIRED})
    action = states.EXTENSION_EVENTS[complaint.status]
    if complaint.status == Status.SUBMITTED:
        row = deadlines.extend_verification(complaint)
    else:
        row = deadlines.extend_case_handling(complaint)
    return record(
        complaint,
        actor,
        action,
        text=EVENTS[action].format(due=deadlines.when_words(row, utcnow(), year=True), reason=reason),
        data={"due_at": row.due_at.isoformat()},
    )


def open_case(complaint: Complaint, actor: Actor, text: str = "") -> ComplaintEvent:
    """立案: verification found grounds; the case is investigated under the penalty procedure."""
    _require(complaint, "open_case", actor)
    note = clean_text(text, required=False)
    now = utcnow()
    complaint.accepted_at = now
    complaint.first_response_at = complaint.first_response_at or now
    event = record(
        complaint,
        actor,
        "case_opened",
        text=EVENTS["case_opened"].format(station=_station_name(complaint)) + note,
        to_status=Status.INVESTIGATING,
        now=now,
    )
    deadlines.meet(complaint, now, "first_response", "clue_verification")
    deadlines.case_clock(complaint, now)
    _tell_reporter(complaint, event, "立案调查", "举报已立案")
    return event


def _listed(code: str, options: dict[str, str], field: str, message: str) -> str:
    """`code` when it is one of `options`, else 422 on `field` listing them in Chinese."""
    if code not in options:
        raise ValidationFailed({field: message.format(labels="、".join(options.values()))})
    return code


def _report_ends(
    complaint: Complaint, actor: Actor, action: str, body: str, code: str, to_status: Status, met: str
) -> ComplaintEvent:
    """A decision that ends a report (不予立案, 结案): recorded, its clocks stopped, the reporter told."""
    now = utcnow()
    complaint.first_response_at = complaint.first_response_at or now
    complaint.outcome = code
    complaint.closed_at = now
    event = record(complaint, actor, action, text=body, reason_code=code, to_status=to_status, now=now)
    deadlines.meet(complaint, now, "first_response", met)
    deadlines.cancel_open(complaint, now)
    return event


def not_open(complaint: Complaint, actor: Actor, reason_code: str, text: str = "") -> ComplaintEvent:
    """不予立案, with a reason from the closed list; the report is closed."""
    _require(complaint, "not_open", actor)
    code = _listed(reason_code, NOT_OPEN_REASONS, "reason_code", CHOOSE_NOT_OPEN_REASON)
    note = clean_text(text, required=False)
    body = EVENTS["not_opened"].format(station=_station_name(complaint), reason=NOT_OPEN_REASONS[code])
    body += f"说明：{note}。" if note else ""
    event = _report_ends(complaint, actor, "not_opened", body, code, Status.NOT_OPENED, "clue_verification")
    _tell_reporter(complaint, event, "不予立案", "举报处理结果")
    return event


def conclude(complaint: Complaint, actor: Actor, result: str, text: str = "") -> ComplaintEvent:
    """结案: the opened case is decided; the result is what the reporter may be told."""
    _require(complaint, "conclude", actor)
    code = _listed(result, CASE_RESULTS, "result", CHOOSE_CASE_RESULT)
    body = EVENTS["case_concluded"].format(result=CASE_RESULTS[code]) + clean_text(text, required=False)
    complaint.resolved_at = utcnow()
    event = _report_ends(complaint, actor, "case_concluded", body, code, Status.CLOSED, "case_handling")
    _tell_reporter(complaint, event, CASE_RESULTS[code], "举报已结案")
    return event


# --- system -------------------------------------------------------------------------------------


def auto_close(complaint: Complaint, now: dt.datetime) -> ComplaintEvent | None:
    if states.refusal(complaint, "auto_close", states.Role.SYSTEM, now) or complaint.resolved_at is None:
        return None
    if now - complaint.resolved_at < dt.timedelta(days=AUTO_CLOSE_DAYS):
        return None
    complaint.closed_at = now
    return record(
        complaint,
        Actor.system(),
        "auto_closed",
        text=EVENTS["auto_closed"].format(days=AUTO_CLOSE_DAYS),
        to_status=Status.CLOSED,
        now=now,
    )


def due_text(complaint: Complaint, kind: str) -> str:
    row = next((d for d in complaint.deadlines if d.kind == kind and d.met_at is None), None)
    return due_label(row.due_at, row.uncertain) if row is not None else ""


def due_label(due_at: dt.datetime, uncertain: bool) -> str:
    """A deadline as staff alerts and timeline texts show it."""
    return cn_moment(due_at) + ("（待确认）" if uncertain else "")
