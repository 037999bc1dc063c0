"""Indicator points, manual items and the month score (docs/assessment.md). Pure and exact.

Rates and points are Fractions summed unrounded; only the final score is rounded half-up to
0.01, and that rounded score is what picks the payment factor (domain.payment).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeAlias

from domain.vocabulary import ITEM_BONUS, ITEM_DEDUCTION, ITEM_TYPES, ITEM_VETO  # noqa: F401 - ITEM_TYPES read from here

CENT = Decimal("0.01")
ZERO = Fraction(0)
ONE = Fraction(1)
HUNDRED = Fraction(100)
# what exact() accepts: rules bodies hold their figures as strings or ints
ExactNumber: TypeAlias = Fraction | Decimal | int | str

def exact(x: Fraction | Decimal | int | str) -> Fraction:
    """A Fraction from an exact value; floats are refused (they are never exact money)."""
    if isinstance(x, float):
        raise TypeError("float is not exact: pass a str, int, Decimal or Fraction")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, Decimal)):
        return Fraction(x)
    return Fraction(Decimal(str(x).strip()))


def to_decimal(x: Fraction | Decimal | int, places: int) -> Decimal:
    """x rounded half-up (四舍五入) to `places` decimals, computed exactly."""
    step = Decimal(1).scaleb(-places)
    if isinstance(x, Decimal):
        return x.quantize(step, rounding=ROUND_HALF_UP)
    f = exact(x)
    # exact: scale to an integer count of steps, round half-up away from zero on the Fraction
    scaled = f * (10 ** places)
    n, d = scaled.numerator, scaled.denominator
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    q = q if n >= 0 else -q
    return Decimal(q).scaleb(-places).quantize(step)


def half_up(x: Fraction | Decimal | int, step: Decimal = CENT) -> Decimal:
    exponent = step.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"step must be a finite Decimal, not {step}")
    return to_decimal(x, -exponent)


def clamp(x: Fraction, lo: Fraction, hi: Fraction) -> Fraction:
    return min(max(x, lo), hi)


def rate(numerator: int, denominator: int) -> Fraction | None:
    """numerator / denominator; None (reported as null) when nothing was counted."""
    return None if denominator == 0 else Fraction(int(numerator), int(denominator))


def indicator_points(value: Fraction | None, *, target: ExactNumber, floor: ExactNumber, weight: ExactNumber,
                     lower_is_better: bool = False) -> Fraction:
    """w × clamp((a − floor)/(target − floor), 0, 1); lower is better: the floor is the ceiling,
    w × clamp((ceiling − a)/(ceiling − target), 0, 1). No data (None) scores the full weight."""
    w, t, f = exact(weight), exact(target), exact(floor)
    if value is None:
        return w
    a = exact(value)
    if t == f:  # a step: met or not
        met = a <= t if lower_is_better else a >= t
        return w if met else ZERO
    share = (f - a) / (f - t) if lower_is_better else (a - f) / (t - f)
    return w * clamp(share, ZERO, ONE)


@dataclass(frozen=True)
class ManualItem:
    item_type: str        # 扣分 / 加分 / 一票否决
    points: Fraction      # ≥ 0; the sign comes from the type
    reason: str = ""
    entered_by: str = ""


@dataclass(frozen=True)
class ManualTotals:
    bonus: Fraction           # after the cap
    bonus_uncapped: Fraction
    deductions: Fraction
    veto: bool


def manual_totals(items: list[ManualItem], bonus_cap: ExactNumber) -> ManualTotals:
    """Bonuses are capped in total before deductions are subtracted (docs/assessment.md, manual items)."""
    bonus = sum((exact(i.points) for i in items if i.item_type == ITEM_BONUS), ZERO)
    deductions = sum((exact(i.points) for i in items if i.item_type == ITEM_DEDUCTION), ZERO)
    veto = any(i.item_type == ITEM_VETO for i in items)
    return ManualTotals(min(bonus, exact(bonus_cap)), bonus, deductions, veto)


@dataclass(frozen=True)
class Score:
    raw: Fraction        # clamp(Σ points + bonus − deductions, 0, 100), unrounded
    score: Decimal       # raw rounded half-up to 0.01 (0.00 under a veto)


def month_score(points: list[Fraction], totals: ManualTotals) -> Score:
    if totals.veto:
        return Score(ZERO, Decimal("0.00"))
    raw = clamp(sum(points, ZERO) + totals.bonus - totals.deductions, ZERO, HUNDRED)
    return Score(raw, half_up(raw))
