"""The state table: the transitions check it, and what each presenter offers is exactly what they allow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.complaints import flow, split, states
from app.complaints.models import ComplaintKind, Status
from app.complaints.presenters import consumer as consumer_views
from app.complaints.presenters import staff as staff_views
from app.complaints.states import Role
from app.core.errors import DomainError, Forbidden
from app.core.extensions import db
from app.core.timeutil import today_cn, utcnow
from app.staff.models import Staff, StaffRole
from tests.complaints.test_flow import ME, MERCHANT, STAFF, _at, _elsewhere

CONSUMER_CALLS = {
    "message": lambda w, c: flow.consumer_message(c, ME, "补充说明"),
    "withdraw": lambda w, c: flow.withdraw(c, ME),
    "confirm": lambda w, c: flow.confirm(c, ME, True),
    "reopen": lambda w, c: flow.reopen(c, ME),
    "rate": lambda w, c: flow.rate(c, ME, 5),
    "hand_off_national": lambda w, c: flow.hand_off_national(c, ME, "1320211202612070001", today_cn()),
}
STATION_CALLS = {
    "accept": lambda w, c: flow.accept(c, STAFF),
    "decline": lambda w, c: flow.decline(c, STAFF, "too_old"),
    "reply": lambda w, c: flow.reply(c, STAFF, "已联系商家"),
    "transfer": lambda w, c: flow.transfer(c, STAFF, _elsewhere(w, c), "属地调整"),
    "suspend": lambda w, c: flow.suspend(c, STAFF, "testing"),
    "resume": lambda w, c: flow.resume(c, STAFF),
    "resolve": lambda w, c: flow.resolve(c, STAFF, "agreement", Decimal("10")),
    "split": lambda w, c: split.split(c, STAFF),
}
MERCHANT_CALLS = {
    "merchant_reply": lambda w, c: flow.merchant_reply(c, MERCHANT, "明天联系"),
    "merchant_settle": lambda w, c: flow.merchant_settle(c, MERCHANT, "已退款"),
    "to_station": lambda w, c: flow.to_station(c, MERCHANT, states.MERCHANT_GAVE_UP),
}


def _succeeds(world, c, call) -> bool:
    """Whether the transition goes through; rolled back either way."""
    savepoint = db.session.begin_nested()
    try:
        call(world, c)
        return True
    except DomainError:
        return False
    finally:
        savepoint.rollback()


def _person(c, role: StaffRole) -> Staff:
    """A handler at the complaint's station, or a merchant contact of its store."""
    merchant = role == StaffRole.MERCHANT
    person = Staff(name="测试人员", role=role, station=None if merchant else c.station, store=c.store)
    db.session.add(person)
    db.session.flush()
    return person


@pytest.mark.parametrize("status", list(Status))
def test_consumer_actions_offer_exactly_what_the_transitions_allow(world, status):
    c = _at(world, status)
    offered = consumer_views.actions(c, utcnow())
    assert set(offered) == set(CONSUMER_CALLS)
    for name, call in CONSUMER_CALLS.items():
        assert offered[name] == _succeeds(world, c, call), (status, name)


def test_consumer_actions_follow_the_conditions_too(world):
    c = _at(world, Status.CLOSED)
    c.disputed_at = utcnow() - states.REOPEN_WINDOW - dt.timedelta(minutes=1)
    c.rating = 4
    offered = consumer_views.actions(c, utcnow())
    assert offered["reopen"] is False and offered["rate"] is False
    assert not _succeeds(world, c, CONSUMER_CALLS["reopen"]) and not _succeeds(
        world, c, CONSUMER_CALLS["rate"]
    )


def test_a_case_handed_off_to_12315_is_not_offered_for_hand_off_again(world):
    c = _at(world, Status.ACCEPTED)
    flow.hand_off_national(c, ME, "1320211202612070001", today_cn())
    assert consumer_views.actions(c, utcnow())["hand_off_national"] is False
    with pytest.raises(DomainError) as refused:
        flow.hand_off_national(c, ME, "1320211202612070002", today_cn())
    assert refused.value.code == "already_handed_off"


@pytest.mark.parametrize("status", list(Status))
def test_staff_forms_offer_exactly_what_the_transitions_allow(world, status):
    c = _at(world, status)
    handler = _person(c, StaffRole.HANDLER)
    offered = staff_views.available_actions(handler, c)
    assert offered == [name for name in STATION_CALLS if name in offered]  # the table's order
    for name, call in STATION_CALLS.items():
        assert (name in offered) == _succeeds(world, c, call), (status, name)


@pytest.mark.parametrize("status", list(Status))
def test_merchant_forms_offer_exactly_what_the_transitions_allow(world, status):
    c = _at(world, status)
    c.merchant_first = True
    merchant = _person(c, StaffRole.MERCHANT)
    offered = staff_views.available_actions(merchant, c)
    for name, call in MERCHANT_CALLS.items():
        assert (name in offered) == _succeeds(world, c, call), (status, name)
    assert not set(offered) & set(STATION_CALLS)


@pytest.mark.parametrize(
    ("status", "call"),
    [
        (Status.SUBMITTED, lambda c: flow.accept(c, ME)),
        (Status.SUBMITTED, lambda c: flow.accept(c, MERCHANT)),
        (Status.MERCHANT_NEGOTIATING, lambda c: flow.merchant_settle(c, STAFF, "已退款")),
        (Status.MERCHANT_NEGOTIATING, lambda c: flow.to_station(c, ME, states.MERCHANT_GAVE_UP)),
        (Status.RESOLVED, lambda c: flow.confirm(c, STAFF, True)),
        (Status.SUBMITTED, lambda c: flow.withdraw(c, MERCHANT)),
        (Status.ACCEPTED, lambda c: flow.resolve(c, ME, "agreement")),
    ],
)
def test_an_action_of_another_role_is_refused_in_any_state(world, status, call):
    c = _at(world, status)
    with pytest.raises(Forbidden) as excinfo:
        call(c)
    assert excinfo.value.status == 403 and c.status == status and not c.events


def test_a_refused_state_names_the_current_one(world):
    c = _at(world, Status.ACCEPTED)
    with pytest.raises(DomainError) as excinfo:
        flow.accept(c, STAFF)
    assert excinfo.value.code == "invalid_transition" and excinfo.value.status == 409
    assert excinfo.value.message == "当前状态下不能进行此操作（该投诉目前为“已受理”）。"


def test_every_case_kind_has_a_path_and_roles_split_the_actions():
    assert set(states.PATHS) == set(ComplaintKind)
    consumer, station, merchant = (
        states.actions_for(r) for r in (Role.CONSUMER, Role.STATION, Role.MERCHANT)
    )
    assert consumer == ("message", "withdraw", "confirm", "reopen", "rate", "hand_off_national")
    assert not set(consumer) & set(station) and not set(station) & set(merchant)
    assert set(station) | set(merchant) <= set(states.actions_for(Role.SYSTEM))  # the operator's CLI
    assert states.acting_states(Role.MERCHANT) == {Status.MERCHANT_NEGOTIATING}


def test_to_station_takes_only_its_reason_codes(world):
    c = _at(world, Status.MERCHANT_NEGOTIATING)
    with pytest.raises(ValueError):
        flow.to_station(c, MERCHANT, "merchant_failed")  # the chat's old code: one code per outcome now
    event = flow.to_station(c, MERCHANT, states.MERCHANT_GAVE_UP)
    assert event.reason_code == "merchant_gave_up" and "商家未能协商解决" in event.text
