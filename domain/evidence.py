"""When a figure may say more than its count: the rules of evidence every page, workbook and wall
screen applies before it shows a change, a verdict or an "above normal" flag
(docs/figures.md). Pure functions; each figure has its home here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from domain.formatting import half_up, to_decimal

# A percentage change (环比) is shown only when the base it divides by has at least this many items;
# below it the plain difference is shown and the percentage is left out.
MIN_PERCENT_BASE = 30

# A ranking leaves out whatever has fewer items than this (「样本不足」, not ranked): people by their
# actions (人员绩效, 班前会), units by their 有效回访 (the lowest 三率 on the wall and the overview), so
# that one or two lucky or unlucky items do not top a table or an alarm.
MIN_RANK_SAMPLE = 20
SMALL_SAMPLE = "样本不足"

# A verdict (达标 / 未达标) on a rate is given only on at least this many items.
MIN_VERDICT_ITEMS = 30

# "Above normal" (高于常态): a count c against its usual level μ is flagged only when
# c ≥ ABOVE_NORMAL_MIN_COUNT and (c − μ) / √max(μ, 1) ≥ ABOVE_NORMAL_Z — the test of a 突增 hot topic.
ABOVE_NORMAL_MIN_COUNT = 10
ABOVE_NORMAL_Z = 3

IN_PROGRESS = "进行中"
PERCENTAGE_POINTS = "个百分点"
WORSE_COLOR = "red"
BETTER_COLOR = "green"


def percent_change(current: int, base: int | None) -> Fraction | None:
    """(current − base) / base, or None when the base is missing or under MIN_PERCENT_BASE."""
    if base is None or base < MIN_PERCENT_BASE:
        return None
    return Fraction(int(current) - int(base), int(base))


def z_score(count: float, usual: float) -> float:
    """(c − μ) / √max(μ, 1)."""
    return (float(count) - float(usual)) / math.sqrt(max(float(usual), 1.0))


def above_normal(count: float, usual: float | None) -> bool:
    """True when `count` is both large enough and significantly above `usual` (see the module doc)."""
    if usual is None:
        return False
    return count >= ABOVE_NORMAL_MIN_COUNT and z_score(count, usual) >= ABOVE_NORMAL_Z


def verdict_allowed(items: int | None) -> bool:
    """A 达标/未达标 verdict needs at least MIN_VERDICT_ITEMS items."""
    return items is not None and int(items) >= MIN_VERDICT_ITEMS


@dataclass(frozen=True)
class Comparison:
    """How the previous period is compared with one not yet ended: its first `elapsed`."""

    in_progress: bool
    prev_start: datetime
    prev_cut: datetime        # the previous period's instant matching `now` (inclusive, as `now` is)


def like_for_like(start: datetime, end: datetime, prev_start: datetime, prev_end: datetime,
                  now: datetime) -> Comparison:
    """A period [start, end) seen at `now`: when it has not ended, the previous period is taken over
    the same elapsed time from its start (never more than the whole of it); else in whole."""
    if now >= end:
        return Comparison(False, prev_start, prev_end)
    elapsed = max(now - start, timedelta(0))
    return Comparison(True, prev_start, min(prev_start + elapsed, prev_end))


def percent_change_text(ratio: Fraction | Decimal | None, places: int = 2) -> str | None:
    """A percentage change (变化 ÷ 上期) as '+1.41%' / '-1.41%' (half-up), or None."""
    if ratio is None:
        return None
    return f"{half_up(to_decimal(ratio) * 100, places):+}%"


def points_text(change: Fraction | Decimal | None, places: int = 2) -> str | None:
    """A rate change as '+1.25 个百分点' (half-up), or None."""
    if change is None:
        return None
    return f"{half_up(to_decimal(change) * 100, places):+} {PERCENTAGE_POINTS}"
