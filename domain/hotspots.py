"""Hot topics (热点诉求): the weekly 突增 rule of a category, and the weeks it is judged over.

Pure functions over counts: queries.hotspots counts the tickets per ISO week and category in SQL,
these decide. The rule (docs/hotspots.md): a category is 突增 in a week when its count c in that
week (the current week counts up to `now`) is at least SURGE_MIN_COUNT and
(c − μ) / √max(μ, 1) ≥ SURGE_MIN_SCORE, μ the mean of its counts in the BASELINE_WEEKS weeks
before, of as many of them as the data covers (at least one, see first_covered_week; with none there is no verdict).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

SURGE_MIN_COUNT = 10      # tickets of the category in the week, at least
SURGE_MIN_SCORE = 3       # (c − μ) / √max(μ, 1), at least
BASELINE_WEEKS = 8        # weeks before whose mean is μ
TREND_WEEKS = BASELINE_WEEKS + 1   # a topic's trend: the baseline weeks and the week judged

WEEK = timedelta(days=7)


def week_start(moment: datetime | date) -> date:
    """Monday of the ISO week (Monday–Sunday) a moment or day falls in."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next week) of the week starting on `monday`."""
    start = datetime.combine(monday, time())
    return start, start + WEEK


def first_covered_week(first_day: date | None) -> date | None:
    """The first week the data covers whole: the week of the earliest ticket when that ticket came
    on the week's Monday, else the week after (a week the data starts in the middle of would make a
    low baseline and false alarms)."""
    if first_day is None:
        return None
    monday = week_start(first_day)
    return monday if monday == first_day else monday + WEEK


def baseline_weeks(monday: date, first_week: date | None, weeks: int = BASELINE_WEEKS) -> list[date]:
    """The Mondays of the `weeks` weeks before `monday` that the data covers (on or after
    `first_week`, see first_covered_week), oldest first; empty without data."""
    if first_week is None:
        return []
    return [monday - WEEK * k for k in range(weeks, 0, -1) if monday - WEEK * k >= first_week]


@dataclass(frozen=True)
class SurgeVerdict:
    count: int                  # c: the week's tickets of the category
    baseline: Fraction | None   # μ, exact; None when no week before is covered by the data
    score: float | None         # (c − μ) / √max(μ, 1); None without a baseline
    surge: bool


def surge_verdict(count: int, prior_counts: Sequence[int]) -> SurgeVerdict:
    """The 突增 verdict of one category in one week from its counts in the covered weeks before
    (zeros included: a covered week without a ticket of the category counts 0)."""
    if not prior_counts:
        return SurgeVerdict(count, None, None, False)
    mu = Fraction(sum(prior_counts), len(prior_counts))
    excess = count - mu
    # exact comparison: (c − μ) ≥ k·√max(μ,1)  ⇔  c − μ ≥ 0 and (c − μ)² ≥ k²·max(μ, 1)
    surge = (count >= SURGE_MIN_COUNT and excess >= 0
             and excess * excess >= SURGE_MIN_SCORE ** 2 * max(mu, Fraction(1)))
    score = float(excess) / math.sqrt(max(float(mu), 1.0))
    return SurgeVerdict(count, mu, score, surge)


def growth(current: int, previous: int) -> Fraction | None:
    """Relative change of a count on the period before: (current − previous) / previous; None
    when the period before had none (a problem new this period ranks by its count instead)."""
    if previous <= 0:
        return None
    return Fraction(current - previous, previous)
