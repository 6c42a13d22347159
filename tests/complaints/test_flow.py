"""The state machine: every transition from every state, timeline events, clocks, invariants."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar import workcal
from app.complaints import deadlines, flow, sweeps
from app.complaints.flow import Actor
from app.complaints.models import OPEN_STATUSES, ComplaintEvent, Status
from app.core.errors import Conflict, DomainError
from app.core.extensions import db
from app.core.timeutil import CHINA, today_cn, utcnow
from app.notifications.models import OutboxMessage
from app.staff.models import Staff, StaffRole
from tests import factories

STAFF = Actor("staff", 1, "cli")
ME = Actor("consumer", 1, "mp")
MERCHANT = Actor("merchant", 1, "oa")
#: A complaint's open states (investigating is a report's only).
COMPLAINT_OPEN = set(OPEN_STATUSES) - {Status.INVESTIGATING}


def _at(world, status: Status, **kw):
    c = factories.complaint(world["store"], **kw)
    c.status = status
    if status in (Status.ACCEPTED, Status.SUSPENDED):
        c.accepted_at = utcnow()
    if status == Status.SUSPENDED:
        c.suspended_at = utcnow()
    if status == Status.RESOLVED:
        c.accepted_at = c.resolved_at = utcnow()
        c.outcome = "agreement"
    if status == Status.CLOSED:
        c.consumer_confirmed = False
        c.disputed_at = c.closed_at = utcnow()
    db.session.flush()
    return c


def _elsewhere(world, c):
    return world["other"] if c.station_id != world["other"].id else world["city"]["centre"]


def transitions(world):
    return {
        "accept": (lambda c: flow.accept(c, STAFF), {Status.SUBMITTED, Status.WITH_STATION}),
        "decline": (lambda c: flow.decline(c, STAFF, "too_old"), {Status.SUBMITTED, Status.WITH_STATION}),
        "suspend": (lambda c: flow.suspend(c, STAFF, "testing"), {Status.ACCEPTED}),
        "resume": (lambda c: flow.resume(c, STAFF), {Status.SUSPENDED}),
        "transfer": (lambda c: flow.transfer(c, STAFF, _elsewhere(world, c), "属地调整"), COMPLAINT_OPEN),
        "reply": (lambda c: flow.reply(c, STAFF, "已联系商家"), COMPLAINT_OPEN | {Status.RESOLVED}),
        "resolve": (lambda c: flow.resolve(c, STAFF, "agreement", Decimal("120.50")), {Status.ACCEPTED}),
        "confirm": (lambda c: flow.confirm(c, ME, True), {Status.RESOLVED}),
        "dispute": (lambda c: flow.confirm(c, ME, False), {Status.RESOLVED}),
        "withdraw": (lambda c: flow.withdraw(c, ME), COMPLAINT_OPEN),
        "reopen": (lambda c: flow.reopen(c, ME), {Status.CLOSED}),
        "rate": (lambda c: flow.rate(c, ME, 5), {Status.RESOLVED, Status.CLOSED, Status.DECLINED}),
        "message": (
            lambda c: flow.consumer_message(c, ME, "补充说明"),
            COMPLAINT_OPEN | {Status.RESOLVED},
        ),
        "merchant_reply": (
            lambda c: flow.merchant_reply(c, MERCHANT, "明天联系"),
            {Status.MERCHANT_NEGOTIATING},
        ),
        "merchant_settle": (
            lambda c: flow.merchant_settle(c, MERCHANT, "已退款"),
            {Status.MERCHANT_NEGOTIATING},
        ),
        "to_station": (
            lambda c: flow.to_station(c, MERCHANT, "merchant_gave_up"),
            {Status.MERCHANT_NEGOTIATING},
        ),
    }


@pytest.mark.parametrize(
    "name",
    sorted(
        [
            "accept",
            "decline",
            "suspend",
            "resume",
            "transfer",
            "reply",
            "resolve",
            "confirm",
            "dispute",
            "withdraw",
            "reopen",
            "rate",
            "message",
            "merchant_reply",
            "merchant_settle",
            "to_station",
        ]
    ),
)
def test_flow_each_transition_allowed_only_from_its_states(world, name):
    action, allowed = transitions(world)[name]
    for status in Status:
        c = _at(world, status)
        events_before = len(c.events)
        if status in allowed:
            action(c)
            assert len(c.events) > events_before, (name, status)
        else:
            with pytest.raises(Conflict) as excinfo:
                action(c)
            assert excinfo.value.code == "invalid_transition" and excinfo.value.status == 409


def test_flow_accept_meets_first_response_and_starts_mediation(world):
    c = _at(world, Status.SUBMITTED)
    flow.accept(c, STAFF)
    kinds = {d.kind: d for d in c.deadlines}
    assert kinds["first_response"].met_at and kinds["accept_decline"].met_at
    assert kinds["mediation"].met_at is None
    accepted_cn = c.accepted_at.astimezone(CHINA).date()
    assert kinds["mediation"].due_at.astimezone(CHINA).date() >= accepted_cn + dt.timedelta(days=60)


def test_flow_decline_states_reason_and_routes(world):
    c = _at(world, Status.SUBMITTED)
    event = flow.decline(c, STAFF, "not_consumer_dispute", "非生活消费")
    assert c.status == Status.DECLINED and event.reason_code == "not_consumer_dispute"
    assert "第十六条第三项" in event.text and "仲裁" in event.text and "人民法院" in event.text
    with pytest.raises(DomainError):
        flow.decline(_at(world, Status.SUBMITTED), STAFF, "made_up_reason")


def test_flow_suspend_resume_extends_mediation_by_paused_days(world):
    c = _at(world, Status.SUBMITTED)
    flow.accept(c, STAFF)
    due_before = next(d for d in c.deadlines if d.kind == "mediation").due_at
    flow.suspend(c, STAFF, "testing")
    c.suspended_at = c.suspended_at - dt.timedelta(days=5)
    flow.resume(c, STAFF)
    assert c.suspended_days == 5
    after = next(d for d in c.deadlines if d.kind == "mediation")
    # 65 days instead of 60; the due date moves by 5 days unless Art. 45 moved both ends to the same
    # working day (accepted on 7 Dec 2026, 60 days end on 除夕 and 65 inside 春节: both Thu 11 Feb 2027).
    assert after.basis == "calendar_days:65"
    expected = workcal.add_calendar_days(today_cn(c.accepted_at), 65).ends_at
    assert after.due_at == expected and after.due_at >= due_before


def test_flow_transfer_keeps_status_recorded_not_resolution(world):
    c = _at(world, Status.WITH_STATION)
    event = flow.transfer(c, STAFF, world["other"], "商户实际经营地在另一商圈")
    assert c.status == Status.WITH_STATION and c.station_id == world["other"].id
    assert event.action == "transferred" and event.data["to_station_id"] == world["other"].id
    assert c.resolved_at is None


def test_flow_resolve_terminated_needs_art23_reason(world):
    c = _at(world, Status.ACCEPTED)
    with pytest.raises(DomainError) as excinfo:
        flow.resolve(c, STAFF, "terminated")
    assert "reason_code" in excinfo.value.fields
    flow.resolve(c, STAFF, "terminated", reason_code="no_agreement")
    assert c.status == Status.RESOLVED and c.outcome == "terminated"
    assert not deadlines.open_rows(c)


def test_flow_dispute_then_reopen_once_within_7_days(world):
    c = _at(world, Status.RESOLVED)
    flow.confirm(c, ME, False)
    assert c.status == Status.CLOSED and c.consumer_confirmed is False
    flow.reopen(c, ME, "商家未按约定退款")
    assert c.status == Status.WITH_STATION and c.reopen_count == 1
    assert any(d.kind == "first_response" and d.met_at is None for d in c.deadlines)
    flow.accept(c, STAFF)
    flow.resolve(c, STAFF, "agreement")
    flow.confirm(c, ME, False)
    with pytest.raises(Conflict) as excinfo:
        flow.reopen(c, ME)
    assert excinfo.value.code == "reopen_used"


def test_flow_reopen_after_window_refused(world):
    c = _at(world, Status.CLOSED)
    c.disputed_at = utcnow() - dt.timedelta(days=8)
    with pytest.raises(Conflict) as excinfo:
        flow.reopen(c, ME)
    assert excinfo.value.code == "reopen_window_passed"


def test_flow_rate_once_in_range(world):
    c = _at(world, Status.CLOSED)
    with pytest.raises(DomainError):
        flow.rate(c, ME, 6)
    flow.rate(c, ME, 4, "处理及时")
    with pytest.raises(Conflict):
        flow.rate(c, ME, 5)


def test_flow_merchant_settlement_disputed_goes_to_station(world):
    c = _at(world, Status.MERCHANT_NEGOTIATING)
    flow.merchant_settle(c, MERCHANT, "已退款 99 元", Decimal("99"))
    assert c.status == Status.RESOLVED
    flow.confirm(c, ME, False)
    assert c.status == Status.WITH_STATION
    assert any(d.kind == "accept_decline" and d.met_at is None for d in c.deadlines)


def test_flow_internal_note_hidden_from_consumer(world):
    c = _at(world, Status.ACCEPTED)
    event = flow.reply(c, STAFF, "商家态度强硬，准备约谈", internal=True)
    assert event.visible_to_consumer is False
    assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == "subscribe")).all()


def test_deadlines_national_day_filing(world):
    filed = dt.datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)
    c = factories.complaint(world["store"], filed_at=filed.astimezone(dt.UTC))
    due = {d.kind: d.due_at.astimezone(CHINA) for d in c.deadlines}
    # 1 working day after Wed 30 Sep is Thu 8 Oct (1–7 Oct National Day); the limit ends that midnight.
    assert due["first_response"] == dt.datetime(2026, 10, 9, 0, 0, tzinfo=CHINA)
    # 7 working days: 8, 9, Sat 10 (调休 make-up day), 12, 13, 14, 15 Oct.
    assert due["accept_decline"] == dt.datetime(2026, 10, 16, 0, 0, tzinfo=CHINA)
    assert not any(d.uncertain for d in c.deadlines)


def test_deadlines_beyond_library_years_flagged_uncertain(world):
    c = factories.complaint(
        world["store"], filed_at=dt.datetime(2026, 12, 28, 10, tzinfo=CHINA).astimezone(dt.UTC)
    )
    accept = next(d for d in c.deadlines if d.kind == "accept_decline")
    assert accept.uncertain is True


def test_sweep_escalates_missed_deadline_once_to_parent_supervisors(world):
    city = world["city"]
    db.session.add_all(
        [
            Staff(name="处理员", role=StaffRole.HANDLER, station=city["service"], oa_openid="oa-h"),
            Staff(name="所长", role=StaffRole.SUPERVISOR, station=city["office"], oa_openid="oa-s"),
            Staff(name="所员", role=StaffRole.HANDLER, station=city["office"], oa_openid="oa-o"),
        ]
    )
    c = factories.complaint(world["store"], filed_at=utcnow() - dt.timedelta(days=30))
    db.session.flush()
    assert sweeps.escalate_missed() >= 1
    assert sweeps.escalate_missed() == 0
    escalations = [e for e in c.events if e.action == "escalated"]
    assert {e.reason_code for e in escalations} >= {"missed_first_response", "missed_accept_decline"}
    recipients = db.session.scalars(
        sa.select(OutboxMessage.recipient).where(OutboxMessage.template == "deadline")
    ).all()
    assert "oa-s" in recipients and "oa-h" in recipients and "oa-o" not in recipients


def test_sweep_station_without_reachable_staff_parent_supervisors_alerted_once_each(world):
    city = world["city"]
    db.session.add_all(
        [
            Staff(
                name="处理员",
                role=StaffRole.HANDLER,
                station=city["service"],
                oa_openid="oa-h",
                oa_following=False,
            ),
            Staff(name="所长", role=StaffRole.SUPERVISOR, station=city["office"], oa_openid="oa-s"),
        ]
    )
    c = factories.complaint(world["store"], filed_at=utcnow() - dt.timedelta(days=30))
    db.session.flush()
    assert sweeps.escalate_missed() >= 1  # the station alert finds no one; the parent's is sent once
    escalations = [e.id for e in c.events if e.action == "escalated"]
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "deadline")).all()
    assert sorted((r.recipient, r.key.split(":")[3]) for r in rows) == sorted(
        ("oa-s", str(e)) for e in escalations
    )


def test_alerts_of_a_station_nobody_can_receive_go_to_the_parent_supervisors(world):
    city = world["city"]
    handler = Staff(name="处理员", role=StaffRole.HANDLER, station=city["service"], oa_openid="oa-h")
    db.session.add_all(
        [handler, Staff(name="所长", role=StaffRole.SUPERVISOR, station=city["office"], oa_openid="oa-s")]
    )
    c = _at(world, Status.ACCEPTED)

    def alerted_by_message() -> list[str]:
        event = flow.consumer_message(c, Actor("consumer", c.consumer_id, "mp"), "补充一张小票照片")
        db.session.flush()
        return db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.key.like(f"%:event:{event.id}:staff:%"))
        ).all()

    assert alerted_by_message() == ["oa-h"]
    handler.oa_following = False
    assert alerted_by_message() == ["oa-s"]  # stands in while the station has nobody
    handler.active, handler.oa_following = False, True
    assert alerted_by_message() == ["oa-s"]


def test_sweep_merchant_timeout_moves_case_to_station(world):
    c = _at(world, Status.MERCHANT_NEGOTIATING)
    for d in list(c.deadlines):
        d.cancelled_at = utcnow()
    deadlines.merchant_clocks(c, utcnow() - dt.timedelta(days=20))
    db.session.flush()
    sweeps.escalate_missed()
    assert c.status == Status.WITH_STATION
    assert any(e.reason_code == "merchant_timeout" for e in c.events)


def test_sweep_auto_closes_unanswered_resolution(world):
    c = _at(world, Status.RESOLVED)
    c.resolved_at = utcnow() - dt.timedelta(days=8)
    assert sweeps.auto_close() == 1
    assert c.status == Status.CLOSED and c.consumer_confirmed is None


ACTIONS = [
    "accept",
    "decline",
    "suspend",
    "resume",
    "transfer",
    "reply",
    "resolve",
    "confirm",
    "dispute",
    "withdraw",
    "reopen",
    "rate",
    "message",
    "merchant_reply",
    "merchant_settle",
    "to_station",
]
TERMINAL = {Status.DECLINED, Status.WITHDRAWN, Status.CLOSED}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.sampled_from([Status.SUBMITTED, Status.MERCHANT_NEGOTIATING]),
    steps=st.lists(st.sampled_from(ACTIONS), max_size=12),
)
def test_flow_random_sequences_keep_invariants(world, start, steps):
    table = transitions(world)
    c = _at(world, start)
    for name in steps:
        action, allowed = table[name]
        before_status, before_events = c.status, len(c.events)
        try:
            action(c)
        except Conflict:
            assert before_status not in allowed or name == "reopen" or name == "rate"
            assert c.status == before_status and len(c.events) == before_events
            continue
        assert before_status in allowed
        assert len(c.events) > before_events
        if name == "transfer":
            assert c.status == before_status
        if c.status in TERMINAL:
            assert c.closed_at is not None
        if c.status in TERMINAL | {Status.RESOLVED}:
            assert not [
                d for d in deadlines.open_rows(c) if d.kind != "mediation" or c.status != Status.RESOLVED
            ]
        if c.status == Status.RESOLVED:
            assert c.outcome is not None and c.resolved_at is not None
    events = db.session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.id)
    ).all()
    for a, b in itertools.pairwise(events):
        assert a.to_status == b.from_status  # the timeline is a connected chain of states


def test_sweep_warns_handlers_once_when_deadline_close(world):
    city = world["city"]
    db.session.add(
        Staff(name="处理员", role=StaffRole.HANDLER, station=city["service"], oa_openid="oa-warn-h")
    )
    c = factories.complaint(world["store"])
    first = next(d for d in c.deadlines if d.kind == "first_response")
    first.due_at = utcnow() + dt.timedelta(minutes=30)  # at most half an office hour left
    db.session.flush()
    assert sweeps.warn_approaching() == 1
    assert sweeps.warn_approaching() == 0
    warning = next(e for e in c.events if e.action == "deadline_warning")
    assert warning.visible_to_consumer is False and warning.reason_code == "approaching_first_response"
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "deadline")).all()
    assert [r.recipient for r in rows] == ["oa-warn-h"]
    assert next(d for d in c.deadlines if d.kind == "accept_decline").warned_at is None  # days away
