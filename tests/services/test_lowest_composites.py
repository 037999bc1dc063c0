"""The lowest 三率 composites the wall and the overview raise as an alarm leave small samples out:
a unit with fewer than evidence.MIN_RANK_SAMPLE 有效回访 is not ranked, however bad its score."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from dashboard.services import rankings
from domain.evidence import MIN_RANK_SAMPLE


def _counts(units: list[tuple[str, int, int]]) -> pd.DataFrame:
    """(unit, 有效回访, satisfied = resolved = contacted) per unit; the rest of the counts plain."""
    return pd.DataFrame([{"unit": u, "received": n, "closed": n, "population": n, "contacted": good,
                          "resolved": good, "satisfied": good, "basic_satisfied": 0} for u, n, good in units])


UNITS = [
    ("甲街道", 2, 0),        # 2 callbacks, composite 0: the worst score, but too few to rank
    ("乙街道", 40, 30),      # 75
    ("丙街道", 40, 36),      # 90
    ("丁街道", 20, 15),      # 75, exactly MIN_RANK_SAMPLE callbacks: ranked, after 乙 (smaller sample)
    ("戊街道", 19, 1),       # one under the minimum: left out
    ("己街道", 0, 0),        # no callback: no composite, neither ranked nor counted as left out
    ("庚街道", 60, 60),      # 100
    ("辛街道", 25, 20),      # 80
]


def test_the_minimum_is_the_rankings_one():
    assert MIN_RANK_SAMPLE == 20


def test_a_unit_with_two_callbacks_is_not_in_the_bottom_five():
    rows, _ = rankings.ranking(_counts(UNITS))
    low = rankings.lowest(rows, 5)
    assert [r.unit for r in low.rows] == ["乙街道", "丁街道", "辛街道", "丙街道", "庚街道"]
    assert [r.composite for r in low.rows] == [Fraction(75), Fraction(75), Fraction(80), Fraction(90), Fraction(100)]
    assert (low.left_out, low.min_sample) == (2, MIN_RANK_SAMPLE)      # 甲 and 戊


def test_without_the_minimum_the_small_unit_would_top_it():
    """The same rows with no minimum: the check above is not vacuous."""
    rows, _ = rankings.ranking(_counts(UNITS))
    assert [r.unit for r in rankings.lowest(rows, 2, min_sample=1).rows] == ["甲街道", "戊街道"]


@pytest.mark.parametrize("left_out, note", [
    (0, None),
    (2, "有效回访不足 20 件的 2 个街乡镇样本不足，未参与排名"),
])
def test_the_note_says_how_many_were_left_out(left_out, note):
    assert rankings.small_sample_note(left_out, MIN_RANK_SAMPLE, "街乡镇") == note
