"""Daily roll-ups of the figures, kept by the worker; `kpis.compute` reads them for the days they cover.

Every figure counts each case on one day (`kpis.Spec.day`), so a period's numerator and denominator are
sums over its days. `refresh` recomputes the last `days_back` China days up to yesterday from the cases
(every 10 minutes in the worker), `rebuild` every day (once a night); both record how far they reach in
`figure_rollup_state`. What is kept, per figure and China day:

- `figure_daily`: numerator and denominator of each station's subtree (a case counts for its station and
  every station above it, as the figures count it), so a district's year is 365 rows per figure;
- for the medians, `figure_buckets`: how many of each station's own cases fall in each bucket of 0.01 h or
  0.01 day (`kpis.bucket_of`), and `figure_coarse`: the same by whole hours or days per subtree.

The days up to yesterday are rolled up for good (as the cases stood at midnight); today and the later days
a case can already count on (a deadline met early that falls due later) are rolled up as the cases stand
at each refresh (`live_at`, at most 10 minutes old in the worker). `kpis.compute` takes the days up to
`live_through` from these and computes any later day directly. What a roll-up can miss until the next refresh or nightly rebuild: a change to a case counted on a
day older than `days_back` (a reopened or transferred old case, a late hand-off to 12315), and a station
moved to another parent (subtree totals follow the tree as it was at the roll-up).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.complaints.models import Complaint, ComplaintDeadline
from app.core.extensions import db
from app.core.timeutil import CHINA, utcnow
from app.directory.models import Station
from app.figures import kpis
from app.figures.models import FigureBucket, FigureCoarse, FigureDaily, FigureRollupState

C = Complaint.__table__
D = ComplaintDeadline.__table__
DAILY = FigureDaily.__table__
BUCKETS = FigureBucket.__table__
COARSE = FigureCoarse.__table__
S = Station.__table__
REFRESH_DAYS = 7


def china_day(instant):
    """The China calendar date of a stored UTC instant, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("Asia/Shanghai", instant), sa.Date)
    return sa.func.date(instant, "+8 hours")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def _closure():
    """(station_id, ancestor_id) for every station and each station above it, itself included: a VALUES
    list built here from the tree (a thousand stations, a few thousand pairs), so the planner knows its
    size (a recursive query's estimate is off a hundredfold and spills the roll-ups to disk)."""
    parents = dict(db.session.execute(sa.select(S.c.id, S.c.parent_id)).all())
    pairs = []
    for station in parents:
        seen, above = set(), station
        while above is not None and above not in seen:  # a cycle (refused by the console) ends the walk
            seen.add(above)
            pairs.append((station, above))
            above = parents.get(above)
    columns = (sa.column("station_id", sa.Integer), sa.column("ancestor_id", sa.Integer))
    return sa.values(*columns, name="up", literal_binds=True).data(pairs or [(0, 0)]).cte("up")


def _roll(spec: kpis.Spec, first: dt.date, last: dt.date, now: dt.datetime) -> None:
    """One figure's rows for the days `first` to `last`, inserted in key order: the rows a query reads
    (one subtree's days, one station's buckets) then sit together on disk."""
    day = china_day(spec.day()).label("day")
    start, end = _midnight(first), _midnight(last + dt.timedelta(days=1))
    base = kpis.filtered(spec, sa.select().select_from(C), now).where(*kpis.between(spec, start, end))
    key = sa.literal(spec.key)
    up = _closure()
    if spec.aggregate == "median":
        bucket = spec.bucket().label("bucket")
        rows = base.add_columns(key, C.c.station_id, bucket, day, sa.func.count())
        rows = rows.group_by(C.c.station_id, bucket, day).order_by(C.c.station_id, bucket, day)  # key order
        db.session.execute(sa.insert(BUCKETS).from_select(["key", "station_id", "bucket", "day", "n"], rows))
        B = BUCKETS.c
        unit = B.bucket // 100
        coarse = (
            sa.select(key, up.c.ancestor_id, B.day, unit, sa.func.sum(B.n))
            .join(up, up.c.station_id == B.station_id)
            .where(B.key == spec.key, B.day >= first, B.day <= last)
            .group_by(up.c.ancestor_id, B.day, unit)
            .order_by(up.c.ancestor_id, B.day, unit)
        )
        db.session.execute(sa.insert(COARSE).from_select(["key", "station_id", "day", "coarse", "n"], coarse))
        return
    if spec.aggregate == "sum":
        numerator = sa.func.coalesce(sa.func.sum(spec.measure()), 0)
    else:
        numerator = sa.func.sum(sa.case((spec.numerator(), 1), else_=0))
    own = (
        base.add_columns(
            day, C.c.station_id, numerator.label("numerator"), sa.func.count().label("denominator")
        )
        .group_by(day, C.c.station_id)
        .subquery()
    )
    rows = (
        sa.select(
            key, up.c.ancestor_id, own.c.day, sa.func.sum(own.c.numerator), sa.func.sum(own.c.denominator)
        )
        .join(up, up.c.station_id == own.c.station_id)
        .group_by(up.c.ancestor_id, own.c.day)
        .order_by(up.c.ancestor_id, own.c.day)
    )
    db.session.execute(
        sa.insert(DAILY).from_select(["key", "station_id", "day", "numerator", "denominator"], rows)
    )


def _recompute(first: dt.date, last: dt.date, now: dt.datetime) -> None:
    for table in (DAILY, BUCKETS, COARSE):
        db.session.execute(sa.delete(table).where(table.c.day >= first, table.c.day <= last))
    for spec in kpis.SPECS:
        _roll(spec, first, last, now)


def _state() -> FigureRollupState | None:
    return db.session.get(FigureRollupState, 1)


def _record(
    through: dt.date, rebuilt_on: dt.date | None, live_through: dt.date, live_at: dt.datetime
) -> None:
    values = {
        "id": 1,
        "through": through,
        "rebuilt_on": rebuilt_on or through,
        "live_through": live_through,
        "live_at": live_at,
        "updated_at": utcnow(),
    }
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FigureRollupState.__table__).values(values)
    keep = {k: stmt.excluded[k] for k in ("through", "live_through", "live_at", "updated_at")}
    if rebuilt_on is not None:
        keep["rebuilt_on"] = stmt.excluded.rebuilt_on
    db.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=keep))
    db.session.expire_all()


def _from_today(today: dt.date, now: dt.datetime) -> dt.date:
    """Today and every later day a case can count on (a deadline already met that falls due later), as
    the cases stand now. Returns the last such day."""
    latest = db.session.scalar(sa.select(sa.func.max(D.c.due_at)))
    last = max(today, latest.astimezone(CHINA).date()) if latest is not None else today
    _recompute(today, last, now)
    return last


def rebuild(today: dt.date | None = None, now: dt.datetime | None = None) -> dt.date | None:
    """Every day from the first case up to yesterday, and today on as of `now` (the caller commits).
    Returns `through`, the last day rolled up for good."""
    now = now or utcnow()
    today = today or now.astimezone(CHINA).date()
    first_instant = db.session.scalar(sa.select(sa.func.min(C.c.created_at)))
    if first_instant is None:
        return None
    first = first_instant.astimezone(CHINA).date()
    through = today - dt.timedelta(days=1)
    for table in (DAILY, BUCKETS, COARSE):
        db.session.execute(sa.delete(table))
    if first <= through:
        _recompute(first, through, _midnight(today))  # every deadline counting before today has passed
    _record(through, today, _from_today(today, now), now)
    if db.engine.dialect.name == "postgresql":  # fresh statistics, or the planner scans whole tables
        db.session.execute(sa.text("ANALYZE figure_daily, figure_buckets, figure_coarse"))
    return through


def refresh(
    today: dt.date | None = None, days_back: int = REFRESH_DAYS, now: dt.datetime | None = None
) -> dt.date | None:
    """Today on as of `now`, and the last `days_back` days up to yesterday; a full rebuild when there is
    none yet or not today."""
    now = now or utcnow()
    today = today or now.astimezone(CHINA).date()
    state = _state()
    if state is None or state.rebuilt_on < today:
        return rebuild(today, now)
    through = today - dt.timedelta(days=1)
    _recompute(through - dt.timedelta(days=days_back - 1), through, _midnight(today))
    _record(through, None, _from_today(today, now), now)
    return through


def reach() -> dt.date | None:
    """The last day the roll-ups cover, or None when there are none."""
    state = _state()
    return state.through if state else None
