"""Scoring of the monthly assessment (pure): half-up rounding, indicator points, manual items with
the bonus cap, the month's score."""
from decimal import Decimal
from fractions import Fraction as F

import pytest

from domain.scoring import ManualItem, half_up, indicator_points, manual_totals, month_score, rate


@pytest.mark.parametrize("x, expected", [
    (F(2675, 1000), "2.68"), (F(125, 1000), "0.13"), (Decimal("2.675"), "2.68"), (F(1, 3), "0.33"),
    (F(2, 3), "0.67"), (F(89985, 1000), "89.99"), (F(89984999, 1000000), "89.98")])
def test_half_up(x, expected):
    assert str(half_up(x)) == expected


def test_float_is_refused():
    with pytest.raises(TypeError):
        indicator_points(0.95, target="0.95", floor="0.85", weight=15)


@pytest.mark.parametrize("a, expected", [
    (F(95, 100), F(15)), (F(1), F(15)), (F(85, 100), F(0)), (F(80, 100), F(0)), (F(9, 10), F(15, 2)),
    (F(91, 100), F(9))])
def test_points_higher_is_better(a, expected):
    assert indicator_points(a, target="0.95", floor="0.85", weight=15) == expected


@pytest.mark.parametrize("a, expected", [
    (F(0), F(5)), (F(2, 100), F(5)), (F(6, 100), F(5, 2)), (F(10, 100), F(0)), (F(1, 5), F(0))])
def test_points_lower_is_better(a, expected):
    assert indicator_points(a, target="0.02", floor="0.10", weight=5, lower_is_better=True) == expected


def test_null_rate_scores_full_weight():
    assert rate(0, 0) is None
    assert indicator_points(None, target="0.99", floor="0.90", weight=10) == 10
    assert indicator_points(None, target="0.02", floor="0.10", weight=5, lower_is_better=True) == 5


def test_bonus_cap_before_deductions():
    items = [ManualItem("加分", F(3)), ManualItem("加分", F(4)), ManualItem("扣分", F(2)), ManualItem("扣分", F(1, 2))]
    t = manual_totals(items, "5")
    assert (t.bonus, t.bonus_uncapped, t.deductions, t.veto) == (5, 7, F(5, 2), False)
    # 94 + 5 − 2.5 = 96.5 (not 94 + 7 − 2.5 capped at 5 net)
    assert month_score([F(94)], t).score == Decimal("96.50")


def test_score_clamped_and_veto():
    t = manual_totals([ManualItem("加分", F(5))], "5")
    assert month_score([F(100)], t).score == Decimal("100.00")
    t = manual_totals([ManualItem("扣分", F(10))], "5")
    assert month_score([F(3)], t).score == Decimal("0.00")
    t = manual_totals([ManualItem("一票否决", F(0)), ManualItem("加分", F(5))], "5")
    assert month_score([F(100)], t).score == Decimal("0.00")


def test_score_summed_unrounded_then_half_up():
    # three indicators at 1/3 + 1/3 + 1/3 of a point each: rounding each first would give 0.99
    t = manual_totals([], "5")
    assert month_score([F(1, 3)] * 3, t).score == Decimal("1.00")
    assert month_score([F(89), F(985, 1000)], t).score == Decimal("89.99")   # 89.985 → 89.99
