"""The 突增 rule and its weeks, with hand-worked answers at the thresholds."""
from datetime import date, datetime
from fractions import Fraction

import pytest

from domain.hotspots import (
    BASELINE_WEEKS,
    SURGE_MIN_COUNT,
    SURGE_MIN_SCORE,
    baseline_weeks,
    first_covered_week,
    growth,
    surge_verdict,
    week_start,
)


def test_rule_figures():
    assert (SURGE_MIN_COUNT, SURGE_MIN_SCORE, BASELINE_WEEKS) == (10, 3, 8)


@pytest.mark.parametrize("count, prior, surge", [
    (10, [4] * 8, True),           # count exactly 10, score exactly (10 − 4) / 2 = 3
    (9, [0] * 8, False),           # score 9 but fewer than 10 tickets
    (10, [0] * 8, True),           # μ = 0: divided by √1, score 10
    (10, [1] * 8, True),           # μ = 1: score 9
    (10, [4] * 7 + [5], False),    # μ = 4.125: (10 − 4.125) / √4.125 ≈ 2.89
    (11, [4] * 7 + [5], True),     # (11 − 4.125) / √4.125 ≈ 3.39
    (40, [25] * 8, True),          # (40 − 25) / 5 = 3 exactly
    (39, [25] * 8, False),         # 14 / 5 = 2.8
    (10, [1], True),               # one week of data is enough
    (50, [], False),               # no week before: no verdict
])
def test_surge_verdict(count, prior, surge):
    assert surge_verdict(count, prior).surge is surge


def test_verdict_figures_are_exact():
    v = surge_verdict(10, [4, 4, 4, 4, 4, 4, 4, 5])
    assert v.baseline == Fraction(33, 8)
    assert v.score == pytest.approx((10 - 33 / 8) / (33 / 8) ** 0.5)
    none = surge_verdict(12, [])
    assert none.baseline is None and none.score is None and not none.surge


def test_weeks_are_iso_weeks():
    assert week_start(datetime(2026, 1, 11, 23, 59, 59)) == date(2026, 1, 5)    # Sunday
    assert week_start(datetime(2026, 1, 12, 0, 0, 0)) == date(2026, 1, 12)      # Monday
    assert week_start(date(2026, 1, 1)) == date(2025, 12, 29)                   # across the year


def test_baseline_weeks_whole_weeks_of_data_only():
    monday = date(2026, 1, 12)
    assert baseline_weeks(monday, date(2025, 1, 6)) == [date(2025, 11, 17) + (date(2025, 11, 24) - date(2025, 11, 17)) * k
                                                        for k in range(8)]
    assert baseline_weeks(monday, date(2026, 1, 5)) == [date(2026, 1, 5)]
    assert baseline_weeks(monday, date(2026, 1, 12)) == []
    assert baseline_weeks(monday, None) == []
    # the data starting on a Monday covers that week; starting on a Tuesday, from the next one
    assert first_covered_week(date(2026, 1, 5)) == date(2026, 1, 5)
    assert first_covered_week(date(2025, 12, 30)) == date(2026, 1, 5)
    assert first_covered_week(None) is None


def test_growth():
    assert growth(15, 10) == Fraction(1, 2)
    assert growth(5, 10) == Fraction(-1, 2)
    assert growth(5, 0) is None
