"""Working days on the real 2026 and 2027 calendars (`holidays` 0.109), Art. 45 counting, uncertainty.

2026 in the package: New Year 1–3 Jan off (Sun 4 Jan worked); Spring Festival 15–23 Feb off (Sat 14 Feb
and Sat 28 Feb worked); Labour Day 1–5 May off (Sat 9 May worked); National Day 1–7 Oct off (Sun 20 Sep
and Sat 10 Oct worked). 2027 has no notice yet: the statutory holidays of 《全国年节及纪念日放假办法》
with weekend holidays made up (元旦 Fri 1 Jan; 春节 除夕 Fri 5 Feb to 初三 Mon 8 Feb, made up Tue 9 and
Wed 10 Feb; 清明 Mon 5 Apr; ...), uncertain within two weeks of a holiday.
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendar import workcal
from app.calendar.workcal import Basis, DayKind, Deadline, WorkCalendar, WorkingHours
from app.core.extensions import db
from app.core.timeutil import CHINA

D = dt.date
CAL = WorkCalendar()


def cn(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


# -- single days -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (D(2026, 2, 13), True),  # Friday before the holiday
        (D(2026, 2, 14), True),  # Saturday, 调休 make-up working day
        (D(2026, 2, 15), False),  # Spring Festival holiday, first day
        (D(2026, 2, 17), False),  # 正月初一
        (D(2026, 2, 23), False),  # Monday, last holiday day
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, make-up working day
        (D(2026, 5, 1), False),
        (D(2026, 5, 5), False),  # Tuesday in the Labour Day holiday
        (D(2026, 5, 9), True),  # Saturday, make-up working day
        (D(2026, 9, 20), True),  # Sunday, make-up working day for National Day
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),  # Saturday, make-up working day
        (D(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_day_kind_2026_holidays_and_makeup_days_certain(day, is_workday):
    assert CAL.day_kind(day) == DayKind(is_workday, True)


@pytest.mark.parametrize(
    ("day", "is_workday", "certain"),
    [
        (D(2027, 1, 1), False, False),  # 元旦, by law; the notice could still add a day off next to it
        (D(2027, 1, 4), True, False),
        (D(2027, 2, 5), False, False),  # 除夕, a statutory holiday since the 2024 revision
        (D(2027, 2, 8), False, False),  # 初三
        (D(2027, 2, 9), False, False),  # 初一 (Sat) made up on the next working day
        (D(2027, 2, 10), False, False),  # 初二 (Sun) made up
        (D(2027, 2, 11), True, False),
        (D(2027, 3, 17), True, True),  # far from any holiday: no swap can reach it
        (D(2027, 3, 20), False, True),  # an ordinary Saturday, equally far
        (D(2027, 4, 5), False, False),  # 清明, the solar term computed
        (D(2027, 6, 9), False, False),  # 端午, lunar 5-5
        (D(2027, 9, 15), False, False),  # 中秋, lunar 8-15
        (D(2027, 10, 4), False, False),  # 国庆 on the weekend made up
        (D(2026, 12, 14), True, True),  # 2026 is known, and 1 Jan 2027 is 18 days away
        (D(2026, 12, 18), True, False),  # within two weeks of 1 Jan 2027: its notice could swap it
    ],
)
def test_day_kind_2027_statutory_holidays_uncertain_only_near_them(day, is_workday, certain):
    assert CAL.day_kind(day) == DayKind(is_workday, certain)


def test_notice_years_from_the_package():
    assert set(range(2004, 2027)) <= workcal.NOTICE_YEARS
    assert 2027 not in workcal.NOTICE_YEARS
    assert CAL.info(D(2027, 2, 5)).unsettled_year == 2027
    assert CAL.info(D(2026, 12, 31)).unsettled_year == 2027


def test_day_info_names_holiday_in_chinese():
    assert CAL.info(D(2026, 10, 1)).label == "国庆节"
    assert CAL.info(D(2027, 2, 5)).label == "农历除夕"
    assert CAL.info(D(2027, 2, 9)).label == "春节补假"
    assert CAL.info(D(2026, 3, 7)).label == ""


def test_day_info_rejects_datetime():
    with pytest.raises(TypeError):
        CAL.info(cn(2026, 3, 2, 9))


# -- working days ------------------------------------------------------------------------------------


def test_add_working_days_start_day_not_counted():
    assert CAL.add_working_days(D(2026, 3, 2), 1).due == D(2026, 3, 3)
    assert CAL.add_working_days(D(2026, 3, 6), 1).due == D(2026, 3, 9)  # Friday → Monday


def test_add_working_days_skips_spring_festival_and_counts_makeup_saturday():
    deadline = CAL.add_working_days(D(2026, 2, 12), 3)
    # Fri 13 (1), Sat 14 make-up (2), 15–23 off, Tue 24 (3)
    assert deadline == Deadline(
        due=D(2026, 2, 24),
        uncertain=False,
        basis=Basis.WORKING_DAYS,
        n=3,
        start=D(2026, 2, 12),
        skipped=tuple(D(2026, 2, d) for d in range(15, 24)),
    )
    assert CAL.add_working_days(D(2026, 2, 13), 1).due == D(2026, 2, 14)


def test_add_working_days_across_labour_day_lands_on_makeup_saturday():
    assert CAL.add_working_days(D(2026, 4, 30), 1).due == D(2026, 5, 6)
    assert CAL.add_working_days(D(2026, 4, 30), 4).due == D(2026, 5, 9)  # 6, 7, 8, Sat 9


def test_add_working_days_accept_decline_across_national_day():
    # Art. 15: 7 working days from receipt on 30 Sep: 8, 9, Sat 10, 12, 13, 14, 15 Oct.
    assert CAL.add_working_days(D(2026, 9, 30), 7).due == D(2026, 10, 15)


def test_add_working_days_starting_on_holiday_counts_from_next_working_day():
    assert CAL.add_working_days(D(2026, 10, 1), 1).due == D(2026, 10, 8)


def test_add_working_days_rejects_zero():
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 3, 2), 0)


def test_add_working_days_into_2027_skips_new_year_uncertain():
    # Tue 29, Wed 30, Thu 31 Dec, (Fri 1 Jan 元旦 off), Mon 4, Tue 5, Wed 6, Thu 7 Jan.
    deadline = CAL.add_working_days(D(2026, 12, 28), 7)
    assert deadline.due == D(2027, 1, 7)
    assert deadline.uncertain
    assert CAL.unsettled_by(deadline).unsettled_year == 2027
    assert not CAL.add_working_days(D(2026, 12, 1), 5).uncertain  # ends 8 Dec, out of 2027's reach


def test_mediation_from_december_does_not_end_on_new_years_eve():
    # 60 days from 7 Dec 2026 end on 除夕, Fri 5 Feb 2027; Art. 45 moves the end past 春节 and the days
    # made up for its weekend (6–10 Feb) to Thu 11 Feb, which the 2027 notice could still move.
    deadline = CAL.add_calendar_days(D(2026, 12, 7), 60)
    assert deadline.moved_from == D(2027, 2, 5)
    assert deadline.due == D(2027, 2, 11)
    assert deadline.uncertain


def test_2027_deadline_far_from_holidays_is_certain():
    deadline = CAL.add_working_days(D(2027, 3, 1), 10)  # 2–12 Mar, then 15 Mar
    assert deadline.due == D(2027, 3, 15) and not deadline.uncertain
    assert CAL.unsettled_by(deadline) is None


def test_working_days_between_counts_after_start_through_end():
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 15)) == 7
    assert CAL.working_days_between(D(2026, 10, 15), D(2026, 9, 30)) == -7
    assert CAL.working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_next_workday_is_day_itself_or_first_after():
    assert CAL.next_workday(D(2026, 10, 10)) == D(2026, 10, 10)
    assert CAL.next_workday(D(2026, 10, 1)) == D(2026, 10, 8)


# -- calendar days, Art. 45 ----------------------------------------------------------------------------


def test_add_calendar_days_start_day_not_counted():
    deadline = CAL.add_calendar_days(D(2026, 6, 1), 1)
    assert deadline.due == D(2026, 6, 2)
    assert deadline.moved_from is None


def test_add_calendar_days_in_national_day_moves_to_first_working_day_after():
    # Mediation (Art. 23(5)): 60 days from acceptance on 3 Aug end on Fri 2 Oct, inside the holiday.
    deadline = CAL.add_calendar_days(D(2026, 8, 3), 60)
    assert deadline.due == D(2026, 10, 8)
    assert deadline.moved_from == D(2026, 10, 2)
    assert deadline.skipped == tuple(D(2026, 10, d) for d in range(2, 8))
    assert deadline.basis == "calendar_days" and not deadline.uncertain


def test_add_calendar_days_on_ordinary_weekend_moves_to_monday():
    assert CAL.add_calendar_days(D(2026, 3, 1), 6).due == D(2026, 3, 9)  # Sat 7 → Mon 9


def test_add_calendar_days_on_makeup_saturday_stays():
    deadline = CAL.add_calendar_days(D(2026, 10, 3), 7)
    assert deadline.due == D(2026, 10, 10)
    assert deadline.moved_from is None


def test_add_calendar_days_on_holiday_run_moves_past_the_whole_run():
    # Mid-autumn, Fri 25 to Sun 27 Sep: a period ending on the Friday ends on Mon 28 Sep.
    assert CAL.add_calendar_days(D(2026, 9, 20), 5).due == D(2026, 9, 28)
    # Labour Day, 1 to 5 May: a period ending on Fri 1 May ends on Wed 6 May.
    assert CAL.add_calendar_days(D(2026, 4, 24), 7).due == D(2026, 5, 6)


def test_add_calendar_days_uncertain_only_when_decisive_day_unknown():
    assert not CAL.add_calendar_days(D(2026, 12, 6), 7).uncertain  # Sun 13 → Mon 14 Dec, both known
    assert CAL.add_calendar_days(D(2026, 12, 6), 7).due == D(2026, 12, 14)
    near = CAL.add_calendar_days(D(2026, 12, 20), 7)  # Sun 27 → Mon 28 Dec: the 2027 notice could swap it
    assert near.due == D(2026, 12, 28) and near.uncertain
    late = CAL.add_calendar_days(D(2026, 12, 28), 4)  # Fri 1 Jan 2027, 元旦, then the weekend
    assert late.due == D(2027, 1, 4) and late.moved_from == D(2027, 1, 1) and late.uncertain


def test_add_years_corresponding_day_and_holiday_move():
    assert CAL.add_years(D(2024, 2, 29), 1).due == D(2025, 2, 28)
    deadline = CAL.add_years(D(2023, 10, 1), 3)
    assert deadline.due == D(2026, 10, 8) and deadline.moved_from == D(2026, 10, 1)
    # No 31 Feb: the month's last day, Sat 28 Feb 2026, which is a make-up working day, so it stands.
    assert CAL.add_months(D(2026, 1, 31), 1).due == D(2026, 2, 28)


# -- hours ---------------------------------------------------------------------------------------------


def test_add_hours_wall_clock_through_holiday():
    deadline = CAL.add_hours(cn(2026, 9, 30, 20, 0), 24)
    assert deadline.due_at == cn(2026, 10, 1, 20, 0)
    assert deadline.due == D(2026, 10, 1) and not deadline.uncertain
    assert deadline.due_at.tzinfo == dt.UTC


def test_add_working_hours_continues_on_makeup_saturday():
    deadline = CAL.add_working_hours(cn(2026, 2, 13, 15, 0), 4, WorkingHours())
    assert deadline.due_at == cn(2026, 2, 14, 11, 0)


def test_add_working_hours_skips_spring_festival():
    deadline = CAL.add_working_hours(cn(2026, 2, 14, 16, 0), 8, WorkingHours())
    assert deadline.due_at == cn(2026, 2, 24, 16, 0)
    assert deadline.skipped[0] == D(2026, 2, 15)


def test_add_working_hours_full_day_ends_at_closing_time():
    assert CAL.add_working_hours(cn(2026, 3, 2, 8, 0), 8, WorkingHours()).due_at == cn(2026, 3, 2, 17, 0)


def test_working_hours_left_counts_office_hours_only():
    left = CAL.working_hours_left(cn(2026, 9, 30, 10, 0), D(2026, 10, 9), WorkingHours())
    assert left == dt.timedelta(hours=7 + 8 + 8)  # 30 Sep, 8 Oct, 9 Oct
    assert CAL.working_hours_left(cn(2026, 10, 10, 10, 0), D(2026, 10, 9), WorkingHours()) == dt.timedelta(0)


def test_working_hours_left_accepts_deadline_objects():
    deadline = CAL.add_working_days(D(2026, 9, 30), 1)  # Thu 8 Oct
    assert CAL.working_hours_left(cn(2026, 10, 7, 12, 0), deadline, WorkingHours()) == dt.timedelta(hours=8)
    hourly = CAL.add_hours(cn(2026, 10, 8, 9, 0), 24)
    assert CAL.working_hours_left(cn(2026, 10, 8, 9, 0), hourly, WorkingHours()) == dt.timedelta(hours=8)


def test_working_time_requires_aware_datetimes():
    with pytest.raises(ValueError):
        CAL.working_time_between(dt.datetime(2026, 3, 2, 9), cn(2026, 3, 2, 17))


def test_working_hours_parse_and_validate():
    assert WorkingHours.parse("08:30-17:30").length == dt.timedelta(hours=9)
    with pytest.raises(ValueError):
        WorkingHours.parse("17:00-09:00")


def test_working_hours_from_app_config(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "WORKDAY_HOURS", "08:00-12:00")
    assert workcal.working_hours() == WorkingHours(dt.time(8), dt.time(12))
    left = workcal.working_hours_left(cn(2026, 3, 2, 7, 0), D(2026, 3, 3))
    assert left == dt.timedelta(hours=8)


def test_deadline_ends_at_midnight_after_due_day():
    deadline = CAL.add_working_days(D(2026, 9, 30), 1)
    assert deadline.ends_at == cn(2026, 10, 9, 0, 0)
    assert not deadline.is_overdue(cn(2026, 10, 8, 23, 59))
    assert deadline.is_overdue(cn(2026, 10, 9, 0, 0))


# -- overrides (database) ------------------------------------------------------------------------------


def test_override_on_unsettled_day_takes_effect_at_once(ctx):
    assert workcal.day_kind(D(2027, 1, 4)) == (True, False)
    workcal.set_override(D(2027, 1, 4), False, "元旦调休（假设）")
    db.session.commit()
    assert workcal.day_kind(D(2027, 1, 4)) == (False, True)
    deadline = workcal.add_working_days(D(2026, 12, 31), 1)
    assert deadline.due == D(2027, 1, 5)
    assert deadline.uncertain  # 1–3 Jan are still the law's guess


def test_override_workday_makes_deadline_certain(ctx):
    workcal.set_override(D(2027, 1, 1), False, "元旦")
    workcal.set_override(D(2027, 1, 2), True, "调休上班（假设）")
    db.session.commit()
    deadline = workcal.add_working_days(D(2027, 1, 1), 1)
    assert deadline.due == D(2027, 1, 2)
    assert not deadline.uncertain


def test_override_beats_library_and_delete_restores(ctx):
    workcal.set_override(D(2026, 10, 8), False, "地方补充通知")
    db.session.commit()
    assert workcal.add_calendar_days(D(2026, 8, 3), 60).due == D(2026, 10, 9)
    assert workcal.set_override(D(2026, 10, 8), True).note == ""  # replaced, not duplicated
    db.session.commit()
    assert workcal.day_kind(D(2026, 10, 8)) == (True, True)
    assert workcal.delete_override(D(2026, 10, 8))
    assert not workcal.delete_override(D(2026, 10, 8))
    db.session.commit()
    assert workcal.day_info(D(2026, 10, 8)).source == "notice"


def test_override_visible_before_commit_in_same_session(ctx):
    workcal.set_override(D(2027, 3, 1), False)
    assert workcal.day_kind(D(2027, 3, 1)) == (False, True)


def test_list_overrides_by_year(ctx):
    workcal.set_override(D(2027, 1, 1), False, "元旦")
    workcal.set_override(D(2028, 1, 1), False, "元旦")
    db.session.commit()
    assert [r.day for r in workcal.list_overrides()] == [D(2027, 1, 1), D(2028, 1, 1)]
    assert [r.day for r in workcal.list_overrides(2028)] == [D(2028, 1, 1)]


# -- CLI -----------------------------------------------------------------------------------------------


def test_cli_deadline_days_prints_moved_deadline(runner):
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-08-03", "--days", "60"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "期限届满：2026-10-08 星期四"
    assert "2026-10-02 星期五" in result.output and "第四十五条" in result.output
    assert "2026-10-05 星期一 休息日（国庆节补假）" in result.output
    assert lines[-1] == "日历：确定"


def test_cli_deadline_working_days_names_makeup_day(runner):
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-02-12", "--working-days", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("期限届满：2026-02-24 星期二\n")
    assert "跳过的休息日（9 天）" in result.output


def test_cli_deadline_2027_flagged_uncertain(runner):
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-12-28", "--working-days", "7"])
    assert result.exit_code == 0, result.output
    assert "期限届满：2027-01-07 星期四" in result.output
    assert "2027-01-01 星期五 休息日（元旦，2027 年调休安排未公布，可能调整）" in result.output
    assert "日历：不确定——2027 年调休安排尚未公布，按法定节假日推算，2026-12-29 起" in result.output


def test_cli_deadline_new_years_eve_moved(runner):
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-12-07", "--days", "60"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("期限届满：2027-02-11 星期四\n")
    assert "顺延：期间最后一日 2027-02-05 星期五" in result.output
    assert "2027-02-05 星期五 休息日（农历除夕，2027 年调休安排未公布，可能调整）" in result.output
    assert "日历：不确定——2027 年调休安排尚未公布" in result.output


def test_cli_deadline_needs_exactly_one_count(runner):
    assert runner.invoke(args=["calendar", "deadline", "--from", "2026-03-02"]).exit_code == 2
    both = ["calendar", "deadline", "--from", "2026-03-02", "--days", "1", "--working-days", "1"]
    assert runner.invoke(args=both).exit_code == 2


def test_cli_deadline_rules_alone_lists_every_limit(runner):
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-08-03", "--rules", "order121"])
    assert result.exit_code == 0, result.output
    assert "[mediation]" in result.output and "期限届满：2026-10-08 星期四" in result.output


def test_cli_override_set_list_delete(app, runner):
    set_args = ["calendar", "override", "set", "2027-01-01", "--holiday", "--note", "元旦"]
    result = runner.invoke(args=set_args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["已设置：2027-01-01 星期五 休息日（元旦）", "没有需要调整的期限。"]
    assert (
        runner.invoke(args=["calendar", "override", "list"]).output.strip() == "2027-01-01 星期五 休息日 元旦"
    )
    with app.app_context():
        assert workcal.day_kind(D(2027, 1, 1)) == (False, True)
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-12-31", "--working-days", "1"])
    assert "2027-01-01 星期五 休息日（人工设置：元旦）" in result.output
    assert "期限届满：2027-01-04 星期一" in result.output
    assert runner.invoke(args=["calendar", "override", "delete", "2027-01-01"]).exit_code == 0
    assert runner.invoke(args=["calendar", "override", "delete", "2027-01-01"]).exit_code == 1
    assert runner.invoke(args=["calendar", "override", "list"]).output.strip() == "（没有人工设置的日期）"


def test_cli_override_set_requires_kind(runner):
    assert runner.invoke(args=["calendar", "override", "set", "2027-01-01"]).exit_code == 2


# -- properties ----------------------------------------------------------------------------------------

# 2025–2027: known years, the boundary, and a fallback year.
days = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31))
counts = st.integers(min_value=1, max_value=80)
overrides = st.dictionaries(days, st.booleans(), max_size=15)


@settings(max_examples=150, deadline=None)
@given(days, counts, overrides)
def test_add_working_days_lands_on_working_day_and_inverts(start, n, table):
    cal = WorkCalendar(table)
    deadline = cal.add_working_days(start, n)
    assert deadline.due > start
    assert cal.is_workday(deadline.due)
    assert cal.working_days_between(start, deadline.due) == n
    assert all(not cal.is_workday(d) for d in deadline.skipped)
    decisive = [start + dt.timedelta(days=i) for i in range(1, (deadline.due - start).days + 1)]
    assert deadline.uncertain == any(not cal.day_kind(d).certain for d in decisive)


@settings(max_examples=100, deadline=None)
@given(days, counts, overrides)
def test_add_working_days_strictly_monotonic_in_n(start, n, table):
    cal = WorkCalendar(table)
    assert cal.add_working_days(start, n).due < cal.add_working_days(start, n + 1).due


@settings(max_examples=100, deadline=None)
@given(days, days, overrides)
def test_working_days_between_then_add_returns_to_working_day(a, b, table):
    cal = WorkCalendar(table)
    n = cal.working_days_between(a, b)
    assert n == -cal.working_days_between(b, a)
    if b > a and cal.is_workday(b):
        assert cal.add_working_days(a, n).due == b


@settings(max_examples=150, deadline=None)
@given(days, st.integers(min_value=1, max_value=120), overrides)
def test_add_calendar_days_is_first_working_day_on_or_after_raw_end(start, n, table):
    cal = WorkCalendar(table)
    deadline = cal.add_calendar_days(start, n)
    raw_end = start + dt.timedelta(days=n)
    assert deadline.due == cal.next_workday(raw_end)
    assert (deadline.moved_from is not None) == (deadline.due != raw_end)
    assert cal.is_workday(deadline.due)


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 6, 30)),
    st.integers(min_value=1, max_value=60),
)
def test_add_working_hours_consumes_exactly_that_office_time(start, hours):
    start = start.replace(tzinfo=CHINA)
    window = WorkingHours()
    deadline = CAL.add_working_hours(start, hours, window)
    assert CAL.working_time_between(start, deadline.due_at, window) == dt.timedelta(hours=hours)


def test_override_note_too_long_rejected(ctx):
    with pytest.raises(ValueError):
        workcal.set_override(D(2027, 1, 1), False, "长" * (workcal.NOTE_MAX_LENGTH + 1))
