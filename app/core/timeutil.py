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
