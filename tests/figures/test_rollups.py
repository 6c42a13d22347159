"""The worker's daily roll-ups give exactly the figures computed from the cases, for any period."""

import datetime as dt

import pytest

from app.core.extensions import db
from app.figures import kpis, rollups
from app.figures.models import FigureBucket, FigureCoarse, FigureDaily
from tests.figures.june import JUNE, NOW, build_world

TODAY = dt.date(2026, 7, 15)  # rolled up for good to 07-14; 07-15 on as of NOW


@pytest.fixture
def world(ctx):
    w = build_world()
    assert rollups.rebuild(TODAY, NOW) == dt.date(2026, 7, 14)
    db.session.commit()
    return w


def _values(scope, rolled):
    return [(f.key, f.numerator, f.denominator, f.value) for f in kpis.compute(scope, rolled=rolled)]


@pytest.mark.parametrize(
    ("first", "last", "station"),
    [
        (*JUNE, None),
        (*JUNE, "测试市场监管所"),
        (dt.date(2026, 3, 1), dt.date(2026, 7, 31), None),  # across the roll-ups' reach
        (dt.date(2026, 7, 15), dt.date(2026, 7, 31), "测试区12315中心"),  # live only
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), None),  # nothing
    ],
)
def test_rolled_up_figures_equal_the_figures_from_the_cases(world, first, last, station):
    scope = kpis.make_scope(first, last, station, now=NOW)
    assert _values(scope, True) == _values(scope, False)


def _sum_n(model, **where):
    return sum(row.n for row in db.session.query(model).filter_by(key="first_response_median", **where))


def test_the_roll_ups_hold_subtree_totals_and_histograms(world):
    city = world["city"]
    # 按时初查率 in June: A, B, C (transferred to the service station) and M (另一监管所): the centre
    # holds all four, the office the three below it, the service station its three own.
    totals = {}
    for row in db.session.query(FigureDaily).filter_by(key="on_time_check"):
        if dt.date(2026, 6, 1) <= row.day <= dt.date(2026, 6, 30):
            totals[row.station_id] = totals.get(row.station_id, 0) + row.denominator
    assert totals[city["centre"].id] == 4
    assert totals[city["office"].id] == totals[city["service"].id] == 3
    assert totals[world["other_office"].id] == 1
    # First answers: A, B, M in June, F and O in April; each in its own station's buckets once, and in
    # the coarse histogram of its station and every station above it.
    assert _sum_n(FigureBucket) == 5
    assert _sum_n(FigureBucket, station_id=world["other_office"].id) == 1
    assert _sum_n(FigureCoarse, station_id=city["centre"].id) == 5
    assert _sum_n(FigureCoarse, station_id=city["service"].id) == 4
    # A answered after 24 h: bucket 2400 (0.01 h each), coarse 24 (whole hours).
    a_day = dt.date(2026, 6, 2)
    assert (
        db.session.query(FigureBucket).filter_by(key="first_response_median", day=a_day).one().bucket == 2400
    )
    coarse = db.session.query(FigureCoarse).filter_by(key="first_response_median", day=a_day)
    assert {(r.station_id, r.coarse) for r in coarse} == {
        (city[k].id, 24) for k in ("centre", "office", "service")
    }


def test_a_refresh_picks_up_a_change_within_its_window(world):
    scope = kpis.make_scope(*JUNE, now=NOW)
    world["cases"]["B"].outcome = "agreement"
    db.session.commit()
    stale = {f.key: f for f in kpis.compute(scope)}["mediation_success"]
    assert (stale.numerator, stale.denominator) == (2, 4)  # rolled up before the change
    rollups.refresh(TODAY, days_back=30, now=NOW)  # B resolved 06-25: within 30 days
    db.session.commit()
    fresh = {f.key: f for f in kpis.compute(scope)}["mediation_success"]
    assert (fresh.numerator, fresh.denominator) == (3, 4)
    assert _values(scope, True) == _values(scope, False)


def test_cli_rolls_up(world, runner):
    result = runner.invoke(args=["figures", "rollup", "--rebuild"])
    assert result.exit_code == 0, result.output
    assert "已汇总至" in result.output
