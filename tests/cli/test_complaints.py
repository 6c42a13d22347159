"""`flask complaints ...`: the number in any form, the acting person's sight, the state table."""

from __future__ import annotations

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db
from app.staff.models import Staff, StaffRole
from tests import factories, helpers
from tests.official_account.test_callback import open_case


def _staff(app, openid: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Staff.id).where(Staff.oa_openid == openid))


def _state(app, number: str) -> tuple[str, list[tuple[str, str, int | None]]]:
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        events = db.session.execute(
            sa.select(ComplaintEvent.action, ComplaintEvent.channel, ComplaintEvent.actor_id)
            .where(ComplaintEvent.complaint_id == c.id)
            .order_by(ComplaintEvent.id)  # the order they were written in (no ORDER BY: any order)
        ).all()
        return c.status.value, [tuple(e) for e in events]


def test_staff_option_acts_as_that_person_on_any_number_form(app, runner):
    helpers.shop(app)
    number = open_case(app)
    handler = _staff(app, "oa-handler-1")
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in number.lower())

    result = runner.invoke(args=["complaints", "accept", fullwidth, "--staff", str(handler)])

    assert result.exit_code == 0, result.output
    assert _state(app, number) == ("accepted", [("accepted", "cli", handler)])


def test_another_stations_person_is_told_not_found_as_for_no_number(app, runner):
    helpers.shop(app)
    number = open_case(app)
    with app.app_context():
        other = Staff(name="赵干事", role=StaffRole.HANDLER, station=factories.station(name="别处服务站"))
        db.session.add(other)
        db.session.commit()
        other_id = other.id

    theirs = runner.invoke(args=["complaints", "accept", number, "--staff", str(other_id)])
    none = runner.invoke(args=["complaints", "accept", "T000000000000", "--staff", str(other_id)])

    assert theirs.exit_code == none.exit_code == 1
    assert theirs.output.replace(number, "#") == none.output.replace("T000000000000", "#")
    assert "未找到投诉" in theirs.output and _state(app, number) == ("submitted", [])


def test_a_merchant_contact_may_not_take_a_station_action(app, runner):
    helpers.shop(app, merchant=True)
    number = open_case(app)
    with app.app_context():
        c = db.session.scalar(sa.select(Complaint).where(Complaint.number == number))
        c.merchant_first = True
        db.session.commit()
    merchant = _staff(app, "oa-merchant-1")

    result = runner.invoke(args=["complaints", "accept", number, "--staff", str(merchant)])

    assert result.exit_code == 1 and "无权" in result.output
    assert _state(app, number) == ("submitted", [])


def test_report_commands_follow_the_report_path(app, runner):
    """extend (a supervisor's, or the operator's), not-open with a listed reason, split into a linked case."""
    shop = helpers.shop(app)
    number = open_case(app, kind="report")  # reports go to the regulatory office
    with app.app_context():
        db.session.add(
            Staff(name="陈科员", role=StaffRole.HANDLER, station_id=shop["office_id"], oa_openid="oa-o")
        )
        db.session.commit()
    handler, supervisor = _staff(app, "oa-o"), _staff(app, "oa-sup-1")

    refused = runner.invoke(args=["complaints", "extend", number, "需调取监控", "--staff", str(handler)])
    assert refused.exit_code != 0 and "须经负责人批准" in refused.output
    extended = runner.invoke(args=["complaints", "extend", number, "需调取监控", "--staff", str(supervisor)])
    assert extended.exit_code == 0 and "核查中" in extended.output, extended.output

    split = runner.invoke(args=["complaints", "split", number])
    assert split.exit_code == 0 and "（投诉）→ 待站点处理" in split.output, split.output
    accept = runner.invoke(args=["complaints", "accept", number])
    assert accept.exit_code != 0 and "举报按举报程序办理" in accept.output

    bad = runner.invoke(args=["complaints", "not-open", number, "because"])
    assert bad.exit_code != 0 and _state(app, number)[0] == "submitted"
    done = runner.invoke(args=["complaints", "not-open", number, "no_evidence", "--text", "现场未发现"])
    assert done.exit_code == 0 and "不予立案" in done.output, done.output
    status, events = _state(app, number)
    assert status == "not_opened"
    assert [e[0] for e in events] == ["verification_extended", "split_off", "not_opened", "reporter_notified"]
