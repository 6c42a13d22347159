"""Daily roll-ups of the figures, kept by the worker; `kpis.compute` reads them for the days they cover.

Every figure counts each case on one day (`kpis.Spec.day`), so a period's numerator and denominator are
sums over its days. `refresh` recomputes the last `days_back` China days up to yesterday from the cases
(every 10 minutes in the worker), `rebuild` every day (once a night); both record how far they reach in
`figure_rollup_state`. `kpis.compute` takes the days up to `through` from `figure_daily` (and the
durations behind the medians from `figure_durations`) and computes the rest directly, so today is always
live. What a roll-up can miss until the next refresh or nightly rebuild: a change to a case counted on a
day older than `days_back` (a reopened or transferred old case, a late hand-off to 12315).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.timeutil import CHINA, today_cn, utcnow
from app.figures import kpis
from app.figures.models import FigureDaily, FigureDuration, FigureRollupState

C = Complaint.__table__
DAILY = FigureDaily.__table__
DURATIONS = FigureDuration.__table__
REFRESH_DAYS = 90


def china_day(instant):
    """The China calendar date of a stored UTC instant, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("Asia/Shanghai", instant), sa.Date)
    return sa.func.date(instant, "+8 hours")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def _roll(spec: kpis.Spec, first: dt.date, last: dt.date, now: dt.datetime) -> None:
    day = china_day(spec.day()).label("day")
    start, end = _midnight(first), _midnight(last + dt.timedelta(days=1))
    base = kpis.filtered(spec, sa.select().select_from(C), now).where(*kpis.between(spec, start, end))
    if spec.aggregate == "median":
        rows = base.add_columns(sa.literal(spec.key), day, C.c.station_id, spec.measure())
        db.session.execute(sa.insert(DURATIONS).from_select(["key", "day", "station_id", "seconds"], rows))
        return
    if spec.aggregate == "sum":
        numerator = sa.func.coalesce(sa.func.sum(spec.measure()), 0)
    else:
        numerator = sa.func.sum(sa.case((spec.numerator(), 1), else_=0))
    rows = base.add_columns(sa.literal(spec.key), day, C.c.station_id, numerator, sa.func.count()).group_by(
        day, C.c.station_id
    )
    db.session.execute(
        sa.insert(DAILY).from_select(["key", "day", "station_id", "numerator", "denominator"], rows)
    )


def _recompute(first: dt.date, last: dt.date, today: dt.date) -> None:
    now = _midnight(today)  # every deadline counting on a day before today has passed by now
    db.session.execute(sa.delete(DAILY).where(DAILY.c.day >= first, DAILY.c.day <= last))
    db.session.execute(sa.delete(DURATIONS).where(DURATIONS.c.day >= first, DURATIONS.c.day <= last))
    for spec in kpis.SPECS:
        _roll(spec, first, last, now)


def _state() -> FigureRollupState | None:
    return db.session.get(FigureRollupState, 1)


def _record(through: dt.date, rebuilt_on: dt.date | None) -> None:
    values = {"id": 1, "through": through, "rebuilt_on": rebuilt_on or through, "updated_at": utcnow()}
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FigureRollupState.__table__).values(values)
    keep = {"through": stmt.excluded.through, "updated_at": stmt.excluded.updated_at}
    if rebuilt_on is not None:
        keep["rebuilt_on"] = stmt.excluded.rebuilt_on
    db.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=keep))
    db.session.expire_all()


def rebuild(today: dt.date | None = None) -> dt.date | None:
    """Every day from the first case up to yesterday (the caller commits). Returns `through`."""
    today = today or today_cn()
    first_instant = db.session.scalar(sa.select(sa.func.min(C.c.created_at)))
    if first_instant is None:
        return None
    first = first_instant.astimezone(CHINA).date()
    through = today - dt.timedelta(days=1)
    db.session.execute(sa.delete(DAILY))
    db.session.execute(sa.delete(DURATIONS))
    if first <= through:
        _recompute(first, through, today)
    _record(through, today)
    if db.engine.dialect.name == "postgresql":  # fresh statistics, or the planner scans whole tables
        db.session.execute(sa.text("ANALYZE figure_daily, figure_durations"))
    return through


def refresh(today: dt.date | None = None, days_back: int = REFRESH_DAYS) -> dt.date | None:
    """The last `days_back` days up to yesterday; a full rebuild when there is none yet or not today."""
    today = today or today_cn()
    state = _state()
    if state is None or state.rebuilt_on < today:
        return rebuild(today)
    through = today - dt.timedelta(days=1)
    _recompute(through - dt.timedelta(days=days_back - 1), through, today)
    _record(through, None)
    return through


def reach() -> dt.date | None:
    """The last day the roll-ups cover, or None when there are none."""
    state = _state()
    return state.through if state else None
