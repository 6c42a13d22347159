"""The key figures for a period and a station subtree, each with its numerator and denominator.

    scope = kpis.make_scope(date(2026, 1, 1), date(2026, 12, 31), station="某区12315中心")
    for figure in kpis.compute(scope): ...            # Figure(key, numerator, denominator, value)
    for case in kpis.cases("on_time_check", scope): ...  # the cases behind it, in_numerator marked

Each figure is one `Spec`: the rows it reads (complaints, joined to one kind of stored deadline or to the
rating event), which of them form the denominator and which of those the numerator. `compute` aggregates
the spec in the database; `cases` lists the same rows, so a figure can be recomputed by hand. The
definitions in words are in `app.figures.definitions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.complaints import publication
from app.complaints.access import station_ids_under
from app.complaints.models import Complaint, ComplaintDeadline, ComplaintEvent, ComplaintKind, Status
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.core.models import parse_id
from app.core.timeutil import CHINA, utcnow
from app.directory.models import Station
from app.figures.definitions import BY_KEY, FIGURES, Definition
from app.figures.models import FigureBucket, FigureCoarse, FigureDaily, FigureRollupState
from app.figures.texts import FIELDS

C = Complaint.__table__
D = ComplaintDeadline.__table__
E = ComplaintEvent.__table__
MAX_DAYS = 3660  # ten years in one query is the most anyone needs


@dataclass(frozen=True)
class Scope:
    first_day: dt.date
    last_day: dt.date
    now: dt.datetime
    station_name: str | None = None
    station_ids: tuple[int, ...] | None = None  # None: every station
    store_ids: tuple[int, ...] | None = None  # None: every store
    #: The stations whose subtrees `station_ids` is (what the roll-ups are kept by); None with
    #: `station_ids` set: the figures are computed from the cases.
    roots: tuple[int, ...] | None = None

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: midnight in China after the last day."""
        return _midnight(self.last_day + dt.timedelta(days=1))

    @property
    def until(self) -> dt.datetime:
        """The period's end, or now when the period has not ended: what "passed" means here."""
        return min(self.end, self.now)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)


def find_station(value: str) -> Station:
    """A station by its exact name or its id."""
    value = (value or "").strip()
    station = db.session.scalar(sa.select(Station).where(Station.name == value))
    if station is None and (station_id := parse_id(value)) is not None:
        station = db.session.get(Station, station_id)
    if station is None:
        raise NotFound("station_not_found")
    return station


def make_scope(
    first_day: dt.date, last_day: dt.date, station: str | None = None, *, now: dt.datetime | None = None
) -> Scope:
    if last_day < first_day:
        raise ValidationFailed({"to": FIELDS["period_reversed"]}, code="figures_period_invalid")
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValidationFailed({"to": FIELDS["period_too_long"]}, code="figures_period_invalid")
    if not station:
        return Scope(first_day, last_day, now or utcnow())
    found = find_station(station)
    ids = tuple(sorted(station_ids_under(found)))
    return Scope(first_day, last_day, now or utcnow(), found.name, ids, roots=(found.id,))


# --- the figures -------------------------------------------------------------------------------


def _in(column, scope: Scope):
    return sa.and_(column >= scope.start, column < scope.end)


def _deadline_join(kind):
    return sa.and_(D.c.complaint_id == C.c.id, D.c.kind == kind)


def _deadline_counts(now: dt.datetime):
    """A deadline counts once met, or once passed without being met (late, even if still open). One
    cancelled before it fell due (withdrawn, settled) does not count."""
    return sa.and_(
        sa.or_(D.c.met_at.is_not(None), D.c.due_at < now),
        sa.or_(D.c.met_at.is_not(None), D.c.cancelled_at.is_(None), D.c.cancelled_at >= D.c.due_at),
    )


def _met_on_time():
    return sa.and_(D.c.met_at.is_not(None), D.c.met_at <= D.c.due_at)


# The closing deadline: mediation once the station accepted the case, the merchant's settlement limit
# while the merchant had it.
_CLOSING_KIND = sa.case((C.c.accepted_at.is_not(None), "mediation"), else_="merchant_settle")
_RESOLVED_ON_TIME = sa.and_(C.c.resolved_at.is_not(None), C.c.resolved_at <= D.c.due_at)


def _close_counts(now: dt.datetime):
    """Resolved by the closing deadline, or the deadline passed first (late from that moment, resolved
    since or not); a suspended case's clock is paused, and a deadline cancelled before it fell due
    (withdrawn) does not count."""
    return sa.or_(
        _RESOLVED_ON_TIME,
        sa.and_(
            D.c.due_at < now,
            sa.or_(D.c.cancelled_at.is_(None), D.c.cancelled_at >= D.c.due_at),
            C.c.status != Status.SUSPENDED,
        ),
    )


def _seconds(later, earlier):
    if db.engine.dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def bucket_of(later, earlier, scale: int):
    """A duration in hundredths of its unit (`scale` seconds: 0.01 h, 0.01 day), rounded half up: the
    precision a median is shown with. Exact on PostgreSQL (microseconds); SQLite's dates are read to the
    millisecond. A negative duration (a step stamped before the filing) counts as 0."""
    if db.engine.dialect.name == "postgresql":  # numeric seconds: exact
        value = sa.func.floor((sa.extract("epoch", later - earlier) * 100 + scale // 2) / scale)
        return sa.func.greatest(sa.cast(value, sa.Integer), 0)
    days = sa.func.julianday(later) - sa.func.julianday(earlier)
    ms = sa.cast(sa.func.round(days * 86400000), sa.Integer)
    return sa.func.max((ms * 100 + scale * 500) // (scale * 1000), 0)  # SQLite's max of two: the larger


def _always(now: dt.datetime):
    return sa.true()


@dataclass(frozen=True)
class Spec:
    """One figure: each case in it counts on one day (`day`, an instant), so a period's figure is the
    sum of its days' (what the worker's roll-ups keep), and a case is never counted in two periods."""

    key: str
    kind: str | None  # "complaint" | "report" | None (both)
    join: Callable[[], object] | None  # extra table and ON clause, or None (complaints alone)
    day: Callable[[], object]  # the instant the case counts at
    counts: Callable[[dt.datetime], object]  # given now: whether the case counts (besides its day)
    numerator: Callable[[], object]  # evaluated within the denominator
    aggregate: str = "rate"  # rate | sum | median | count
    measure: Callable[[], object] | None = None  # what is summed, or whose median is taken (seconds)
    scale: int = 1  # seconds per unit of a median (3600: hours, 86400: days)
    bucket: Callable[[], object] | None = None  # a median's measure as `bucket_of` gives it
    dates: tuple[str, ...] = ()  # columns the drill-down shows for this figure
    #: When `day` is an expression no index serves: a looser condition on indexed columns that every row
    #: counting between two instants meets (it changes no result, only the plan).
    prefilter: Callable[[dt.datetime, dt.datetime], object] | None = None
    #: Disjoint conditions that together select the same rows, each served by an index of its own table;
    #: a rate is then summed over one query per branch (a plain OR across two tables is a full scan).
    branches: Callable[[dt.datetime, dt.datetime], tuple] | None = None


def _spec_deadline(key: str, kind: str, deadline_kind: str) -> Spec:
    return Spec(
        key,
        kind,
        lambda: (D, _deadline_join(deadline_kind)),
        lambda: D.c.due_at,
        _deadline_counts,
        _met_on_time,
        dates=("due_at", "met_at"),
    )


def _spec_median(key: str, column: str, scale: int, counts) -> Spec:
    """The median time from filing to `column`, counted on the day of `column`."""
    return Spec(
        key,
        "complaint",
        None,
        lambda: C.c[column],
        counts,
        sa.true,
        aggregate="median",
        measure=lambda: _seconds(C.c[column], C.c.created_at),
        scale=scale,
        bucket=lambda: bucket_of(C.c[column], C.c.created_at, scale),
        dates=(column,),
    )


SPECS: tuple[Spec, ...] = (
    _spec_deadline("on_time_check", "complaint", "accept_decline"),
    Spec(
        "on_time_close",
        "complaint",
        lambda: (D, _deadline_join(_CLOSING_KIND)),
        lambda: sa.case((_RESOLVED_ON_TIME, C.c.resolved_at), else_=D.c.due_at),
        _close_counts,
        lambda: _RESOLVED_ON_TIME,
        dates=("due_at", "resolved_at"),
        # Resolved on time means resolved by the deadline, so the deadline is never before the day.
        prefilter=lambda start, end: sa.and_(
            D.c.kind.in_(("mediation", "merchant_settle")), D.c.due_at >= start
        ),
        # Resolved on time: counted the day it was resolved; late: the day the deadline passed.
        branches=lambda start, end: (
            sa.and_(_RESOLVED_ON_TIME, C.c.resolved_at >= start, C.c.resolved_at < end),
            sa.and_(
                sa.not_(_RESOLVED_ON_TIME),
                D.c.kind.in_(("mediation", "merchant_settle")),
                D.c.due_at >= start,
                D.c.due_at < end,
            ),
        ),
    ),
    Spec(
        "mediation_success",
        "complaint",
        None,
        lambda: sa.case(
            (C.c.resolved_at.is_not(None), C.c.resolved_at),
            (C.c.status == Status.WITHDRAWN, C.c.closed_at),
        ),
        lambda now: C.c.accepted_at.is_not(None),
        lambda: C.c.outcome.in_(("agreement", "settled")),
        dates=("accepted_at", "resolved_at"),
        prefilter=lambda start, end: sa.or_(
            sa.and_(C.c.resolved_at >= start, C.c.resolved_at < end),
            sa.and_(C.c.closed_at >= start, C.c.closed_at < end),
        ),
    ),
    Spec(
        "satisfaction",
        "complaint",
        lambda: (E, sa.and_(E.c.complaint_id == C.c.id, E.c.action == "rated")),
        lambda: E.c.at,
        lambda now: C.c.rating.is_not(None),
        lambda: C.c.rating >= 4,
        dates=("rated_at",),
    ),
    Spec(
        "recovered",
        "complaint",
        None,
        lambda: C.c.resolved_at,
        _always,
        lambda: C.c.amount_recovered.is_not(None),
        aggregate="sum",
        measure=lambda: C.c.amount_recovered,
        dates=("resolved_at",),
    ),
    Spec(
        "confirmed_resolution",
        "complaint",
        None,
        lambda: C.c.closed_at,
        lambda now: C.c.status == Status.CLOSED,
        lambda: C.c.consumer_confirmed.is_(True),
        dates=("resolved_at", "closed_at"),
    ),
    _spec_median(
        "first_response_median", "first_response_at", 3600, lambda now: C.c.merchant_first.is_(False)
    ),
    _spec_median("close_median", "resolved_at", 86400, _always),
    Spec(
        "merchant_first_settlement",
        "complaint",
        lambda: (D, _deadline_join("merchant_settle")),
        # The merchant phase ends when settled, handed to the station or withdrawn, else at its limit.
        lambda: sa.func.coalesce(D.c.met_at, D.c.cancelled_at, D.c.due_at),
        lambda now: sa.or_(D.c.met_at.is_not(None), D.c.cancelled_at.is_not(None), D.c.due_at < now),
        lambda: sa.and_(D.c.met_at.is_not(None), C.c.outcome == "settled", C.c.accepted_at.is_(None)),
        dates=("due_at", "met_at"),
    ),
    _spec_deadline("reports_on_time", "report", "clue_verification"),
    Spec(
        "publicity_rate",
        "complaint",
        None,
        lambda: C.c.resolved_at,
        lambda now: sa.and_(C.c.status.in_(publication.ENDED), publication.not_withdrawn()),
        lambda: sa.and_(publication.content_cleared(), C.c.public_summary.is_not(None)),
        dates=("resolved_at",),
    ),
    Spec(
        "handed_off",
        None,
        None,
        lambda: C.c.handed_off_at,
        _always,
        sa.true,
        aggregate="count",
        dates=("handed_off_at",),
    ),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}
assert [s.key for s in SPECS] == [d.key for d in FIGURES], "one spec per defined figure, in order"


def filtered(spec: Spec, query: sa.Select, now: dt.datetime, station_ids=None, store_ids=None) -> sa.Select:
    """The spec's rows, apart from the period: its table, kind, counting rule, hand-offs, scope."""
    if spec.join is not None:
        table, on = spec.join()
        query = query.join(table, on)
    conditions = [spec.counts(now)]
    if spec.key == "handed_off":
        conditions.append(C.c.handed_off_at.is_not(None))
    else:
        conditions.append(C.c.handed_off_at.is_(None))
    if spec.kind is not None:
        conditions.append(C.c.kind == ComplaintKind(spec.kind))
    if station_ids is not None:
        conditions.append(C.c.station_id.in_(station_ids))
    if store_ids is not None:
        conditions.append(C.c.store_id.in_(store_ids))
    return query.where(*conditions)


def _base(spec: Spec, scope: Scope, columns: list, start=None, end=None) -> sa.Select:
    """The spec's rows counting in the scope's period (or between `start` and `end`, instants)."""
    return filtered(
        spec, sa.select(*columns).select_from(C), scope.now, scope.station_ids, scope.store_ids
    ).where(*between(spec, start or scope.start, end or scope.end))


def between(spec: Spec, start: dt.datetime, end: dt.datetime) -> list:
    """The conditions for the rows of `spec` counting from `start` (included) to `end` (excluded)."""
    day = spec.day()
    conditions = [day >= start, day < end]
    if spec.prefilter is not None:
        conditions.append(spec.prefilter(start, end))
    return conditions


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    unit: str
    numerator: Decimal | int  # cases (rates), yuan (sum), cases measured (median), cases (count)
    denominator: int
    value: Decimal | None  # a percentage, yuan, hours or days; None when the denominator is 0

    @property
    def definition(self) -> Definition:
        return BY_KEY[self.key]

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "numerator": str(self.numerator),
            "denominator": self.denominator,
            "value": None if self.value is None else str(self.value),
            "definition": self.definition.zh,
        }


def _two(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ranks(count: int) -> tuple[int, int]:
    """The ranks (1-based) of the middle value, or of the two middle values when the count is even."""
    return (count + 1) // 2, count // 2 + 1


def _at_ranks(histogram, ranks, before: int = 0) -> dict:
    """{rank: (value, how many values lie below it)} for a histogram of (value, count) in value order
    that starts after `before` smaller values."""
    found, seen = {}, before
    for value, count in histogram:
        for rank in ranks:
            if rank not in found and seen < rank <= seen + count:
                found[rank] = (value, seen)
        seen += count
    return found


def _median_value(low: int, high: int) -> Decimal:
    """The median shown, from the middle buckets (hundredths of the unit): their mean, rounded half up."""
    return _two(Decimal(low + high) / 200)


def median_of(histogram) -> Decimal | None:
    """The median of durations given as (bucket, count) in bucket order (see "Figures for regulators")."""
    histogram = list(histogram)
    ranks = _ranks(sum(count for _, count in histogram))
    if not histogram:
        return None
    found = _at_ranks(histogram, ranks)
    return _median_value(found[ranks[0]][0], found[ranks[1]][0])


def _medians(spec: Spec, scope: Scope, group) -> dict:
    """{group: (count, median)} from the cases: each case's bucket, counted per group."""
    bucket = spec.bucket().label("bucket")
    if group is None:
        query = _base(spec, scope, [sa.null().label("group"), bucket, sa.func.count()]).group_by(bucket)
    else:
        query = _base(spec, scope, [group, bucket, sa.func.count()]).group_by(group, bucket)
    histograms: dict = {}
    for key, value, count in db.session.execute(query.order_by(*query.selected_columns[:2])):
        histograms.setdefault(key, []).append((value, count))
    return {
        key: (sum(count for _, count in histogram), median_of(histogram))
        for key, histogram in histograms.items()
    }


def _select(spec: Spec, scope: Scope, group, aggregates: list) -> sa.Select:
    if group is None:  # one row for the whole scope, keyed None
        return _base(spec, scope, [sa.null().label("group"), *aggregates])
    return _base(spec, scope, [group, *aggregates]).group_by(group)


def grouped(key: str, scope: Scope, group=None) -> dict:
    """The figure per value of `group` (a column such as `C.c.store_id`), or overall under None."""
    spec = SPEC_BY_KEY[key]
    definition = BY_KEY[key]

    def made(numerator, denominator, value) -> Figure:
        return Figure(key, definition.name, definition.unit, numerator, denominator, value)

    if spec.aggregate == "median":
        return {k: made(count, count, value) for k, (count, value) in _medians(spec, scope, group).items()}
    if spec.aggregate == "sum":
        total = sa.func.coalesce(sa.func.sum(spec.measure()), 0)
        rows = db.session.execute(_select(spec, scope, group, [total, sa.func.count()]))
        return {k: made(_two(t), int(n), _two(t)) for k, t, n in rows}
    hits = sa.func.coalesce(sa.func.sum(sa.case((spec.numerator(), 1), else_=0)), 0)
    totals: dict = {}
    for branch in spec.branches(scope.start, scope.end) if spec.branches else (None,):
        query = _select(spec, scope, group, [hits, sa.func.count()])
        for k, numerator, denominator in db.session.execute(query if branch is None else query.where(branch)):
            sums = totals.setdefault(k, [0, 0])
            sums[0] += int(numerator)
            sums[1] += int(denominator)
    out = {}
    for k, (numerator, denominator) in totals.items():
        if spec.aggregate == "count":
            out[k] = made(denominator, denominator, Decimal(denominator))
        else:
            value = _two(Decimal(numerator) * 100 / denominator) if denominator else None
            out[k] = made(numerator, denominator, value)
    return out


def _made(spec: Spec, numerator, denominator: int) -> Figure:
    definition = BY_KEY[spec.key]
    if spec.aggregate == "sum":
        total = _two(numerator)
        return Figure(spec.key, definition.name, definition.unit, total, denominator, total)
    if spec.aggregate == "count":
        return Figure(
            spec.key, definition.name, definition.unit, denominator, denominator, Decimal(denominator)
        )
    numerator = int(numerator)
    value = _two(Decimal(numerator) * 100 / denominator) if denominator else None
    return Figure(spec.key, definition.name, definition.unit, numerator, denominator, value)


def _direct(key: str, scope: Scope) -> Figure:
    """One figure for the whole scope from the cases; an empty scope has a zero denominator and no rate."""
    found = grouped(key, scope).get(None)
    if found is not None:
        return found
    spec = SPEC_BY_KEY[key]
    if spec.aggregate == "median":
        return Figure(key, BY_KEY[key].name, BY_KEY[key].unit, 0, 0, None)
    return _made(spec, 0, 0)


FD = FigureDaily.__table__
FB = FigureBucket.__table__
FC = FigureCoarse.__table__


def _roots(scope: Scope) -> tuple[int, ...] | None:
    """The stations whose subtree totals make up the scope: its roots, or every top station."""
    if scope.station_ids is not None:
        return scope.roots
    return tuple(db.session.scalars(sa.select(Station.id).where(Station.parent_id.is_(None))))


def _histogram(rows) -> dict:
    out: dict = {}
    for value, count in rows:
        out[value] = out.get(value, 0) + int(count)
    return out


def _rolled_median(spec: Spec, scope: Scope, rolled_last: dt.date, live: Scope | None, roots) -> Figure:
    """The median from the roll-ups: the whole units (hours, days) first, to find the one or two units
    the middle values lie in, then the hundredths within them only."""
    days = (FC.c.key == spec.key, FC.c.day >= scope.first_day, FC.c.day <= rolled_last)
    coarse_rows = db.session.execute(
        sa.select(FC.c.coarse, sa.func.sum(FC.c.n))
        .where(*days, FC.c.station_id.in_(roots))
        .group_by(FC.c.coarse)
    ).all()
    bucket = spec.bucket()
    if live is not None:
        unit = (bucket // 100).label("coarse")
        coarse_rows += db.session.execute(_base(spec, live, [unit, sa.func.count()]).group_by(unit)).all()
    coarse = sorted(_histogram(coarse_rows).items())
    count = sum(n for _, n in coarse)
    definition = BY_KEY[spec.key]
    if not count:
        return Figure(spec.key, definition.name, definition.unit, 0, 0, None)
    ranks = _ranks(count)
    found = _at_ranks(coarse, ranks)
    (low_unit, before), (high_unit, _) = found[ranks[0]], found[ranks[1]]
    lowest, highest = low_unit * 100, high_unit * 100 + 99
    stations = scope.station_ids or tuple(db.session.scalars(sa.select(Station.id)))
    fine = sa.select(FB.c.bucket, sa.func.sum(FB.c.n)).where(
        FB.c.key == spec.key,
        FB.c.station_id.in_(stations),
        FB.c.bucket.between(lowest, highest),
        FB.c.day >= scope.first_day,
        FB.c.day <= rolled_last,
    )
    fine_rows = db.session.execute(fine.group_by(FB.c.bucket)).all()
    if live is not None:
        value = bucket.label("bucket")
        part = _base(spec, live, [value, sa.func.count()]).where(bucket.between(lowest, highest))
        fine_rows += db.session.execute(part.group_by(value)).all()
    middle = _at_ranks(sorted(_histogram(fine_rows).items()), ranks, before)
    value = _median_value(middle[ranks[0]][0], middle[ranks[1]][0])
    return Figure(spec.key, definition.name, definition.unit, count, count, value)


def figure(key: str, scope: Scope, *, through: dt.date | None = None) -> Figure:
    """One figure: the days up to `through` from the worker's roll-ups, the rest from the cases.

    A store's record (`scope.store_ids`) is always computed from the cases (roll-ups are per station),
    and so is a set of stations not given as subtrees (`scope.roots`).
    """
    spec = SPEC_BY_KEY[key]
    roots = _roots(scope)
    if through is None or scope.store_ids is not None or roots is None or through < scope.first_day:
        return _direct(key, scope)
    rolled_last = min(scope.last_day, through)
    live = replace(scope, first_day=through + dt.timedelta(days=1)) if through < scope.last_day else None
    if spec.aggregate == "median":
        return _rolled_median(spec, scope, rolled_last, live, roots)
    query = sa.select(
        sa.func.coalesce(sa.func.sum(FD.c.numerator), 0), sa.func.coalesce(sa.func.sum(FD.c.denominator), 0)
    )
    query = query.where(
        FD.c.key == key, FD.c.day >= scope.first_day, FD.c.day <= rolled_last, FD.c.station_id.in_(roots)
    )
    numerator, denominator = db.session.execute(query).one()
    numerator, denominator = Decimal(numerator), int(denominator)
    if live is not None:
        part = _direct(key, live)
        numerator += Decimal(part.numerator)
        denominator += part.denominator
    return _made(spec, numerator, denominator)


def rollup_reach() -> dt.date | None:
    """The last day the worker's roll-ups cover (`app.figures.rollups`: today and later days as of its
    last refresh), or None."""
    state = db.session.get(FigureRollupState, 1)
    if state is None:
        return None
    return state.live_through or state.through


def compute(scope: Scope, keys: tuple[str, ...] | None = None, *, rolled: bool = True) -> list[Figure]:
    """Every figure (or those named) for the scope, in the order of the definitions; from the roll-ups
    for the days they cover unless `rolled` is False."""
    through = rollup_reach() if rolled else None
    return [figure(spec.key, scope, through=through) for spec in SPECS if keys is None or spec.key in keys]


# --- drill-down --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    number: str
    kind: str
    status: str
    station_id: int
    store_id: int
    filed_at: dt.datetime
    in_numerator: bool
    dates: dict  # the dates this figure rests on (due_at, met_at, resolved_at, ...), UTC
    measure: Decimal | float | None  # the amount summed or the seconds whose median is taken


_DATE_COLUMNS = {
    "due_at": D.c.due_at,
    "met_at": D.c.met_at,
    "accepted_at": C.c.accepted_at,
    "resolved_at": C.c.resolved_at,
    "closed_at": C.c.closed_at,
    "first_response_at": C.c.first_response_at,
    "handed_off_at": C.c.handed_off_at,
    "rated_at": E.c.at,
}


def cases(
    key: str, scope: Scope, *, batch: int = 1000, offset: int = 0, limit: int | None = None
) -> Iterator[Case]:
    """The cases behind a figure: its denominator, each marked whether it is in the numerator.

    Streamed in batches (never every row in memory), ordered by filing time and then id, an order with
    no ties (the joined row's id last), so pages (`offset`, `limit`, applied in SQL) together hold every case exactly once.
    """
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise NotFound("figure_not_found")
    dates = [_DATE_COLUMNS[name].label(name) for name in spec.dates]
    measure = spec.measure().label("measure") if spec.measure else sa.null().label("measure")
    columns = [
        C.c.number,
        C.c.kind,
        C.c.status,
        C.c.station_id,
        C.c.store_id,
        C.c.created_at,
        sa.case((spec.numerator(), True), else_=False).label("in_numerator"),
        measure,
        *dates,
    ]
    # The joined row's id breaks the tie between two rows of one complaint (rated again after a reopening).
    order = [C.c.created_at, C.c.id] + ([spec.join()[0].c.id] if spec.join else [])
    query = _base(spec, scope, columns).order_by(*order).offset(max(0, offset))
    if limit is not None:
        query = query.limit(max(0, limit))
    result = db.session.execute(query.execution_options(yield_per=batch))
    for row in result:
        yield Case(
            number=row.number,
            kind=row.kind,
            status=row.status,
            station_id=row.station_id,
            store_id=row.store_id,
            filed_at=row.created_at,
            in_numerator=bool(row.in_numerator),
            dates={name: getattr(row, name) for name in spec.dates},
            measure=row.measure,
        )
