"""Reports (举报) on their own path: every transition from every state, the clocks on real dates, the
supervisor's extension, the reporter's notice, new facts, the split into linked cases, the sweeps."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.complaints import access, deadlines, flow, split, states, sweeps
from app.complaints.models import ComplaintKind, Status
from app.complaints.presenters import consumer as consumer_views
from app.complaints.presenters import staff as staff_views
from app.complaints.states import Actor, Role
from app.consumers.models import InboxMessage
from app.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from app.core.extensions import db
from app.core.timeutil import CHINA, today_cn, utcnow
from app.notifications.models import OutboxMessage
from app.staff.models import Staff, StaffRole
from tests import factories
from tests.complaints.test_flow import ME, STAFF, _elsewhere

SUPERVISOR = Actor("staff", 2, "cli", supervisor=True)
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=CHINA)  # a report filed on Monday 7 December 2026


def _report(world, status: Status = Status.SUBMITTED, *, filed_at=None, anonymous=False):
    c = factories.complaint(world["store"], kind="report", filed_at=filed_at)
    c.status = status
    c.anonymous = anonymous
    if anonymous:
        c.name = c.phone = ""
    if status == Status.INVESTIGATING:
        c.accepted_at = utcnow()
    db.session.flush()
    return c


#: Each report transition, and the states it may start from.
REPORT_CALLS = {
    "extend": (
        lambda w, c: flow.extend(c, SUPERVISOR, "需调取监控录像"),
        {Status.SUBMITTED, Status.INVESTIGATING},
    ),
    "open_case": (lambda w, c: flow.open_case(c, STAFF), {Status.SUBMITTED}),
    "not_open": (lambda w, c: flow.not_open(c, STAFF, "no_evidence"), {Status.SUBMITTED}),
    "conclude": (lambda w, c: flow.conclude(c, STAFF, "penalised"), {Status.INVESTIGATING}),
    "reply": (
        lambda w, c: flow.reply(c, STAFF, "已收到，正在核查"),
        {Status.SUBMITTED, Status.INVESTIGATING},
    ),
    "transfer": (
        lambda w, c: flow.transfer(c, STAFF, _elsewhere(w, c), "属地管辖"),
        {Status.SUBMITTED, Status.INVESTIGATING},
    ),
    "split": (lambda w, c: split.split(c, STAFF), {Status.SUBMITTED, Status.INVESTIGATING}),
    "message": (
        lambda w, c: flow.consumer_message(c, ME, "补充：还有过期食品"),
        {Status.SUBMITTED, Status.INVESTIGATING},
    ),
}


@pytest.mark.parametrize("name", list(REPORT_CALLS))
def test_report_each_transition_allowed_only_from_its_states(world, name):
    call, allowed = REPORT_CALLS[name]
    for status in Status:
        c = _report(world, status)
        before = len(c.events)
        if status in allowed:
            call(world, c)
            assert len(c.events) > before, (name, status)
        else:
            with pytest.raises(Conflict) as excinfo:
                call(world, c)
            assert excinfo.value.code == "invalid_transition" and excinfo.value.status == 409
            assert excinfo.value.message.startswith("当前状态下不能进行此操作（该举报目前为“")
            assert len(c.events) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda c: flow.accept(c, STAFF),
        lambda c: flow.decline(c, STAFF, "too_old"),
        lambda c: flow.suspend(c, STAFF, "testing"),
        lambda c: flow.withdraw(c, ME),
        lambda c: flow.rate(c, ME, 5),
    ],
)
def test_no_complaint_step_applies_to_a_report(world, call):
    """No acceptance on Art. 16 grounds, no mediation, no withdrawal, confirmation or rating."""
    c = _report(world)
    with pytest.raises(Conflict) as excinfo:
        call(c)
    assert excinfo.value.code == "not_for_report" and "举报" in excinfo.value.message
    assert c.status == Status.SUBMITTED and not c.events


def test_the_report_path_has_no_merchant_and_no_consumer_confirmation():
    path = states.PATHS[ComplaintKind.REPORT]
    assert not {"merchant_reply", "merchant_settle", "to_station", "accept", "decline", "resolve"} & set(path)
    assert states.actions_for(Role.CONSUMER, ComplaintKind.REPORT) == ("message",)
    assert states.actions_for(Role.MERCHANT, ComplaintKind.REPORT) == ()
    assert "extend" not in states.actions_for(Role.STATION, ComplaintKind.REPORT)
    assert "extend" in states.actions_for(Role.SUPERVISOR, ComplaintKind.REPORT)


def test_verification_runs_fifteen_working_days_and_a_supervisor_extends_it_once(world):
    c = _report(world, filed_at=MONDAY.astimezone(dt.UTC))
    row = next(d for d in c.deadlines if d.kind == "clue_verification")
    assert deadlines.due_day(row) == dt.date(2026, 12, 28)  # 15 working days from Tuesday 8 December
    assert row.basis == "working_days:15"

    with pytest.raises(Forbidden) as excinfo:  # a handler may not approve
        flow.extend(c, STAFF, "需调取监控录像")
    assert excinfo.value.code == "supervisor_only" and excinfo.value.message.startswith(
        "延长核查或处理期限须经负责人批准"
    )
    with pytest.raises(ValidationFailed):  # nor anyone without a reason
        flow.extend(c, SUPERVISOR, "  ")

    flow.extend(c, SUPERVISOR, "需调取监控录像")
    row = next(d for d in c.deadlines if d.kind == "clue_verification")
    # 15 more working days: 元旦 (2027-01-01) is a holiday; 2027's swaps are not yet published.
    assert deadlines.due_day(row) == dt.date(2027, 1, 19) and row.uncertain
    assert row.basis == "working_days:30" and row.starts_at == MONDAY.astimezone(dt.UTC)
    assert "至2027年1月19日（星期二）" in c.events[-1].text and "需调取监控录像" in c.events[-1].text

    with pytest.raises(Conflict) as excinfo:
        flow.extend(c, SUPERVISOR, "再延一次")
    assert excinfo.value.code == "verification_extended_once"


def test_an_opened_case_gets_thirty_more_days_once_with_the_heads_approval(world):
    """Penalty procedure rules Art. 64: 90 days from 立案, extendable once by 30 with the head's approval;
    the verification's own extension does not use it up."""
    c = _report(world, filed_at=MONDAY.astimezone(dt.UTC))
    flow.extend(c, SUPERVISOR, "需调取监控录像")  # the verification's extension
    opened_at = MONDAY.astimezone(dt.UTC) + dt.timedelta(days=3)
    c.accepted_at = opened_at
    deadlines.case_clock(c, opened_at)
    c.status = Status.INVESTIGATING
    db.session.flush()
    row = next(d for d in c.deadlines if d.kind == "case_handling")
    before = deadlines.due_day(row)
    with pytest.raises(Forbidden):  # a handler may not approve
        flow.extend(c, STAFF, "案情复杂")
    flow.extend(c, SUPERVISOR, "案情复杂，需委托检验")
    row = next(d for d in c.deadlines if d.kind == "case_handling")
    assert deadlines.due_day(row) == before + dt.timedelta(days=30)
    assert row.starts_at == opened_at and c.events[-1].action == "case_handling_extended"
    assert "延长 30 日" in c.events[-1].text and "案情复杂，需委托检验" in c.events[-1].text
    with pytest.raises(Conflict) as excinfo:
        flow.extend(c, SUPERVISOR, "再延一次")
    assert excinfo.value.code == "case_handling_extended_once" and "集体讨论" in excinfo.value.message


def test_open_case_meets_verification_and_starts_the_case_clock(world):
    c = _report(world)
    flow.open_case(c, STAFF, "现场检查发现过期食品")
    rows = {d.kind: d for d in c.deadlines}
    assert c.status == Status.INVESTIGATING and rows["clue_verification"].met_at is not None
    opened = today_cn(c.accepted_at)
    # 90 days from the day it was opened (a last day off moves to the next working day: Art. 45)
    assert rows["case_handling"].basis == "calendar_days:90"
    assert (
        opened + dt.timedelta(days=90)
        <= deadlines.due_day(rows["case_handling"])
        <= opened + dt.timedelta(days=97)
    )
    flow.conclude(c, STAFF, "penalised", "罚款五千元")
    assert c.status == Status.CLOSED and c.outcome == "penalised"
    assert rows["case_handling"].met_at is not None and c.closed_at is not None
    assert c.events[-2].text.startswith("案件已办结（结案）：已依法作出行政处罚决定。")


def test_not_open_needs_a_reason_from_the_closed_list(world):
    c = _report(world)
    with pytest.raises(ValidationFailed) as excinfo:
        flow.not_open(c, STAFF, "because")
    assert "没有证据初步证明存在违法行为" in excinfo.value.fields["reason_code"]
    assert c.status == Status.SUBMITTED and not c.events
    flow.not_open(c, STAFF, "not_within_authority", "请向区卫健委反映")
    assert c.status == Status.NOT_OPENED and c.closed_at is not None
    assert "不属于本部门处理权限" in c.events[0].text and "请向区卫健委反映" in c.events[0].text
    assert all(d.met_at or d.cancelled_at for d in c.deadlines)
    with pytest.raises(ValidationFailed):
        flow.conclude(_report(world, Status.INVESTIGATING), STAFF, "no_such_result")


def _inbox(c) -> list[str]:
    return list(db.session.scalars(sa.select(InboxMessage.body).where(InboxMessage.complaint_id == c.id)))


def test_a_named_reporter_is_told_each_decision_and_the_notice_is_recorded(world):
    c = _report(world)
    flow.open_case(c, STAFF)
    flow.conclude(c, STAFF, "not_established")
    actions = [e.action for e in c.events]
    assert actions == ["case_opened", "reporter_notified", "case_concluded", "reporter_notified"]
    notices = [e for e in c.events if e.action == "reporter_notified"]
    assert notices[0].data["decision_event_id"] == c.events[0].id and notices[0].visible_to_consumer
    assert _inbox(c) == [c.events[0].text, c.events[2].text]
    pushed = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.complaint_id == c.id)).all()
    assert {m.key for m in pushed} == {f"complaint:{c.id}:event:{n.id}:consumer" for n in notices}
    assert all(m.staff_id is None for m in pushed)  # to the reporter only, never the store


def test_an_anonymous_reporter_is_not_told_but_follows_the_status(world):
    c = _report(world, anonymous=True)
    flow.not_open(c, STAFF, "no_evidence")
    assert [e.action for e in c.events] == ["not_opened"] and _inbox(c) == []
    shown = consumer_views.detail(c)
    assert shown["status_label"] == "不予立案" and shown["outcome_label"].startswith("经核查，没有证据")


def test_new_facts_are_merged_and_restart_the_verification_clock(world):
    filed = dt.datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)  # a Monday: verified by 21 December
    c = _report(world, filed_at=filed.astimezone(dt.UTC))
    assert deadlines.due_day(next(d for d in c.deadlines if d.kind == "clue_verification")) == dt.date(
        2026, 12, 21
    )
    flow.consumer_message(c, ME, "补充：12月10日又买到过期面包")
    row = next(d for d in c.deadlines if d.kind == "clue_verification")
    assert row.starts_at > filed and deadlines.due_day(row) > dt.date(2026, 12, 21)
    assert c.events[-1].action == "report_facts_added" and "重新计算" in c.events[-1].text


def test_the_store_and_its_merchant_never_see_a_report(world):
    c = _report(world)
    c.merchant_first = True  # even if someone set it
    merchant = Staff(name="店长", role=StaffRole.MERCHANT, store=c.store)
    db.session.add(merchant)
    db.session.flush()
    assert not access.can_see(merchant, c)
    assert access.open_cases(merchant) == [] and access.closed_cases(merchant) == []
    assert staff_views.available_actions(merchant, c) == []


def test_split_a_complaint_into_a_linked_report_each_on_its_own_path(world):
    complaint = factories.complaint(world["store"])
    report = split.split(complaint, STAFF, "另反映商家销售过期食品")
    assert report.kind == ComplaintKind.REPORT and report.status == Status.SUBMITTED
    assert complaint.linked is report and report.linked is complaint
    assert {d.kind for d in report.deadlines} == {"first_response", "clue_verification"}
    assert "accept_decline" in {d.kind for d in complaint.deadlines}
    assert report.number in complaint.events[-1].text and complaint.number in report.events[0].text
    assert report.consumer_id == complaint.consumer_id  # the consumer sees both as their own
    # the link shows on the report's timeline; on the complaint's (which a merchant may read) staff only
    assert report.events[0].visible_to_consumer and not complaint.events[-1].visible_to_consumer
    assert _inbox(report) == [report.events[0].text] and _inbox(complaint) == []
    with pytest.raises(Conflict) as excinfo:  # a retry never makes a second one
        split.split(complaint, STAFF)
    assert excinfo.value.code == "already_split"
    page = staff_views.detail(_station_person(complaint), complaint)
    assert page["linked"] == {"number": report.number, "kind_label": "举报"}
    flow.open_case(report, STAFF)  # each on its own path
    flow.accept(complaint, STAFF)
    assert (report.status, complaint.status) == (Status.INVESTIGATING, Status.ACCEPTED)


def test_split_a_report_into_a_linked_complaint(world):
    report = _report(world)
    complaint = split.split(report, STAFF)
    assert complaint.kind == ComplaintKind.COMPLAINT and complaint.status == Status.WITH_STATION
    assert {d.kind for d in complaint.deadlines} >= {"first_response", "accept_decline"}
    assert report.linked is complaint


def _station_person(c) -> Staff:
    person = Staff(name="王站长", role=StaffRole.HANDLER, station=c.station)
    db.session.add(person)
    db.session.flush()
    return person


def test_a_missed_verification_is_escalated_once(world):
    c = _report(world, filed_at=utcnow() - dt.timedelta(days=40))
    first = next(d for d in c.deadlines if d.kind == "first_response")
    first.met_at = utcnow()
    assert sweeps.escalate_missed() == 1
    assert sweeps.escalate_missed() == 0
    escalated = [e for e in c.events if e.action == "escalated"]
    assert len(escalated) == 1 and "线索核查" in escalated[0].text


def test_the_consumer_reads_the_reports_path_in_chinese(world):
    c = _report(world, filed_at=MONDAY.astimezone(dt.UTC))
    shown = consumer_views.detail(c)
    assert shown["status_label"] == "核查中" and shown["actions"] == {"message": True}
    assert shown["next_step"]["text"].startswith("测试市场监管所将在12月29日 00:00前完成核查，决定是否立案")
    flow.open_case(c, STAFF)
    shown = consumer_views.detail(c)
    assert shown["status_label"] == "已立案调查" and shown["next_step"]["text"].startswith("已立案调查，")
    labels = {d["label"] for d in shown["deadlines"]}
    assert {"线索核查", "立案后作出处理决定"} <= labels
    flow.conclude(c, STAFF, "to_judicial")
    shown = consumer_views.detail(c)
    assert shown["status_label"] == "已结案" and shown["next_step"] is None
    assert shown["outcome_label"] == "涉嫌犯罪，已移送司法机关"


def test_staff_forms_offer_exactly_what_the_report_transitions_allow(world):
    for status in Status:
        c = _report(world, status)
        handler = _station_person(c)
        offered = staff_views.available_actions(handler, c)
        for name, (call, _allowed) in REPORT_CALLS.items():
            if name == "message":
                continue
            savepoint = db.session.begin_nested()
            try:
                call(world, c) if name != "extend" else flow.extend(c, STAFF, "理由")
                ok = True
            except DomainError:
                ok = False
            finally:
                savepoint.rollback()
            assert (name in offered) == ok, (status, name)
