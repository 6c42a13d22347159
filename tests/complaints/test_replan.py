"""Stored deadlines follow the calendar (`replan`), and how a deadline reads (`deadlines.describe`).

Real dates: a complaint filed Mon 28 Dec 2026 (accept/decline: 7 working days, Thu 7 Jan 2027 by the law's
2027 holidays; ordinary close: 7 days, Mon 4 Jan 2027), and one accepted Mon 7 Dec 2026 (mediation: 60
days, on 除夕 Fri 5 Feb 2027, moved past 春节 to Thu 11 Feb). Then a 2027 arrangement is entered.
"""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.calendar import arrangement, workcal
from app.complaints import deadlines, replan, sweeps
from app.complaints.models import ComplaintEvent, Status
from app.core.extensions import db
from app.core.timeutil import CHINA
from tests import factories

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=CHINA).astimezone(dt.UTC)
NOTICE = [  # a hypothetical 2027 notice: 元旦 1–4 Jan with Sat 9 Jan worked; 春节 5–12 Feb with Sat 20 Feb worked
    (2, ["2027-01-01", "holiday", "元旦"]),
    (3, ["2027-01-04", "holiday", "元旦"]),
    (4, ["2027-01-09", "workday", "元旦调休上班"]),
    *[(5 + i, [f"2027-02-{5 + i:02d}", "holiday", "春节"]) for i in range(8)],
    (13, ["2027-02-20", "workday", "春节调休上班"]),
]


def cn(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def midnight_after(*ymd) -> dt.datetime:
    return dt.datetime.combine(dt.date(*ymd) + dt.timedelta(days=1), dt.time(0), CHINA).astimezone(dt.UTC)


@pytest.fixture
def cases(ctx):
    city = factories.city()
    store = factories.store(circle=city["circle"], region=city["region"])
    late = factories.complaint(store, filed_at=cn(2026, 12, 28, 10, 0).astimezone(dt.UTC))
    mediating = factories.complaint(store, filed_at=cn(2026, 12, 4, 10, 0).astimezone(dt.UTC))
    mediating.status, mediating.accepted_at = Status.ACCEPTED, cn(2026, 12, 7, 10, 0).astimezone(dt.UTC)
    deadlines.meet(mediating, mediating.accepted_at, "first_response", "accept_decline")
    deadlines.mediation_clock(mediating)
    db.session.commit()
    return late, mediating


def _row(c, kind):
    return next(d for d in c.deadlines if d.kind == kind)


def test_stored_deadlines_keep_what_recomputes_them(cases):
    late, mediating = cases
    accept = _row(late, "accept_decline")
    assert (accept.rule, accept.basis) == ("accept_decline", "working_days:7")
    assert accept.due_at == midnight_after(2027, 1, 7) and accept.uncertain
    mediation = _row(mediating, "mediation")
    assert (mediation.rule, mediation.basis) == ("mediation", "calendar_days:60")
    assert mediation.due_at == midnight_after(2027, 2, 11) and mediation.uncertain
    assert deadlines.recompute(mediation, workcal.load()).due == dt.date(2027, 2, 11)


def test_nothing_moves_while_the_calendar_is_unchanged(cases):
    assert replan.replan("节假日数据更新", now=NOW) == []


def test_importing_a_year_moves_deadlines_with_a_timeline_event_once(cases):
    late, mediating = cases
    arrangement.import_rows(NOTICE)
    preview = replan.replan("录入2027年放假安排", dry_run=True, now=NOW)
    assert _row(late, "accept_decline").due_at == midnight_after(2027, 1, 7)  # a dry run writes nothing
    moves = replan.replan("录入2027年放假安排", now=NOW)
    db.session.commit()
    assert moves == preview
    assert {(m.number, m.kind, m.old_text, m.new_text) for m in moves} == {
        # 29, 30, 31 Dec, 5, 6, 7, 8 Jan: 1–4 Jan are off now
        (late.number, "accept_decline", "2027年1月7日（星期四）", "2027年1月8日（星期五）"),
        # 4 Jan is off now: the 7 days end on Tue 5 Jan
        (late.number, "ordinary_close", "2027年1月4日（星期一）", "2027年1月5日（星期二）"),
        # 除夕 to Fri 12 Feb off, then a weekend: Mon 15 Feb
        (mediating.number, "mediation", "2027年2月11日（星期四）", "2027年2月15日（星期一）"),
    }
    assert not any(m.uncertain for m in moves)
    accept = _row(late, "accept_decline")
    assert accept.due_at == midnight_after(2027, 1, 8) and not accept.uncertain
    assert not _row(late, "first_response").uncertain  # same date, now certain: updated, no event
    events = db.session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.action == "deadline_moved").order_by(ComplaintEvent.id)
    ).all()
    assert len(events) == 3 and all(e.visible_to_consumer for e in events)
    mediation_event = next(e for e in events if e.complaint_id == mediating.id)
    assert mediation_event.text == (
        "“调解期限”的期限由2027年2月11日（星期四）改为2027年2月15日（星期一）：录入2027年放假安排。"
    )
    assert mediation_event.data["old_due_at"] == midnight_after(2027, 2, 11).isoformat()
    assert mediation_event.data["new_due_at"] == midnight_after(2027, 2, 15).isoformat()
    # Twice changes nothing.
    assert replan.replan("录入2027年放假安排", now=NOW) == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ComplaintEvent)
            .where(ComplaintEvent.action == "deadline_moved")
        )
        == 3
    )


def test_deleting_an_override_moves_the_deadline_back(cases):
    late, _ = cases
    workcal.set_override(dt.date(2027, 1, 5), False, "地方补充通知")
    moves = replan.replan("人工设置", now=NOW)
    # ordinary_close ends on Mon 4 Jan and does not depend on the 5th; the 7 working days do.
    assert [(m.number, m.kind, m.new_text) for m in moves] == [
        (late.number, "accept_decline", "2027年1月8日（星期五）")
    ]
    workcal.delete_override(dt.date(2027, 1, 5))
    moves = replan.replan("撤销人工设置", now=NOW)
    assert [(m.kind, m.old_text, m.new_text) for m in moves] == [
        ("accept_decline", "2027年1月8日（星期五）", "2027年1月7日（星期四）")
    ]


def test_closed_and_met_deadlines_are_left_alone(cases):
    late, mediating = cases
    late.status = Status.CLOSED
    db.session.commit()
    arrangement.import_rows(NOTICE)
    moves = replan.replan("录入2027年放假安排", now=NOW)
    assert [(m.number, m.kind) for m in moves] == [(mediating.number, "mediation")]
    assert _row(mediating, "accept_decline").met_at is not None


def test_warnings_and_escalation_follow_the_new_date(app, cases):
    late, _ = cases
    accept = _row(late, "accept_decline")
    # The old date passed unnoticed by the sweeps' clock, then the notice moved it a day later.
    on_old_day = cn(2027, 1, 7, 15, 0).astimezone(dt.UTC)
    assert sweeps.warn_approaching(on_old_day) >= 1
    assert accept.warned_at == on_old_day
    arrangement.import_rows(NOTICE)
    replan.replan("录入2027年放假安排", now=NOW)
    assert accept.due_at == midnight_after(2027, 1, 8) and accept.warned_at is None
    after_old_end = cn(2027, 1, 8, 9, 0).astimezone(dt.UTC)
    sweeps.escalate_missed(after_old_end)
    assert accept.escalated_at is None  # not missed: the new date is still running
    sweeps.warn_approaching(cn(2027, 1, 8, 14, 0).astimezone(dt.UTC))
    assert accept.warned_at is not None
    sweeps.escalate_missed(cn(2027, 1, 9, 0, 1).astimezone(dt.UTC))
    assert accept.escalated_at is not None


def test_describe_reads_in_plain_chinese(cases):
    late, mediating = cases
    cal = workcal.load()
    assert deadlines.describe(_row(mediating, "mediation"), NOW, cal)["text"] == (
        "2027年2月11日（星期四）前，剩余 66 天（2027 年调休安排尚未公布，按法定节假日推算）"
    )
    accept = deadlines.describe(_row(late, "accept_decline"), NOW, cal)
    assert accept == {
        "when": "2027年1月7日（星期四）",
        "left": "剩余 22 个工作日",  # 8–31 Dec: 18; 4–7 Jan: 4
        "why_uncertain": "2027 年调休安排尚未公布，按法定节假日推算",
        "text": "2027年1月7日（星期四）前，剩余 22 个工作日（2027 年调休安排尚未公布，按法定节假日推算）",
    }


def test_describe_days_hours_overdue_and_this_year():
    cal = workcal.WorkCalendar()
    start = cn(2026, 12, 7, 10, 0)
    close = deadlines.Planned.of(
        "ordinary_close", cal.count("calendar_days", start, 7), "ordinary_close", start
    )
    assert deadlines.describe(close, NOW, cal)["text"] == "12月14日（星期一）前，剩余 7 天"
    hours = deadlines.Planned.of(
        "first_response", cal.count("hours", start, 24), "small_dispute_first_response", start
    )
    assert deadlines.describe(hours, NOW, cal)["text"] == "12月8日（星期二） 10:00前，剩余 24 小时"
    later = cn(2026, 12, 16, 9, 0).astimezone(dt.UTC)
    assert deadlines.describe(close, later, cal)["left"] == "已超期 2 天"
    assert (
        deadlines.describe(hours, cn(2026, 12, 8, 12, 30).astimezone(dt.UTC), cal)["left"] == "已超期 3 小时"
    )
    assert deadlines.describe(close, cn(2026, 12, 14, 20, 0).astimezone(dt.UTC), cal)["left"] == "剩余 4 小时"
    assert deadlines.label("clue_verification") == "线索核查" and deadlines.label("no_such_key") == "处理期限"


def test_worker_replans_once_per_installed_holiday_data(app, cases, monkeypatch):
    late, _ = cases
    workcal.set_override(dt.date(2027, 1, 5), False, "地方补充通知")  # a change nobody replanned
    db.session.commit()
    moves = replan.after_library_upgrade(now=NOW)
    assert [(m.number, m.kind) for m in moves] == [(late.number, "accept_decline")]
    event = db.session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.action == "deadline_moved")
    ).one()
    assert event.text.endswith("：节假日数据更新，已收录至 2026 年放假安排。")
    assert replan.after_library_upgrade(now=NOW) is None  # this version is done
    monkeypatch.setattr(workcal, "LIBRARY_VERSION", "holidays 9.99, notices 2001-2030")
    assert replan.after_library_upgrade(now=NOW) == []  # a new version replans again; nothing left to move
