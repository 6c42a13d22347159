"""Working days, calendar days and working hours, counted the way the complaint rules count them.

Where a day's status comes from, first match wins:

1. the `calendar_overrides` table: a day set by hand, or a row of an imported year's arrangement
   (`flask calendar import`); always certain;
2. a year whose arrangement was imported (`calendar_years`): its other days are ordinary days, Monday to
   Friday, certain (the notice lists every day off and every make-up working day);
3. the `holidays` package's China calendar for a year whose State Council notice it carries
   (`NOTICE_YEARS`, 2001–2026 in 0.109): holidays and 调休 swaps, certain;
4. the same package for any later year: the statutory holidays of 《全国年节及纪念日放假办法》 (2024
   revision: lunar dates and 清明 computed) with a holiday on a weekend made up on the next working day.
   Only the State Council's swaps are unknown, and every notice since 2004 swapped days within
   `SWAP_REACH` of a statutory holiday (the one exception, the 2015 Victory Day, was a one-off holiday,
   not a swap), so a day is *uncertain* only within that reach of a holiday of a year without a notice.
   Every deadline a decisive day of which is uncertain says so (`Deadline.uncertain`).

The package replaces `chinesecalendar`: day by day over 2004–2026 the two agree except on 2005-12-31,
a Saturday worked for the 2006 New Year by that year's notice, which the package has right
(tests/calendar/test_library_choice.py).

Counting follows SAMR Order 121 Art. 45:

    按照年、月、日计算期间的，开始的当日不计入，自下一工作日或者自然日开始计算。
    期间届满的最后一日是法定节假日的，以法定节假日后的第一日为期间届满的日期。

- The start day never counts: N working days end on the N-th working day after the start day; N days
  end N calendar days after it; months and years end on the corresponding day (Civil Code Art. 202).
- "法定节假日" is read as every day the official calendar gives off: the statutory holidays and the
  ordinary weekend days (as in 行政处罚法 Art. 85, where "工作日，不含法定节假日" must exclude weekends).
  "法定节假日后的第一日" is then the first day after that run of days off, i.e. the first working day;
  a 调休 make-up Saturday is a working day, so a period may end on it and one ending before it moves to it.
- Working-day periods always end on a working day, so only calendar-day, month and year periods move.

The module-level functions load the override table on every call (one small query), so an override
takes effect at once in every process. To compute many deadlines from one snapshot, pass `cal=load()`.
`WorkCalendar` itself never touches the database.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
import enum
import functools
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import holidays
import sqlalchemy as sa
from flask import current_app, has_app_context
from holidays.countries.china import ChinaStaticHolidays

from app.calendar.models import CalendarOverride, CalendarYear
from app.core.extensions import db
from app.core.timeutil import CHINA

ONE_DAY = dt.timedelta(days=1)

#: Years whose State Council notice (its 调休 swaps) the installed `holidays` package carries.
NOTICE_YEARS: frozenset[int] = frozenset(ChinaStaticHolidays.special_public_holidays)

#: Names the installed holiday data: a new value means a `holidays` upgrade (the worker then replans).
LIBRARY_VERSION = f"holidays {holidays.__version__}, notices {min(NOTICE_YEARS)}-{max(NOTICE_YEARS)}"

#: How far from a statutory holiday an unknown swap can reach (the farthest since 2004: 10 days).
SWAP_REACH = dt.timedelta(days=14)

NOTE_MAX_LENGTH = CalendarOverride.__table__.c.note.type.length

#: No real calendar has a longer run of days off; a longer run means a broken override table.
_MAX_RUN_OF_DAYS_OFF = 60


class Basis(enum.StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    YEARS = "years"
    HOURS = "hours"
    WORKING_HOURS = "working_hours"


class DaySource(enum.StrEnum):
    OVERRIDE = "override"  # set by hand or imported
    IMPORTED = "imported"  # an ordinary day of a year whose arrangement was imported
    NOTICE = "notice"  # the package, for a year whose notice it carries
    LAW = "law"  # the package's statutory holidays, for a year without a notice


class DayKind(NamedTuple):
    is_workday: bool
    certain: bool


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    is_workday: bool
    source: DaySource
    label: str = ""  # the holiday's Chinese name, or the override's note
    unsettled_year: int | None = None  # a year without a notice whose swaps could still change this day

    @property
    def certain(self) -> bool:
        return self.unsettled_year is None


@dataclass(frozen=True)
class Deadline:
    """The last day of a period (a China date), and for hour limits the exact instant."""

    due: dt.date
    uncertain: bool  # a day that decided `due` could still be changed by an unpublished swap
    basis: str  # a Basis value
    n: int
    start: dt.date  # the day the period runs from (not itself counted)
    due_at: dt.datetime | None = None  # hour limits only: the instant, UTC
    moved_from: dt.date | None = None  # Art. 45: the period's own last day, when that was a day off
    skipped: tuple[dt.date, ...] = ()  # days off passed over (inside a working-day count, or the move)

    @property
    def ends_at(self) -> dt.datetime:
        """The instant the limit runs out (UTC): `due_at`, or midnight (China) after the due day."""
        if self.due_at is not None:
            return self.due_at
        return dt.datetime.combine(self.due + ONE_DAY, dt.time(0), CHINA).astimezone(dt.UTC)

    def is_overdue(self, now: dt.datetime) -> bool:
        return _aware(now) >= self.ends_at


@dataclass(frozen=True)
class WorkingHours:
    """The office day on a working day, China time. Lunch breaks are not modelled."""

    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("working hours must open before they close")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """'09:00-17:00' → WorkingHours(09:00, 17:00)."""
        opens, _, closes = text.partition("-")
        return cls(dt.time.fromisoformat(opens.strip()), dt.time.fromisoformat(closes.strip()))

    def bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return dt.datetime.combine(day, self.opens, CHINA), dt.datetime.combine(day, self.closes, CHINA)

    @property
    def length(self) -> dt.timedelta:
        opens, closes = self.bounds(dt.date(2000, 1, 3))
        return closes - opens


def working_hours() -> WorkingHours:
    """The configured office day: app config WORKDAY_HOURS (e.g. "09:00-17:00"), else 09:00–17:00."""
    raw = current_app.config.get("WORKDAY_HOURS") if has_app_context() else None
    return WorkingHours.parse(raw) if raw else WorkingHours()


@functools.lru_cache(maxsize=256)
def _library_year(year: int) -> tuple[Mapping[dt.date, str], frozenset[dt.date]]:
    """The package's days off of `year` (with their Chinese names) and its weekend days worked.

    The neighbouring years are loaded too: a notice may swap a day of the year before or after
    (2005-12-31 was worked for the 2006 New Year).
    """
    china = holidays.China(years=(year - 1, year, year + 1), language="zh_CN")
    days_off = {day: _label(name) for day, name in china.items() if day.year == year}
    return days_off, frozenset(day for day in china.weekend_workdays if day.year == year)


def _label(name: str) -> str:
    """The package's names, unbracketed to sit in a sentence: '国庆节补假', '调休，2026-09-20 上班'."""
    name = name.replace("（补假）", "补假")
    return re.sub(r"^休息日（由 (\S+) 调休）$", r"调休，\1 上班", name)


@functools.lru_cache(maxsize=256)
def _swap_reach(year: int) -> frozenset[dt.date]:
    """The days an unknown swap of `year`'s holidays could change: within SWAP_REACH of one of them."""
    days_off = _library_year(year)[0]
    span = SWAP_REACH.days
    return frozenset(day + dt.timedelta(days=i) for day in days_off for i in range(-span, span + 1))


def _instant(start: dt.date | dt.datetime) -> dt.datetime:
    if not isinstance(start, dt.datetime):
        raise TypeError("an hour limit needs an aware datetime, not a date")
    return _aware(start)


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return value


def _china(value: dt.datetime) -> dt.datetime:
    return _aware(value).astimezone(CHINA)


def _check_n(n: int) -> None:
    if n < 1:
        raise ValueError("a period must be at least 1 unit long")


class WorkCalendar:
    """One snapshot of the override tables layered over the `holidays` package. Pure: no database access."""

    def __init__(
        self,
        overrides: Mapping[dt.date, bool] | None = None,
        notes: Mapping[dt.date, str] | None = None,
        imported_years: frozenset[int] | set[int] = frozenset(),
    ):
        self.overrides = dict(overrides or {})
        self.notes = dict(notes or {})
        self.imported_years = frozenset(imported_years)

    def has_notice(self, year: int) -> bool:
        """Whether `year`'s swaps are known: the package carries its notice, or it was imported."""
        return year in NOTICE_YEARS or year in self.imported_years

    def unsettled_year(self, day: dt.date) -> int | None:
        """The year without a notice whose swaps could still change `day`, if any."""
        for year in (day.year, day.year + 1, day.year - 1):
            if not self.has_notice(year) and day in _swap_reach(year):
                return year
        return None

    # -- single days ---------------------------------------------------------------------------

    def info(self, day: dt.date) -> DayInfo:
        if isinstance(day, dt.datetime):
            raise TypeError("a date is required, not a datetime")
        if day in self.overrides:
            return DayInfo(day, self.overrides[day], DaySource.OVERRIDE, self.notes.get(day, ""))
        weekday, unsettled = day.weekday() < 5, self.unsettled_year(day)  # late December: next year's swaps
        if day.year in self.imported_years and day.year not in NOTICE_YEARS:
            return DayInfo(day, weekday, DaySource.IMPORTED, "", unsettled)
        days_off, weekend_worked = _library_year(day.year)
        is_workday = day not in days_off if weekday else day in weekend_worked
        source = DaySource.NOTICE if day.year in NOTICE_YEARS else DaySource.LAW
        return DayInfo(day, is_workday, source, days_off.get(day, ""), unsettled)

    def unsettled_by(self, deadline: Deadline) -> DayInfo | None:
        """The first day that decided `deadline` and could still be changed by an unpublished swap."""
        if not deadline.uncertain:
            return None
        if deadline.basis in (Basis.WORKING_DAYS, Basis.WORKING_HOURS):
            day = deadline.start + ONE_DAY if deadline.basis == Basis.WORKING_DAYS else deadline.start
        else:  # a period counted in days, months or years turns only on its last day and the move
            day = deadline.moved_from or deadline.due
        while day <= deadline.due:
            info = self.info(day)
            if not info.certain:
                return info
            day += ONE_DAY
        return None

    def day_kind(self, day: dt.date) -> DayKind:
        info = self.info(day)
        return DayKind(info.is_workday, info.certain)

    def is_workday(self, day: dt.date) -> bool:
        return self.info(day).is_workday

    # -- day periods ---------------------------------------------------------------------------

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The n-th working day after `start` (Art. 45: counting starts on the next working day)."""
        _check_n(n)
        day, left, uncertain, skipped, run = start, n, False, [], 0
        while left:
            day += ONE_DAY
            info = self.info(day)
            uncertain |= not info.certain
            if info.is_workday:
                left, run = left - 1, 0
            else:
                skipped.append(day)
                run += 1
                _guard(run, start)
        return Deadline(
            due=day, uncertain=uncertain, basis=Basis.WORKING_DAYS, n=n, start=start, skipped=tuple(skipped)
        )

    def add_calendar_days(self, start: dt.date, n: int) -> Deadline:
        """n calendar days after `start`, moved off a day off to the first working day (Art. 45)."""
        _check_n(n)
        return self._ending_on(start, start + dt.timedelta(days=n), Basis.CALENDAR_DAYS, n)

    def add_months(self, start: dt.date, n: int) -> Deadline:
        """The corresponding day n months on, or that month's last day (Civil Code Art. 202); Art. 45."""
        _check_n(n)
        return self._ending_on(start, _shift_months(start, n), Basis.MONTHS, n)

    def add_years(self, start: dt.date, n: int) -> Deadline:
        """As `add_months` with 12·n months (29 Feb runs to 28 Feb in a common year)."""
        _check_n(n)
        return self._ending_on(start, _shift_months(start, 12 * n), Basis.YEARS, n)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`.

        The inverse of `add_working_days`: working_days_between(d, add_working_days(d, n).due) == n.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_workday(day)
        return count

    def next_workday(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, else the first working day after it."""
        first, run = day, 0
        while not self.is_workday(day):
            run += 1
            _guard(run, first)
            day += ONE_DAY
        return day

    def _ending_on(self, start: dt.date, last_day: dt.date, basis: Basis, n: int) -> Deadline:
        # Art. 45, second sentence: a period whose last day is a day off ends on the first working day after.
        info = self.info(last_day)
        uncertain, skipped = not info.certain, []
        while not info.is_workday:
            skipped.append(info.day)
            _guard(len(skipped), start)
            info = self.info(info.day + ONE_DAY)
            uncertain |= not info.certain
        return Deadline(
            due=info.day,
            uncertain=uncertain,
            basis=basis,
            n=n,
            start=start,
            moved_from=last_day if skipped else None,
            skipped=tuple(skipped),
        )

    def count(self, basis: Basis | str, start: dt.date | dt.datetime, n: int) -> Deadline:
        """n units of `basis` from `start`: an aware instant for hour limits, else a China date
        (a datetime's China date is taken)."""
        basis = Basis(basis)
        if basis is Basis.HOURS:
            return self.add_hours(_instant(start), n)
        if basis is Basis.WORKING_HOURS:
            return self.add_working_hours(_instant(start), n)
        day = _china(start).date() if isinstance(start, dt.datetime) else start
        if basis is Basis.WORKING_DAYS:
            return self.add_working_days(day, n)
        if basis is Basis.CALENDAR_DAYS:
            return self.add_calendar_days(day, n)
        if basis is Basis.MONTHS:
            return self.add_months(day, n)
        return self.add_years(day, n)

    # -- hours ---------------------------------------------------------------------------------

    def add_hours(self, start_at: dt.datetime, hours: int) -> Deadline:
        """Wall-clock hours ("24 小时内"): holidays do not stop the clock, so never uncertain."""
        _check_n(hours)
        due_at = _aware(start_at).astimezone(dt.UTC) + dt.timedelta(hours=hours)
        return Deadline(
            due=due_at.astimezone(CHINA).date(),
            uncertain=False,
            basis=Basis.HOURS,
            n=hours,
            start=_china(start_at).date(),
            due_at=due_at,
        )

    def add_working_hours(
        self, start_at: dt.datetime, hours: int, window: WorkingHours | None = None
    ) -> Deadline:
        """Office hours only: e.g. 4 working hours from Friday 15:00 end on Monday 11:00 (09:00–17:00)."""
        _check_n(hours)
        window = window or working_hours()
        cursor = _china(start_at)
        start_day = day = cursor.date()
        remaining = dt.timedelta(hours=hours)
        uncertain, skipped, run = False, [], 0
        while True:
            info = self.info(day)
            uncertain |= not info.certain
            if info.is_workday:
                run = 0
                opens, closes = window.bounds(day)
                begin = max(cursor, opens)
                if begin < closes:
                    if remaining <= closes - begin:
                        due_at = begin + remaining
                        break
                    remaining -= closes - begin
            else:
                skipped.append(day)
                run += 1
                _guard(run, start_day)
            day += ONE_DAY
        return Deadline(
            due=due_at.date(),
            uncertain=uncertain,
            basis=Basis.WORKING_HOURS,
            n=hours,
            start=start_day,
            due_at=due_at.astimezone(dt.UTC),
            skipped=tuple(skipped),
        )

    def working_time_between(
        self, a: dt.datetime, b: dt.datetime, window: WorkingHours | None = None
    ) -> dt.timedelta:
        """Office time between two instants (zero when `b` is not after `a`)."""
        window = window or working_hours()
        a, b = _china(a), _china(b)
        total = dt.timedelta(0)
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                opens, closes = window.bounds(day)
                begin, end = max(a, opens), min(b, closes)
                if begin < end:
                    total += end - begin
            day += ONE_DAY
        return total

    def working_hours_left(
        self,
        now: dt.datetime,
        due: Deadline | dt.date | dt.datetime,
        window: WorkingHours | None = None,
    ) -> dt.timedelta:
        """Office time from `now` until the deadline; zero once it is past.

        A due *date* runs to the close of that day's office hours (a day-based deadline's last office
        minute), a Deadline with `due_at` to that instant. "Getting close" is then simply
        `working_hours_left(now, d) <= timedelta(hours=N)`; overdue is `d.is_overdue(now)`.
        """
        window = window or working_hours()
        if isinstance(due, Deadline):
            due = due.due_at if due.due_at is not None else due.due
        end = due if isinstance(due, dt.datetime) else window.bounds(due)[1]
        return self.working_time_between(now, end, window)


def _guard(run: int, start: dt.date) -> None:
    if run > _MAX_RUN_OF_DAYS_OFF:
        raise RuntimeError(f"more than {_MAX_RUN_OF_DAYS_OFF} days off in a row after {start}")


def _shift_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))


# -- the database-backed API ------------------------------------------------------------------------


def load() -> WorkCalendar:
    """A snapshot of the override tables (needs an app context). Cheap: two queries on small tables."""
    rows = db.session.execute(
        sa.select(CalendarOverride.day, CalendarOverride.is_workday, CalendarOverride.note)
    ).all()
    years = frozenset(db.session.scalars(sa.select(CalendarYear.year)))
    return WorkCalendar({r.day: r.is_workday for r in rows}, {r.day: r.note for r in rows if r.note}, years)


#: The filing path reuses a snapshot of the override table this long (it changes a few times a year,
#: from the CLI); a change made in this process is seen at once.
CACHE_SECONDS = 10.0
_cached: tuple[float, WorkCalendar] | None = None


def load_cached() -> WorkCalendar:
    global _cached
    now = time.monotonic()
    if _cached is None or _cached[0] <= now:
        _cached = (now + CACHE_SECONDS, load())
    return _cached[1]


def forget_cached() -> None:
    global _cached
    _cached = None


def day_kind(day: dt.date, *, cal: WorkCalendar | None = None) -> DayKind:
    """(is_workday, certain): overrides, then imported years, then the `holidays` package."""
    return (cal or load()).day_kind(day)


def day_info(day: dt.date, *, cal: WorkCalendar | None = None) -> DayInfo:
    """As `day_kind`, with where the answer came from and the holiday's name."""
    return (cal or load()).info(day)


def add_working_days(start: dt.date, n: int, *, cal: WorkCalendar | None = None) -> Deadline:
    """The n-th working day after `start` (the start day is not counted)."""
    return (cal or load()).add_working_days(start, n)


def add_calendar_days(start: dt.date, n: int, *, cal: WorkCalendar | None = None) -> Deadline:
    """n calendar days after `start`; a last day that is a day off moves to the next working day."""
    return (cal or load()).add_calendar_days(start, n)


def add_months(start: dt.date, n: int, *, cal: WorkCalendar | None = None) -> Deadline:
    """n months after `start` (corresponding day, else month end), moved off a day off."""
    return (cal or load()).add_months(start, n)


def add_years(start: dt.date, n: int, *, cal: WorkCalendar | None = None) -> Deadline:
    """n years after `start` (corresponding day, 29 Feb → 28 Feb), moved off a day off."""
    return (cal or load()).add_years(start, n)


def working_days_between(a: dt.date, b: dt.date, *, cal: WorkCalendar | None = None) -> int:
    """Working days in (a, b]; negative when b < a. Inverts `add_working_days`."""
    return (cal or load()).working_days_between(a, b)


def next_workday(day: dt.date, *, cal: WorkCalendar | None = None) -> dt.date:
    """`day` if it is a working day, else the first working day after it."""
    return (cal or load()).next_workday(day)


def add_hours(start_at: dt.datetime, hours: int) -> Deadline:
    """Wall-clock hours from an aware instant (no calendar involved)."""
    return WorkCalendar().add_hours(start_at, hours)


def add_working_hours(
    start_at: dt.datetime,
    hours: int,
    *,
    window: WorkingHours | None = None,
    cal: WorkCalendar | None = None,
) -> Deadline:
    """`hours` of office time (09:00–17:00 China on working days unless configured) from `start_at`."""
    return (cal or load()).add_working_hours(start_at, hours, window)


def working_time_between(
    a: dt.datetime,
    b: dt.datetime,
    *,
    window: WorkingHours | None = None,
    cal: WorkCalendar | None = None,
) -> dt.timedelta:
    """Office time between two aware instants."""
    return (cal or load()).working_time_between(a, b, window)


def working_hours_left(
    now: dt.datetime,
    due: Deadline | dt.date | dt.datetime,
    *,
    window: WorkingHours | None = None,
    cal: WorkCalendar | None = None,
) -> dt.timedelta:
    """Office time left until a deadline (a due date runs to its closing time); zero once past."""
    return (cal or load()).working_hours_left(now, due, window)


# -- editing overrides (callers commit) -------------------------------------------------------------


def set_override(day: dt.date, is_workday: bool, note: str = "") -> CalendarOverride:
    """Create or replace the override for `day`; flushed, not committed."""
    if len(note) > NOTE_MAX_LENGTH:
        raise ValueError(f"the note is longer than {NOTE_MAX_LENGTH} characters")
    row = db.session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, is_workday=is_workday, note=note)
        db.session.add(row)
    else:
        row.is_workday, row.note = is_workday, note
    db.session.flush()
    forget_cached()
    return row


def delete_override(day: dt.date) -> bool:
    """Remove the override for `day`; False when there was none. Flushed, not committed."""
    row = db.session.get(CalendarOverride, day)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    forget_cached()
    return True


def list_overrides(year: int | None = None) -> list[CalendarOverride]:
    query = sa.select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        query = query.where(
            CalendarOverride.day >= dt.date(year, 1, 1), CalendarOverride.day <= dt.date(year, 12, 31)
        )
    return list(db.session.scalars(query))
