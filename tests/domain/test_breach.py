"""domain.breach: share buckets at their edges, shifts by the deadline's hour, the back-off, the scores."""
from datetime import datetime, timedelta
from fractions import Fraction

from domain.breach import (
    LEVEL_ALL,
    LEVEL_CLASS,
    LEVEL_NONE,
    LEVEL_UNIT,
    NO_HISTORY_P,
    Estimator,
    HistoryRow,
    brier,
    mean_absolute_error,
    past_baseline_share,
    share_bucket,
    shift_of,
)

R = datetime(2026, 1, 1, 0, 0)
D = R + timedelta(hours=20)


def test_share_bucket_edges():
    assert share_bucket(R, D, R, 20) == 0
    assert share_bucket(R, D, R + timedelta(minutes=59, seconds=59), 20) == 0   # 1 h = 1/20 of 20 h
    assert share_bucket(R, D, R + timedelta(hours=1), 20) == 1
    assert share_bucket(R, D, D - timedelta(seconds=1), 20) == 19
    assert share_bucket(R, D, D, 20) == 19                                       # capped at the last


def test_shift_of_deadline_hour():
    assert [shift_of(R.replace(hour=h)) for h in (0, 7, 8, 15, 16, 23)] == ["夜班", "夜班", "早班", "早班", "中班", "中班"]


def test_baseline_share_is_80_percent():
    assert past_baseline_share(R, D, R + timedelta(hours=16)) is True
    assert past_baseline_share(R, D, R + timedelta(hours=16) - timedelta(seconds=1)) is False


def test_estimator_levels_and_no_history():
    rows = [HistoryRow("甲", "一般", 20, True, 2), HistoryRow("甲", "一般", 20, False, 1),
            HistoryRow("乙", "一般", 5, True, 3), HistoryRow("乙", "及时", 20, False, 4)]
    est = Estimator(rows, buckets=20, min_tickets=3)
    assert est.estimate("甲", "一般", 19) == est.estimate("甲", "一般", 0)
    assert (est.estimate("甲", "一般", 19).p, est.estimate("甲", "一般", 19).level) == (Fraction(2, 3), LEVEL_UNIT)
    # 乙 一般 open at 4/20: its own three (all on time) …
    assert est.estimate("乙", "一般", 4).p == 1 and est.estimate("乙", "一般", 4).level == LEVEL_UNIT
    # … at 5/20 none of its own: all units' 一般 (甲's three)
    assert (est.estimate("乙", "一般", 5).p, est.estimate("乙", "一般", 5).level) == (Fraction(2, 3), LEVEL_CLASS)
    # 疑难 unknown: everything open at 5/20 = 甲's three and 乙's 及时 four
    assert (est.estimate("丙", "疑难", 5).p, est.estimate("丙", "疑难", 5).level) == (Fraction(2, 7), LEVEL_ALL)
    empty = Estimator([], buckets=20, min_tickets=3).estimate("甲", "一般", 3)
    assert (empty.p, empty.level, empty.tickets) == (NO_HISTORY_P, LEVEL_NONE, 0)


def test_scores():
    assert brier([(Fraction(1, 4), True), (Fraction(1, 4), False)]) == Fraction(9 + 1, 16 * 2)
    assert mean_absolute_error([(Fraction(3, 2), 1), (Fraction(0), 2)]) == Fraction(5, 4)
    assert brier([]) is None and mean_absolute_error([]) is None
