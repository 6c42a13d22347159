"""Moments as people in China read them: the year only when it is not this year."""

import datetime as dt

from app.core.timeutil import cn_moment

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)  # 11:00 in China


def test_this_year_without_the_year_another_year_with_it():
    assert cn_moment(dt.datetime(2026, 12, 8, 1, 30, tzinfo=dt.UTC), NOW) == "12-08 09:30"
    assert cn_moment(dt.datetime(2027, 1, 4, 1, 0, tzinfo=dt.UTC), NOW) == "2027-01-04 09:00"
    assert (
        cn_moment(dt.datetime(2025, 12, 31, 17, 0, tzinfo=dt.UTC), NOW) == "01-01 01:00"
    )  # China's new year
    assert cn_moment(dt.datetime(2025, 12, 31, 15, 0, tzinfo=dt.UTC), NOW) == "2025-12-31 23:00"
    assert cn_moment(dt.datetime(2026, 12, 8, 1, 30), NOW) == "12-08 09:30"  # naive from SQLite: UTC
