"""Every key figure against cases built by hand with known dates (June 2026, China time).

The world: 测试区12315中心 → 测试市场监管所 → 测试商圈服务站 (the store's station), and 另一监管所 under the
centre. Each case below sets exactly the dates its figures rest on; the expected numbers are worked out
in the comments, so a reader can check them by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.complaints.models import ContentCheck
from app.core.errors import NotFound, ValidationFailed
from app.core.extensions import db
from app.figures import kpis
from app.figures.definitions import FIGURES
from app.publicity import cases as published_cases
from tests import factories
from tests.figures.june import JUNE, NOW, build_world, case, cn, deadline, numbers


@pytest.fixture
def world(ctx):
    return build_world()


def by_key(scope):
    return {f.key: f for f in kpis.compute(scope)}


def test_every_figure_everywhere_matches_the_hand_count(world):
    f = by_key(kpis.make_scope(*JUNE, now=NOW))
    # 按时初查率: A, M on time; B late; C late and still open. D (July), E (withdrawn), L (handed off) out.
    assert (f["on_time_check"].numerator, f["on_time_check"].denominator) == (2, 4)
    assert f["on_time_check"].value == Decimal("50.00")
    # 按期办结率: A, B, H resolved on time in June; F's limit passed on 06-10, still open: late in June.
    # O's limit passed on 05-31: late in May, not again in June when resolved. G suspended, N withdrawn.
    assert (f["on_time_close"].numerator, f["on_time_close"].denominator) == (3, 4)
    assert f["on_time_close"].value == Decimal("75.00")
    may = by_key(kpis.make_scope(dt.date(2026, 5, 1), dt.date(2026, 5, 31), now=NOW))["on_time_close"]
    assert (may.numerator, may.denominator) == (0, 1)
    # 调解成功率: A, O agreements; B terminated; N withdrawn after acceptance. H (merchant) out.
    assert (f["mediation_success"].numerator, f["mediation_success"].denominator) == (2, 4)
    # 满意率: A 5 stars, B 2 stars.
    assert (f["satisfaction"].numerator, f["satisfaction"].denominator) == (1, 2)
    # 挽回经济损失: A 100 + H 50 + O 30, over the 4 resolved in June (A, B, H, O).
    assert (f["recovered"].value, f["recovered"].denominator) == (Decimal("180.00"), 4)
    # Confirmed: A confirmed, B disputed (H closed in July).
    assert (f["confirmed_resolution"].numerator, f["confirmed_resolution"].denominator) == (1, 2)
    # First answer: A 24 h, M 48 h, B 312 h → median 48 h.
    assert (f["first_response_median"].value, f["first_response_median"].denominator) == (Decimal("48.00"), 3)
    # Filing to resolution: H 1, A 19, B 23, O 67 days → median 21 days.
    assert (f["close_median"].value, f["close_median"].denominator) == (Decimal("21.00"), 4)
    # Merchant first: H settled, I handed to the station.
    assert (f["merchant_first_settlement"].numerator, f["merchant_first_settlement"].denominator) == (1, 2)
    # Reports: J on time, K late and still open.
    assert (f["reports_on_time"].numerator, f["reports_on_time"].denominator) == (1, 2)
    assert f["handed_off"].denominator == 1


def test_a_station_subtree_counts_only_its_cases_and_transfers_follow_the_case(world):
    office = kpis.make_scope(*JUNE, "测试市场监管所", now=NOW)
    f = by_key(office)
    # M is at the other office; C was transferred from there to the service station below this office.
    assert (f["on_time_check"].numerator, f["on_time_check"].denominator) == (1, 3)
    assert {c.number for c in kpis.cases("on_time_check", office)} == numbers(world, "A", "B", "C")
    other = by_key(kpis.make_scope(*JUNE, str(world["other_office"].id), now=NOW))
    assert (other["on_time_check"].numerator, other["on_time_check"].denominator) == (1, 1)
    assert other["first_response_median"].value == Decimal("48.00")


def test_a_late_open_case_counts_from_the_moment_its_deadline_passes(world):
    before = by_key(kpis.make_scope(*JUNE, now=cn(6, 12, 9)))  # C falls due 06-12 10:00
    after = by_key(kpis.make_scope(*JUNE, now=cn(6, 12, 11)))
    # At 09:00 only the decided A (and M) count: B is decided later, C not yet due.
    assert (before["on_time_check"].numerator, before["on_time_check"].denominator) == (2, 3)
    assert (after["on_time_check"].numerator, after["on_time_check"].denominator) == (2, 4)


def test_drill_down_lists_the_denominator_and_marks_the_numerator(world):
    scope = kpis.make_scope(*JUNE, now=NOW)
    expected = {
        "on_time_check": ({"A", "M"}, {"B", "C"}),
        "on_time_close": ({"A", "B", "H"}, {"F"}),
        "mediation_success": ({"A", "O"}, {"B", "N"}),
        "satisfaction": ({"A"}, {"B"}),
        "merchant_first_settlement": ({"H"}, {"I"}),
        "reports_on_time": ({"J"}, {"K"}),
        "handed_off": ({"L"}, set()),
    }
    for key, (inside, outside) in expected.items():
        rows = list(kpis.cases(key, scope))
        assert {r.number for r in rows if r.in_numerator} == numbers(world, *inside), key
        assert {r.number for r in rows if not r.in_numerator} == numbers(world, *outside), key
    recovered = {r.number: r.measure for r in kpis.cases("recovered", scope)}
    assert recovered == {
        world["cases"]["A"].number: Decimal("100.00"),
        world["cases"]["B"].number: None,
        world["cases"]["H"].number: Decimal("50.00"),
        world["cases"]["O"].number: Decimal("30.00"),
    }
    late = next(r for r in kpis.cases("on_time_check", scope) if r.number == world["cases"]["C"].number)
    assert late.dates == {"due_at": cn(6, 12), "met_at": None}


def test_every_defined_figure_is_computed_with_its_definition(world):
    computed = kpis.compute(kpis.make_scope(*JUNE, now=NOW))
    assert [f.key for f in computed] == [d.key for d in FIGURES]
    for f in computed:
        assert f.as_dict()["definition"] == f.definition.zh and f.definition.en


def test_an_empty_period_has_no_rate_rather_than_zero(world):
    f = by_key(kpis.make_scope(dt.date(2025, 1, 1), dt.date(2025, 1, 31), now=NOW))
    assert f["on_time_check"].denominator == 0 and f["on_time_check"].value is None
    assert f["close_median"].value is None
    assert f["recovered"].value == Decimal("0.00")


def test_a_bad_period_or_unknown_station_is_refused(ctx):
    with pytest.raises(ValidationFailed):
        kpis.make_scope(dt.date(2026, 6, 30), dt.date(2026, 6, 1))
    with pytest.raises(NotFound):
        kpis.make_scope(*JUNE, "没有这个站")
    with pytest.raises(NotFound):
        list(kpis.cases("no_such_figure", kpis.make_scope(*JUNE)))


def test_cli_prints_the_figures_as_json_and_text(world, runner):
    result = runner.invoke(args=["figures", "kpis", "--from", "2026-06-01", "--to", "2026-06-30", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    figures = {f["key"]: f for f in body["figures"]}
    assert (figures["on_time_check"]["numerator"], figures["on_time_check"]["denominator"]) == ("2", 4)
    assert figures["recovered"]["value"] == "180.00"
    text = runner.invoke(
        args=["figures", "kpis", "--from", "2026-06-01", "--to", "2026-06-30", "--station", "测试市场监管所"]
    )
    assert text.exit_code == 0, text.output
    assert "按时初查率：33.33%（1 / 3）" in text.output
    # 公示率: resolved in June under this office: A, B, H, O (all at its station), none published yet.
    assert "消费者投诉信息公示率：0.00%（0 / 4）" in text.output
    assert (figures["publicity_rate"]["numerator"], figures["publicity_rate"]["denominator"]) == ("0", 4)
    assert "测试市场监管所" in text.output
    drill = runner.invoke(
        args=["figures", "cases", "reports_on_time", "--from", "2026-06-01", "--to", "2026-06-30"]
    )
    assert drill.exit_code == 0, drill.output
    assert sorted(line.split("\t")[-1] for line in drill.output.strip().splitlines()) == ["0", "1"]
    bad = runner.invoke(args=["figures", "kpis", "--from", "2026-06-30", "--to", "2026-06-01"])
    assert bad.exit_code == 1 and "统计期间有误" in bad.output


def test_publicity_rate_is_the_share_of_resolved_complaints_actually_published(world):
    c = world["cases"]
    # Resolved in June: A, B, H, O (N was withdrawn, J/K are reports, L was handed off).
    c["A"].content_check = ContentCheck.PASS  # published once the worker prepares its summary
    c["B"].content_check = ContentCheck.REVIEW  # under review: kept out
    c["H"].content_check = ContentCheck.CLEARED  # flagged, then cleared by a person: published
    c["O"].content_check = ContentCheck.PENDING  # not checked yet: not published
    db.session.commit()
    scope = kpis.make_scope(*JUNE, now=NOW)
    before = kpis.figure("publicity_rate", scope)
    assert (before.numerator, before.denominator) == (0, 4)  # no summary prepared yet
    assert published_cases.prepare_summaries() == 2
    db.session.commit()
    after = kpis.figure("publicity_rate", scope)
    assert (after.numerator, after.denominator, after.value) == (2, 4, Decimal("50.00"))
    rows = list(kpis.cases("publicity_rate", scope))
    assert {r.number for r in rows if r.in_numerator} == numbers(world, "A", "H")
    assert {r.number for r in rows if not r.in_numerator} == numbers(world, "B", "O")
    # Exactly the cases the public pages list.
    public = {r.number for r in db.session.execute(published_cases.query())}
    assert public == numbers(world, "A", "H")


def test_drill_down_pages_hold_every_case_once_even_with_equal_filing_times(ctx):
    city = factories.city()
    store = factories.store(circle=city["circle"], region=city["region"])
    db.session.flush()
    made = set()
    for i in range(7):  # seven complaints filed at the same instant: only the id orders them
        c = case({"store": store}, cn(6, 2))
        deadline(c, "accept_decline", cn(6, 10), met=cn(6, 5) if i % 2 else None)
        made.add(c.number)
    db.session.commit()
    scope = kpis.make_scope(*JUNE, now=NOW)
    for size in (1, 2, 3, 7, 10):
        seen = []
        offset = 0
        while page := list(kpis.cases("on_time_check", scope, offset=offset, limit=size)):
            assert len(page) <= size
            seen += [r.number for r in page]
            offset += size
        assert sorted(seen) == sorted(made), size
