"""Staffing rules (pure): dispatchers needed for a volume, and ranks that mark small samples."""
from fractions import Fraction as F

from domain.staffing import SMALL_SAMPLE, dispatchers_needed, rank_labels, rank_score


def test_dispatchers_needed_exact_boundaries():
    # 85 × 6 / (60 × 0.85) = 10 exactly: no float drift up to 11
    assert dispatchers_needed(85, 6, "0.85") == 10
    assert dispatchers_needed(86, 6, "0.85") == 11
    assert dispatchers_needed(0, 6) == 0
    assert dispatchers_needed(680, 6, "0.85", hours=8) == 10


def test_rank_marks_small_samples_and_breaks_ties_by_errors_then_volume():
    labels = rank_labels([25, 30, 5, 40], [F(9, 10), F(95, 100), F(1), F(9, 10)])
    assert labels == ["3", "1", SMALL_SAMPLE, "2"]          # equal shares: the larger sample first
    # equal shares and samples: fewer errors first; equal on everything: a shared rank
    assert rank_labels([30, 30, 30, 30], [F(1), F(1), F(1), F(9, 10)], errors=[1, 0, 0, 0]) == ["3", "1", "1", "4"]


def test_errors_lower_the_rank():
    """40 on time of 40 with 4 wrong dispatches scores 36/40 and ranks below 38/40 without errors."""
    scores = [rank_score(40, 40, 4), rank_score(38, 40, 0)]
    assert scores == [F(36, 40), F(38, 40)]
    assert rank_labels([40, 40], scores, errors=[4, 0]) == ["2", "1"]
    assert rank_score(2, 40, 5) == 0 and rank_score(0, 0) is None


def test_follow_up_owner_from_the_roster():
    """A shift's miss goes to its duty 业务主管 (those present first, else those planned), the whole
    day's to the 项目经理; nobody on the roster reads 未排班."""
    from domain.staffing import NO_OWNER, WHOLE_DAY, follow_up_owner

    leads = [("早班", "周主管", False), ("早班", "吴主管", True), ("中班", "郑主管", False),
             ("中班", "王主管", False)]
    assert follow_up_owner("早班", leads, ["冯经理"]) == "吴主管"
    assert follow_up_owner("中班", leads, ["冯经理"]) == "郑主管、王主管"
    assert follow_up_owner("夜班", leads, ["冯经理"]) == NO_OWNER == "未排班"
    assert follow_up_owner(WHOLE_DAY, leads, ["冯经理"]) == "冯经理"
    assert follow_up_owner(WHOLE_DAY, leads, []) == NO_OWNER


def test_plan_verdict_known_answers():
    from domain.staffing import plan_verdict, staffing_gap

    assert [staffing_gap(n, p) for n, p in ((6, 6), (6, 8), (7, 4), (0, 0))] == [0, 0, 3, 0]
    assert plan_verdict(6, 6) == "够用" and plan_verdict(6, 8) == "够用"
    assert plan_verdict(7, 4) == "缺 3 人"


def test_shift_plan_against_a_known_forecast():
    """Night 3/h, day 20/h with a 34 peak at 10:00, evening 10/h; 6 minutes a ticket at 85 %:
    ⌈3×6/51⌉ = 1, ⌈34×6/51⌉ = ⌈4⌉ = 4, ⌈10×6/51⌉ = 2 dispatchers; a plan of 1, 3 and 2."""
    from datetime import date

    from domain.forecast import DayForecast, HourForecast
    from domain.staffing import plan_verdict, shift_need

    def per_hour(h):
        return 34.0 if h == 10 else 3.0 if h < 8 else 20.0 if h < 16 else 10.0

    hours = [HourForecast(h, per_hour(h), 0, 0, 0, 0, 0) for h in range(24)]
    fc = DayForecast(date(2026, 1, 15), 1.0, 8, hours)
    need = {s: shift_need(fc, s, 6)["needed"] for s in ("夜班", "早班", "中班")}
    assert need == {"夜班": 1, "早班": 4, "中班": 2}
    assert shift_need(fc, "早班", 6)["volume"] == 20 * 7 + 34
    assert [plan_verdict(need[s], p) for s, p in (("夜班", 1), ("早班", 3), ("中班", 2))] == ["够用", "缺 1 人", "够用"]
