"""Payment factor, month amount and instalments (docs/payment.md). Pure and exact (Decimal)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.formatting import number_text
from domain.scoring import half_up

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Factor:
    factor: Decimal
    band: str          # e.g. "≥90", "80–90", "70–80", "<70"
    rectify: bool      # 整改 flag


def _band_label(bands: list[dict[str, Any]], index: int, gap: str = "") -> str:
    """The score range of bands[index] (highest min first): ≥90, 80–90, <70; `gap` after ≥ and <."""
    lo = Decimal(str(bands[index]["min"]))
    if index == 0:
        return f"≥{gap}{lo.normalize():f}"
    hi = Decimal(str(bands[index - 1]["min"]))
    if lo <= 0:
        return f"<{gap}{hi.normalize():f}"
    return f"{lo.normalize():f}–{hi.normalize():f}"


def payment_factor(score: Decimal, bands: list[dict[str, Any]]) -> Factor:
    """factor = base − (anchor − score) × slope for the first band (highest min first) with
    min ≤ score. `score` is the score already rounded to 0.01."""
    s = Decimal(score)
    ordered = sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True)
    for i, b in enumerate(ordered):
        if s >= Decimal(str(b["min"])):
            f = Decimal(str(b["base"])) - (Decimal(str(b["anchor"])) - s) * Decimal(str(b["slope"]))
            return Factor(f, _band_label(ordered, i), bool(b.get("rectify", False)))
    b = ordered[-1]
    return Factor(Decimal(str(b["base"])), _band_label(ordered, len(ordered) - 1), bool(b.get("rectify", False)))


def fmt_factor(f: Decimal) -> str:
    """At least two decimals, no needless trailing zeros beyond them: 1.00, 0.95, 0.9998."""
    d = f.normalize()
    exponent = d.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"a payment factor is a finite Decimal, not {f}")
    if -exponent < 2:
        d = d.quantize(Decimal("0.01"))
    return f"{d:f}"


def bands_text(bands: list[dict[str, Any]]) -> str:
    """The payment bands as one sentence for pages and workbooks, highest band first, e.g.
    ≥ 90 分 1.00；80–90 分 1 − (90 − 得分) × 0.01；70–80 分 0.90 − (80 − 得分) × 0.02；< 70 分 0.70 并需整改"""
    ordered = sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True)
    parts = []
    for i, b in enumerate(ordered):
        base, slope = Decimal(str(b["base"])), Decimal(str(b["slope"]))
        if slope == 0:
            factor = fmt_factor(base)
        else:
            # a whole base reads as the formula's "1 −", a fractional one as a factor (0.90)
            lead = number_text(base) if base == base.to_integral_value() else fmt_factor(base)
            factor = f"{lead} − ({number_text(Decimal(str(b['anchor'])))} − 得分) × {fmt_factor(slope)}"
        parts.append(f"{_band_label(ordered, i, ' ')} 分 {factor}" + (" 并需整改" if b.get("rectify") else ""))
    return "；".join(parts)


@dataclass(frozen=True)
class MonthPayment:
    fee: Decimal
    factor: Decimal
    amount: Decimal       # fee × factor, half-up to 0.01 元
    deduction: Decimal    # fee − amount


def month_payment(fee: Decimal, factor: Decimal) -> MonthPayment:
    fee = Decimal(fee)
    amount = half_up(fee * Decimal(factor))
    return MonthPayment(fee, Decimal(factor), amount, (fee - amount).quantize(Decimal("0.01")))


def month_index(month: str, contract_start: str) -> int:
    """Contract month number (1 = the contract_start month, 2025-12 by default)."""
    y, m = (int(x) for x in month.split("-"))
    sy, sm = (int(x) for x in contract_start.split("-"))
    return (y * 12 + m) - (sy * 12 + sm) + 1


def month_of_index(index: int, contract_start: str) -> str:
    sy, sm = (int(x) for x in contract_start.split("-"))
    k = sy * 12 + (sm - 1) + index - 1
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


@dataclass(frozen=True)
class Instalments:
    first: Decimal            # months 1–6
    second: Decimal           # months 7–11
    third: Decimal            # 尾款: fee − Σ deductions of months 1–12, never below 0
    total_deductions: Decimal
    to_recover: Decimal       # 应追回金额 when the deductions exceed the last month's fee


def instalments(monthly_fee: Decimal, deductions: dict[int, Decimal]) -> Instalments:
    """`deductions`: contract month number (1..12) → that month's deduction (missing = 0)."""
    fee = Decimal(monthly_fee)
    total = sum((Decimal(deductions.get(i, ZERO)) for i in range(1, 13)), ZERO)
    remainder = fee - total
    cent = Decimal("0.01")
    return Instalments((fee * 6).quantize(cent), (fee * 5).quantize(cent),
                       max(remainder, ZERO).quantize(cent), total.quantize(cent),
                       max(-remainder, ZERO).quantize(cent))


@dataclass(frozen=True)
class BandMargin:
    edge: Decimal          # the lower edge of the score's band (e.g. 90)
    margin: Decimal        # score − edge (≥ 0)
    point_below: Decimal   # what the month's amount loses when the score is one point below the edge


def band_margin(score: Decimal, bands: list[dict[str, Any]], fee: Decimal) -> BandMargin | None:
    """How far the (rounded) score is above the lower edge of its payment band, and the money one
    point below that edge costs against the edge itself; None in the lowest band (nothing below)."""
    s = Decimal(score)
    ordered = sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True)
    for b in ordered[:-1]:
        edge = Decimal(str(b["min"]))
        if s >= edge:
            at_edge = month_payment(fee, payment_factor(edge, bands).factor).amount
            below = month_payment(fee, payment_factor(edge - 1, bands).factor).amount
            return BandMargin(edge, s - edge, at_edge - below)
    return None


def next_band_up(score: Decimal, bands: list[dict[str, Any]], fee: Decimal) -> BandMargin | None:
    """The lower edge of the band above the score's, how many points short of it the score is, and
    what reaching it adds to the month's amount; None in the top band."""
    s = Decimal(score)
    edges = sorted((Decimal(str(b["min"])) for b in bands), reverse=True)
    above = [e for e in edges if e > s]
    if not above:
        return None
    edge = min(above)
    gain = month_payment(fee, payment_factor(edge, bands).factor).amount - \
        month_payment(fee, payment_factor(s, bands).factor).amount
    return BandMargin(edge, edge - s, gain)
