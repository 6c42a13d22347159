"""Rule sets: which applies on a filing date, what each limit is, and a complaint's deadlines."""

import datetime as dt
from decimal import Decimal

import pytest

from app.calendar import rulesets
from app.calendar.rulesets import RULE_SETS, complaint_deadlines, rules_for
from app.calendar.workcal import Basis, WorkCalendar
from app.core.texts import CALENDAR
from app.core.timeutil import CHINA, today_cn

D = dt.date
CAL = WorkCalendar()


def cn(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


def test_rules_for_filed_before_order_121_uses_interim_rules():
    rules = rules_for(D(2026, 4, 14))
    assert rules.name == "interim2022"
    assert (rules.limits["mediation"].n, rules.limits["mediation"].basis) == (45, Basis.WORKING_DAYS)


def test_rules_for_filed_on_order_121_day_uses_order_121():
    rules = rules_for(D(2026, 4, 15))
    assert rules.name == "order121" and rules.layers == ("local",)
    assert (rules.limits["mediation"].n, rules.limits["mediation"].basis) == (60, Basis.CALENDAR_DAYS)
    assert rules.limits["accept_decline"].n == 7
    assert rules.limits["merchant_first_reply"].n == 1  # the local layer is on top


def test_rules_for_named_set_wins_over_date():
    assert rules_for(D(2026, 9, 1), "interim2022").name == "interim2022"
    assert rules_for(D(2026, 9, 1), layers=()).layers == ()


def test_rules_for_rejects_unknown_layer_and_undated():
    with pytest.raises(ValueError, match="没有名为 nope 的规则"):
        rules_for(D(2026, 9, 1), "nope")
    with pytest.raises(ValueError):
        rules_for(D(2026, 9, 1), "local")
    with pytest.raises(ValueError):
        rules_for(D(2019, 12, 31))


def test_rule_sets_limits_match_the_texts():
    order, interim = RULE_SETS["order121"].limits, RULE_SETS["interim2022"].limits
    assert order["termination_notice"].n == interim["termination_notice"].n == 7
    assert order["clue_verification"].extension == interim["clue_verification"].extension == 15
    assert order["too_old"].n == 3 and order["too_old"].basis == Basis.YEARS
    assert RULE_SETS["local"].small_dispute_max_yuan == Decimal("500")


def test_every_limit_and_rule_set_has_chinese_label():
    for rules in RULE_SETS.values():
        assert f"ruleset_{rules.name}" in CALENDAR
        for key, limit in rules.limits.items():
            assert f"limit_{key}" in CALENDAR
            assert f"from_{limit.counted_from}" in CALENDAR
            assert f"basis_{limit.basis}" in CALENDAR
            assert not limit.excludes or f"excludes_{limit.excludes}" in CALENDAR


def test_interim_mediation_counts_45_working_days_over_spring_festival_and_qingming():
    rules = rules_for(D(2026, 1, 20))
    assert rules.deadline("mediation", D(2026, 2, 2), cal=CAL).due == D(2026, 4, 13)


def test_order_121_mediation_moves_off_national_day_and_excludes_testing():
    rules = rules_for(D(2026, 7, 20))
    assert rules.deadline("mediation", D(2026, 8, 3), cal=CAL).due == D(2026, 10, 8)
    assert rules.deadline("mediation", D(2026, 8, 3), excluded=10, cal=CAL).due == D(2026, 10, 12)
    with pytest.raises(ValueError):
        rules.deadline("accept_decline", D(2026, 8, 3), excluded=1, cal=CAL)


def test_clue_verification_extension_needs_an_extendable_limit():
    rules = rules_for(D(2026, 7, 20))
    assert rules.deadline("clue_verification", D(2026, 9, 30), extended=True, cal=CAL).n == 30
    with pytest.raises(ValueError):
        rules.deadline("accept_decline", D(2026, 9, 30), extended=True, cal=CAL)


def test_hour_limit_needs_an_instant():
    rules = rules_for(D(2026, 7, 20))
    with pytest.raises(TypeError):
        rules.deadline("small_dispute_close", D(2026, 9, 30), cal=CAL)


def test_complaint_deadlines_filed_on_eve_of_national_day():
    deadlines = complaint_deadlines(cn(2026, 9, 30, 20, 0), Decimal("1200"), cal=CAL)
    assert {k: d.due for k, d in deadlines.items()} == {
        "first_response": D(2026, 10, 8),
        "merchant_first_reply": D(2026, 10, 8),
        "merchant_settlement": D(2026, 10, 20),
        "accept_decline": D(2026, 10, 15),
        "ordinary_close": D(2026, 10, 8),  # 7 Oct is a holiday: Art. 45
    }
    assert deadlines["ordinary_close"].moved_from == D(2026, 10, 7)
    assert not any(d.uncertain for d in deadlines.values())


def test_complaint_deadlines_small_dispute_by_the_hour():
    filed = cn(2026, 9, 30, 20, 0)
    deadlines = complaint_deadlines(filed.astimezone(dt.UTC), Decimal("500"), cal=CAL)
    assert deadlines["small_dispute_close"].due_at == cn(2026, 10, 1, 20, 0)
    assert deadlines["first_response"].basis == Basis.HOURS
    assert deadlines["first_response"].due_at == cn(2026, 10, 1, 20, 0)
    assert "ordinary_close" in deadlines


@pytest.mark.parametrize("amount", [None, Decimal("500.01")])
def test_complaint_deadlines_not_small_has_no_small_dispute_close(amount):
    deadlines = complaint_deadlines(cn(2026, 9, 30, 20, 0), amount, cal=CAL)
    assert "small_dispute_close" not in deadlines
    assert deadlines["first_response"].basis == Basis.WORKING_DAYS


def test_complaint_deadlines_rejects_naive_and_negative():
    with pytest.raises(ValueError):
        complaint_deadlines(dt.datetime(2026, 9, 30, 12), None, cal=CAL)
    with pytest.raises(ValueError):
        complaint_deadlines(cn(2026, 9, 30, 12), Decimal("-1"), cal=CAL)


def test_complaint_deadlines_filing_day_is_china_date():
    # 15:30 UTC on 14 Apr is 23:30 in China: interim rules. 16:30 UTC is 00:30 on 15 Apr: Order 121.
    late = dt.datetime(2026, 4, 14, 15, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 4, 14, 16, 30, tzinfo=dt.UTC)
    assert rules_for(today_cn(late)).name == "interim2022"
    assert rules_for(today_cn(after)).name == "order121"
    assert complaint_deadlines(late, None, cal=CAL)["accept_decline"].start == D(2026, 4, 14)
    assert complaint_deadlines(after, None, cal=CAL)["accept_decline"].start == D(2026, 4, 15)


def test_complaint_deadlines_in_late_december_flagged_uncertain():
    deadlines = complaint_deadlines(cn(2026, 12, 14, 10, 0), None, cal=CAL)
    assert deadlines["accept_decline"].due == D(2026, 12, 23)
    assert deadlines["accept_decline"].uncertain  # 9 days before 元旦 2027: its swaps could reach it
    assert not deadlines["merchant_first_reply"].uncertain  # Tue 15 Dec is out of their reach


def test_complaint_deadlines_loads_overrides_from_database(ctx):
    from app.calendar import workcal
    from app.core.extensions import db

    workcal.set_override(D(2026, 10, 8), False, "测试")
    db.session.commit()
    deadlines = complaint_deadlines(cn(2026, 9, 30, 20, 0), None)
    assert deadlines["merchant_first_reply"].due == D(2026, 10, 9)


def test_is_too_old_three_years_with_holiday_move():
    assert rulesets.is_too_old(D(2023, 4, 10), D(2026, 4, 13), cal=CAL)
    assert not rulesets.is_too_old(D(2023, 4, 10), D(2026, 4, 10), cal=CAL)
    # 1 Oct 2026 is a holiday: the three years run to Thu 8 Oct (Art. 45).
    assert not rulesets.is_too_old(D(2023, 10, 1), D(2026, 10, 8), cal=CAL)
    assert rulesets.is_too_old(D(2023, 10, 1), D(2026, 10, 9), cal=CAL)


def test_cli_rules_lists_limits(runner):
    result = runner.invoke(args=["calendar", "rules", "interim2022"])
    assert result.exit_code == 0, result.output
    assert "45个工作日" in result.output and "Interim Art. 21(5)" in result.output
    assert runner.invoke(args=["calendar", "rules", "nope"]).exit_code == 1


def test_cli_rules_filed_on_shows_set_in_force(runner):
    result = runner.invoke(args=["calendar", "rules", "--filed-on", "2026-04-15"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("order121+local")
    assert "60日" in result.output and "merchant_settlement" in result.output
    all_sets = runner.invoke(args=["calendar", "rules"]).output
    assert all(name in all_sets for name in RULE_SETS)
