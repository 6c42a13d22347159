"""Time in one place: timestamps are stored in UTC; calendar dates are China's (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_cn(now: dt.datetime | None = None) -> dt.date:
    """The calendar date in China right now (credential expiry and daily counters use it)."""
    return (now or utcnow()).astimezone(CHINA).date()


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def cn_moment(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """A moment as people in China read it: `12-07 09:30` this year, `2025-12-07 09:30` another year."""
    local = as_utc(value).astimezone(CHINA)
    this_year = (now or utcnow()).astimezone(CHINA).year
    return local.strftime("%m-%d %H:%M" if local.year == this_year else "%Y-%m-%d %H:%M")
