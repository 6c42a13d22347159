"""Why `holidays` replaced `chinesecalendar`, proved day by day, and why swaps reach only two weeks.

`chinesecalendar` (a test-only dependency now) carries the State Council's notices for 2004–2026 and
raises after; the `holidays` package carries the same notices and, for every later year, the holidays the
law fixes. Over 2004–2026 they differ on one day: Sat 31 Dec 2005, worked for the 2006 New Year under that
year's notice (元旦 1–3 Jan, 31 Dec worked), which `holidays` has and `chinesecalendar` lacks.
"""

import datetime as dt

import chinese_calendar
import holidays
import pytest

from app.calendar import workcal
from app.calendar.workcal import WorkCalendar

D = dt.date


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def test_holidays_matches_chinesecalendar_day_by_day_2004_to_2026():
    cal = WorkCalendar()
    differ = [
        day
        for day in _days(D(2004, 1, 1), D(2026, 12, 31))
        if cal.is_workday(day) != chinese_calendar.is_workday(day)
    ]
    assert differ == [D(2005, 12, 31)]
    assert cal.is_workday(D(2005, 12, 31)) and D(2005, 12, 31).weekday() == 5
    assert all(cal.info(day).certain for day in _days(D(2004, 1, 1), D(2026, 12, 17)))


def _law_only(years: range) -> holidays.HolidayBase:
    """The package's China calendar without any notice: the statutory holidays and weekend make-up only."""
    china = holidays.China()
    china.special_public_holidays, china.special_public_holidays_observed = {}, {}
    for year in years:
        china._populate(year)  # no public way to leave the notices out
    return china


def test_every_swap_since_2004_within_reach_of_a_statutory_holiday():
    law = _law_only(range(2003, 2028))
    holidays_by_law = sorted(law)
    cal = WorkCalendar()
    reach = []
    for day in _days(D(2004, 1, 1), D(2026, 12, 31)):
        if cal.is_workday(day) != (day not in law and day.weekday() < 5):
            reach.append((min(abs((day - h).days) for h in holidays_by_law), day))
    one_off = {D(2015, 9, 3), D(2015, 9, 4), D(2015, 9, 6)}  # Victory Day, 70th anniversary: not a swap
    assert max(r for r, day in reach if day not in one_off) <= workcal.SWAP_REACH.days
    assert max(r for r, day in reach if day not in one_off) == 10  # Sat 11 May 2024, the farthest


@pytest.mark.parametrize("year", [2027, 2030, 2040])
def test_later_years_have_the_seven_festivals_of_the_2024_revision(year):
    days_off = {day for day in _days(D(year, 1, 1), D(year, 12, 31)) if WorkCalendar().info(day).label}
    names = {WorkCalendar().info(day).label.removesuffix("补假") for day in days_off}
    assert names == {"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
    # 13 statutory days (元旦 1, 春节 4 with 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3), plus make-up days.
    statutory = [d for d in days_off if "补假" not in WorkCalendar().info(d).label]
    assert len(statutory) == 13
