"""Staffing rules (pure): dispatchers needed for a volume, and ranks that mark small samples."""
from fractions import Fraction as F

from domain.staffing import SMALL_SAMPLE, dispatchers_needed, rank_labels


def test_dispatchers_needed_exact_boundaries():
    # 85 × 6 / (60 × 0.85) = 10 exactly: no float drift up to 11
    assert dispatchers_needed(85, 6, "0.85") == 10
    assert dispatchers_needed(86, 6, "0.85") == 11
    assert dispatchers_needed(0, 6) == 0
    assert dispatchers_needed(680, 6, "0.85", hours=8) == 10


def test_rank_marks_small_samples():
    labels = rank_labels([25, 30, 5, 40], [F(9, 10), F(95, 100), F(1), F(9, 10)])
    assert labels == ["2", "1", SMALL_SAMPLE, "2"]
