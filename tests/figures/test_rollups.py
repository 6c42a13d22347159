"""The worker's daily roll-ups give exactly the figures computed from the cases, for any period."""

import datetime as dt

import pytest

from app.core.extensions import db
from app.figures import kpis, rollups
from app.figures.models import FigureDaily, FigureDuration
from tests.figures.june import JUNE, NOW, build_world

TODAY = dt.date(2026, 7, 15)  # the roll-ups reach 07-14; later days are computed live


@pytest.fixture
def world(ctx):
    w = build_world()
    assert rollups.rebuild(TODAY) == dt.date(2026, 7, 14)
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


def test_the_roll_ups_hold_a_row_per_station_and_day(world):
    assert db.session.query(FigureDaily).filter_by(key="on_time_check").count() >= 3
    # First answers: A, B, M in June, F and O in April.
    assert db.session.query(FigureDuration).filter_by(key="first_response_median").count() == 5


def test_a_refresh_picks_up_a_change_within_its_window(world):
    scope = kpis.make_scope(*JUNE, now=NOW)
    world["cases"]["B"].outcome = "agreement"
    db.session.commit()
    stale = {f.key: f for f in kpis.compute(scope)}["mediation_success"]
    assert (stale.numerator, stale.denominator) == (2, 4)  # rolled up before the change
    rollups.refresh(TODAY)
    db.session.commit()
    fresh = {f.key: f for f in kpis.compute(scope)}["mediation_success"]
    assert (fresh.numerator, fresh.denominator) == (3, 4)
    assert _values(scope, True) == _values(scope, False)


def test_cli_rolls_up(world, runner):
    result = runner.invoke(args=["figures", "rollup", "--rebuild"])
    assert result.exit_code == 0, result.output
    assert "已汇总至" in result.output
