"""The medians from the worker's histograms equal the medians from the cases, to the shown 0.01.

Each duration is rounded half up to 0.01 of the figure's unit (0.01 h, 0.01 day): the median is the
middle rounded duration, or the mean of the two middle ones, rounded half up. The cases below sit on
the edges of those buckets and of the whole hours and days the roll-ups search first.
"""

import datetime as dt
from decimal import Decimal

import pytest

from app.complaints import flow
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.directory.models import StationKind
from app.figures import kpis, rollups
from tests import factories
from tests.figures.june import STAFF, case, cn

TODAY = dt.date(2026, 7, 15)  # rolled up for good to 07-14; 07-15 as of NOW (the last refresh)
NOW = dt.datetime(2026, 7, 15, 18, tzinfo=CHINA).astimezone(dt.UTC)
JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
S, H, D = dt.timedelta(seconds=1), dt.timedelta(hours=1), dt.timedelta(days=1)


def answered(w, filed, after, **fields):
    return case(w, filed, first_response_at=filed + after, **fields)


@pytest.fixture
def world(ctx):
    city = factories.city()
    store = factories.store(circle=city["circle"], region=city["region"])
    other_office = factories.station(
        StationKind.REGULATORY_OFFICE, name="另一监管所", parent=city["centre"], region=city["region"]
    )
    other_store = factories.store(station=other_office, region=city["region"])
    db.session.flush()
    w = {"city": city, "store": store, "other_store": other_store, "other_office": other_office}
    c = {}
    # First answers in June at the service station, in seconds: 17.999 (0.004999 h: bucket 0), 18 (0.005 h
    # rounds up: bucket 1), 3581.999 (0.99499 h: 99, whole hour 0), 3582 (0.995 h rounds up to 1.00: 100,
    # whole hour 1), 7200 (200).
    c["a"] = answered(w, cn(6, 1), 17.999 * S)
    c["b"] = answered(w, cn(6, 2), 18 * S)
    c["c"] = answered(w, cn(6, 3), 3581.999 * S)
    c["d"] = answered(w, cn(6, 4), 3582 * S)
    c["e"] = answered(w, cn(6, 5), 2 * H)
    # f: 30 h, filed at the other office and transferred to the service station: counts there.
    c["f"] = answered(w, cn(6, 6), 30 * H, store=other_store)
    # g: answered after 5 min, but merchant-first (left out); h: handed off to 12315 (left out).
    c["g"] = answered(w, cn(6, 7), 300 * S, merchant_first=True)
    c["h"] = answered(w, cn(6, 8), 400 * S, handed_off_at=cn(6, 20))
    # i: at the other office, 10 h.
    c["i"] = answered(w, cn(6, 9), 10 * H, store=other_store)
    # Resolutions in June (filing to resolution, days): 0.005 day (432 s, rounds up to 0.01), 3.0, 20.994999.
    c["r1"] = case(w, cn(6, 10), resolved_at=cn(6, 10) + 432 * S)
    c["r2"] = case(w, cn(6, 11), resolved_at=cn(6, 14))
    c["r3"] = case(w, cn(6, 1), resolved_at=cn(6, 1) + 20 * D + 85967.999 * S)
    # Today (live, 07-15): answered after 1 h and after 59 min 42 s (0.995 h, rounds up to 1.00 h).
    c["t1"] = answered(w, cn(7, 15, 9), H)
    c["t2"] = answered(w, cn(7, 15, 10), 3582 * S)
    db.session.flush()
    flow.transfer(c["f"], STAFF, city["service"], "属地管辖")
    db.session.commit()
    assert rollups.rebuild(TODAY, NOW) == dt.date(2026, 7, 14)
    db.session.commit()
    w["cases"] = c
    return w


def median(key, first, last, station=None, rolled=True):
    scope = kpis.make_scope(first, last, station, now=NOW)
    f = {f.key: f for f in kpis.compute(scope, rolled=rolled)}[key]
    return f.denominator, f.value


def test_median_of_buckets_takes_the_middle_or_the_mean_of_the_two_middle():
    assert kpis.median_of([]) is None
    assert kpis.median_of([(0, 1), (1, 1), (99, 1)]) == Decimal("0.01")
    assert kpis.median_of([(99, 1), (100, 1)]) == Decimal("1.00")  # 0.995 rounds half up
    assert kpis.median_of([(100, 2), (250, 1), (4000, 1)]) == Decimal("1.75")


def test_first_response_median_at_the_bucket_edges_by_hand(world):
    # The service station's subtree in June: buckets 0, 1, 99, 100, 200, 3000 (f, transferred in): the
    # 3rd and 4th are 99 and 100, in two different whole hours: (0.99 + 1.00) / 2 = 0.995 → 1.00 h.
    assert median("first_response_median", *JUNE, "测试商圈服务站") == (6, Decimal("1.00"))
    # The centre adds i (10 h): 0, 1, 99, 100, 200, 1000, 3000: the 4th, 1.00 h.
    assert median("first_response_median", *JUNE, "测试区12315中心") == (7, Decimal("1.00"))
    # The other office keeps only i (f left it).
    assert median("first_response_median", *JUNE, "另一监管所") == (1, Decimal("10.00"))
    # 06-01 to 06-05: a, b, c, d, e: the 3rd, 0.99 h (not rounded up: 0.99499 h).
    assert median("first_response_median", dt.date(2026, 6, 1), dt.date(2026, 6, 5)) == (5, Decimal("0.99"))
    # The first two days: a and b: (0.00 + 0.01) / 2 = 0.005 → 0.01.
    assert median("first_response_median", dt.date(2026, 6, 1), dt.date(2026, 6, 2)) == (2, Decimal("0.01"))


def test_close_median_at_a_bucket_edge_by_hand(world):
    # r1 0.005 day → 0.01; r2 3.00; r3 20.99499… → 20.99 (resolved 06-22): the middle one, 3.00 days.
    assert median("close_median", *JUNE) == (3, Decimal("3.00"))
    assert median("close_median", dt.date(2026, 6, 10), dt.date(2026, 6, 10)) == (1, Decimal("0.01"))
    assert median("close_median", dt.date(2026, 6, 22), dt.date(2026, 6, 22)) == (1, Decimal("20.99"))


def test_today_is_rolled_up_as_of_the_last_refresh(world):
    # A third answer today, after the last refresh (18:00): the roll-ups show it after the next one.
    later = NOW + dt.timedelta(minutes=5)
    answered(world, later - dt.timedelta(hours=5), 5 * H)
    db.session.commit()
    july = (dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    assert median("first_response_median", *july) == (2, Decimal("1.00"))
    scope = kpis.make_scope(*july, now=later)
    assert {f.key: f for f in kpis.compute(scope, rolled=False)}["first_response_median"].denominator == 3
    rollups.refresh(TODAY, now=later)
    db.session.commit()
    rolled = {f.key: (f.denominator, f.value) for f in kpis.compute(scope)}
    direct = {f.key: (f.denominator, f.value) for f in kpis.compute(scope, rolled=False)}
    assert rolled["first_response_median"] == (3, Decimal("1.00"))
    assert rolled == direct


def test_today_joins_the_rolled_up_days(world):
    # July alone: t1 1.00 h and t2 0.995 → 1.00 h, both today.
    assert median("first_response_median", dt.date(2026, 7, 1), dt.date(2026, 7, 31)) == (2, Decimal("1.00"))
    # June and July at the service station: 0, 1, 99, 100, 100, 100, 200, 3000: 4th and 5th, 1.00 h.
    assert median("first_response_median", dt.date(2026, 6, 1), dt.date(2026, 7, 31), "测试商圈服务站") == (
        8,
        Decimal("1.00"),
    )


@pytest.mark.parametrize(
    "station", [None, "测试区12315中心", "测试市场监管所", "测试商圈服务站", "另一监管所"]
)
@pytest.mark.parametrize(
    ("first", "last"),
    [
        JUNE,
        (dt.date(2026, 6, 1), dt.date(2026, 6, 3)),
        (dt.date(2026, 5, 1), dt.date(2026, 7, 31)),
        (TODAY, TODAY),
    ],
)
def test_rolled_up_medians_equal_the_medians_from_the_cases(world, first, last, station):
    for key in ("first_response_median", "close_median"):
        assert median(key, first, last, station) == median(key, first, last, station, rolled=False)


def test_a_refresh_follows_a_transfer_and_a_hand_off(world):
    c = world["cases"]
    flow.transfer(c["i"], STAFF, world["city"]["service"], "属地管辖")
    c["e"].handed_off_at = cn(7, 1)
    db.session.commit()
    rollups.refresh(TODAY, days_back=60, now=NOW)  # June is within 60 days
    db.session.commit()
    # The service station: 0, 1, 99, 100, 1000, 3000 (i in, e out): (0.99 + 1.00) / 2 → 1.00 h.
    assert median("first_response_median", *JUNE, "测试商圈服务站") == (6, Decimal("1.00"))
    assert median("first_response_median", *JUNE, "另一监管所") == (0, None)
    for station in (None, "测试商圈服务站", "另一监管所"):
        assert median("first_response_median", *JUNE, station) == median(
            "first_response_median", *JUNE, station, rolled=False
        )
