"""THE place a month's assessment is computed (docs/assessment.md): pages, CLI and acceptance pack call it.

Counts come from queries.assessment (SQL); points, score, factor and money from the pure domain
functions. A frozen (signed-off) month is read back from month_signoffs.result_json, never
recomputed; `recompute` ignores the freeze (for the hash comparison and the evidence view).

A month with no ticket received and no event in it (up to `now`) is a gap in the data: its score,
factor, amount and deduction are None (null in `kpi --json`, 「无数据」 on pages and in workbooks)
and it is not counted as assessed (docs/assessment.md, months without data).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import calendar_days
from dashboard.services.assessment import settled_counts
from dashboard.services.rules_store import rules_for_month
from domain import three_rates
from domain.payment import fmt_factor, month_index, month_payment, payment_factor
from domain.scoring import ManualItem, exact, indicator_points, manual_totals, month_score, rate, to_decimal
from domain.vocabulary import INDICATOR_LABELS, NO_DATA
from queries.assessment import month_has_data
from queries.schema import manual_items, month_signoffs

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
RATE_PLACES = 6
POINT_PLACES = 6


class AssessmentError(ValueError):
    """Bad input to the assessment (message in Chinese, for the user)."""


def check_month(month: str) -> str:
    m = MONTH_RE.match(str(month or "").strip())
    if not m:
        raise AssessmentError(f"月份格式应为 YYYY-MM（例如 2025-12），收到：{month!r}")
    return m.group(0)


@dataclass(frozen=True)
class IndicatorResult:
    key: str
    label: str
    numerator: int
    denominator: int
    value: Fraction | None
    target: Fraction
    floor: Fraction            # the ceiling when lower_is_better
    weight: Fraction
    lower_is_better: bool
    points: Fraction

    @property
    def points_lost(self) -> Fraction:
        return self.weight - self.points


@dataclass(frozen=True)
class ThreeRatesResult:
    period_start: datetime
    period_end: datetime
    population: int
    contacted: int
    resolved: int
    satisfied: int
    basic_satisfied: int
    response_rate: Fraction | None
    resolution_rate: Fraction | None
    satisfaction_rate: Fraction | None
    composite: Fraction | None


@dataclass(frozen=True)
class MonthResult:
    month: str
    now: datetime
    rules_version_id: int | None
    indicators: list[IndicatorResult]
    manual_items: list[ManualItem]
    bonus: Fraction
    bonus_uncapped: Fraction
    deductions: Fraction
    veto: bool
    raw_score: Fraction
    score: Decimal | None              # None (with factor, amount, deduction): a month without data
    band: str
    payment_factor: Decimal | None
    rectify: bool
    monthly_fee: Decimal
    amount: Decimal | None
    deduction: Decimal | None
    contract_month: int
    three_rates: ThreeRatesResult
    frozen: bool = False
    extra: dict = field(default_factory=dict)
    # False when a working-day limit of the month reaches a day the calendar does not know
    # (those days counted Monday–Friday: 「日历未确认」); not part of what a frozen month stores
    calendar_confirmed: bool = True

    @property
    def has_data(self) -> bool:
        return self.score is not None

    def indicator(self, key: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.key == key)

    @property
    def points_total(self) -> Fraction:
        return sum((i.points for i in self.indicators), Fraction(0))


# --- computing ------------------------------------------------------------------------------

def load_manual_items(conn: Connection, month: str) -> list[ManualItem]:
    rows = conn.execute(sa.select(manual_items).where(manual_items.c.month == month)
                        .order_by(manual_items.c.id)).mappings().all()
    return [ManualItem(r["item_type"], exact(r["points"]), r["reason"], r["entered_by"]) for r in rows]


def compute(conn: Connection, month: str, now: datetime | None = None) -> MonthResult:
    """The month's result from the current data, frozen or not."""
    month = check_month(month)
    now = now or datetime.now()
    rules = rules_for_month(conn, month)
    confirmed = calendar_days.month_confirmed(calendar_days.load(conn), month, rules.limits())
    period = three_rates.period_for_month(month, rules)
    counts, c = settled_counts.month_counts_for(conn, month=month, now=now, limits=rules.limits(),
                                                required=rules.required_heads(), period=(period.start, period.end))
    indicators = []
    for row in counts.itertuples(index=False):
        spec = rules.indicator(row.key)
        value = rate(row.numerator, row.denominator)
        lower = bool(spec.get("lower_is_better", False))
        pts = indicator_points(value, target=spec["target"], floor=spec["floor"], weight=spec["weight"],
                               lower_is_better=lower)
        indicators.append(IndicatorResult(row.key, INDICATOR_LABELS.get(row.key, row.key), int(row.numerator),
                                          int(row.denominator), value, exact(spec["target"]),
                                          exact(spec["floor"]), exact(spec["weight"]), lower, pts))
    items = load_manual_items(conn, month)
    totals = manual_totals(items, rules.body["manual"]["bonus_cap"])
    sc = month_score([i.points for i in indicators], totals)
    fac = payment_factor(sc.score, rules.body["payment"]["bands"])
    pay = month_payment(rules.monthly_fee, fac.factor)

    rates = three_rates.compute(c["population"], c["contacted"], c["resolved"], c["satisfied"], c["basic_satisfied"], rules)
    three = ThreeRatesResult(period.start, period.end, rates.population, rates.contacted, rates.resolved,
                             rates.satisfied, rates.basic_satisfied, rates.response_rate, rates.resolution_rate,
                             rates.satisfaction_rate, rates.composite)
    scored = month_has_data(conn, month, now)
    return MonthResult(
        month=month, now=now, rules_version_id=rules.version_id, indicators=indicators, manual_items=items,
        bonus=totals.bonus, bonus_uncapped=totals.bonus_uncapped, deductions=totals.deductions, veto=totals.veto,
        raw_score=sc.raw, score=sc.score if scored else None, band=fac.band if scored else NO_DATA,
        payment_factor=fac.factor if scored else None, rectify=fac.rectify and scored,
        monthly_fee=pay.fee, amount=pay.amount if scored else None, deduction=pay.deduction if scored else None,
        contract_month=month_index(month, rules.contract_start),
        three_rates=three, calendar_confirmed=confirmed)


def frozen_row(conn: Connection, month: str):
    return conn.execute(sa.select(month_signoffs).where(month_signoffs.c.month == month,
                                                        month_signoffs.c.frozen)).mappings().first()


def month_result(conn: Connection, month: str, now: datetime | None = None) -> MonthResult:
    """The month's result: the stored one when the month is frozen, else computed as of `now`."""
    month = check_month(month)
    row = frozen_row(conn, month)
    if row is not None and row["result_json"]:
        frozen = from_dict(json.loads(row["result_json"]), frozen=True)
        confirmed = calendar_days.month_confirmed(calendar_days.load(conn), month, rules_for_month(conn, month).limits())
        return replace(frozen, calendar_confirmed=confirmed)
    return compute(conn, month, now)


def recompute(conn: Connection, month: str, now: datetime | None = None) -> MonthResult:
    """Recompute even a frozen month (to compare with what was frozen)."""
    return compute(conn, month, now)


# --- (de)serialising --------------------------------------------------------------------------

def _frac(x: Fraction | None) -> str | None:
    return None if x is None else f"{x.numerator}/{x.denominator}"


def _unfrac(s: str | None) -> Fraction | None:
    return None if s is None else Fraction(s)


def _dec(x: Decimal | None) -> str | None:
    return None if x is None else str(x)


def _undec(s: str | None) -> Decimal | None:
    return None if s is None else Decimal(s)


def _ts(x: datetime) -> str:
    return x.isoformat(sep=" ")


def to_dict(r: MonthResult) -> dict:
    """Everything, exactly (fractions as 'p/q'): what a frozen month stores."""
    t = r.three_rates
    return {
        "month": r.month, "now": _ts(r.now), "rules_version_id": r.rules_version_id,
        "indicators": [{
            "key": i.key, "label": i.label, "numerator": i.numerator, "denominator": i.denominator,
            "value": _frac(i.value), "target": _frac(i.target), "floor": _frac(i.floor),
            "weight": _frac(i.weight), "lower_is_better": i.lower_is_better, "points": _frac(i.points),
        } for i in r.indicators],
        "manual_items": [{"item_type": m.item_type, "points": _frac(m.points), "reason": m.reason,
                          "entered_by": m.entered_by} for m in r.manual_items],
        "bonus": _frac(r.bonus), "bonus_uncapped": _frac(r.bonus_uncapped), "deductions": _frac(r.deductions),
        "veto": r.veto, "raw_score": _frac(r.raw_score), "score": _dec(r.score), "band": r.band,
        "payment_factor": _dec(r.payment_factor), "rectify": r.rectify, "monthly_fee": str(r.monthly_fee),
        "amount": _dec(r.amount), "deduction": _dec(r.deduction), "contract_month": r.contract_month,
        "three_rates": {
            "period_start": _ts(t.period_start), "period_end": _ts(t.period_end), "population": t.population,
            "contacted": t.contacted, "resolved": t.resolved, "satisfied": t.satisfied,
            "basic_satisfied": t.basic_satisfied, "response_rate": _frac(t.response_rate),
            "resolution_rate": _frac(t.resolution_rate), "satisfaction_rate": _frac(t.satisfaction_rate),
            "composite": _frac(t.composite)},
    }


def from_dict(d: dict, frozen: bool = False) -> MonthResult:
    t = d["three_rates"]
    return MonthResult(
        month=d["month"], now=datetime.fromisoformat(d["now"]), rules_version_id=d["rules_version_id"],
        indicators=[IndicatorResult(i["key"], i["label"], i["numerator"], i["denominator"], _unfrac(i["value"]),
                                    _unfrac(i["target"]), _unfrac(i["floor"]), _unfrac(i["weight"]),
                                    i["lower_is_better"], _unfrac(i["points"])) for i in d["indicators"]],
        manual_items=[ManualItem(m["item_type"], _unfrac(m["points"]), m["reason"], m["entered_by"])
                      for m in d["manual_items"]],
        bonus=_unfrac(d["bonus"]), bonus_uncapped=_unfrac(d["bonus_uncapped"]), deductions=_unfrac(d["deductions"]),
        veto=d["veto"], raw_score=_unfrac(d["raw_score"]), score=_undec(d["score"]), band=d["band"],
        payment_factor=_undec(d["payment_factor"]), rectify=d["rectify"], monthly_fee=Decimal(d["monthly_fee"]),
        amount=_undec(d["amount"]), deduction=_undec(d["deduction"]), contract_month=d["contract_month"],
        three_rates=ThreeRatesResult(
            datetime.fromisoformat(t["period_start"]), datetime.fromisoformat(t["period_end"]), t["population"],
            t["contacted"], t["resolved"], t["satisfied"], t["basic_satisfied"], _unfrac(t["response_rate"]),
            _unfrac(t["resolution_rate"]), _unfrac(t["satisfaction_rate"]), _unfrac(t["composite"])),
        frozen=frozen)


def rate_str(x: Fraction | None, places: int = RATE_PLACES) -> str | None:
    return None if x is None else f"{to_decimal(x, places):f}"


def kpi_json(r: MonthResult) -> dict:
    """The object `kpi --json` prints (docs/cli.md, kpi)."""
    t = r.three_rates
    return {
        "month": r.month,
        "indicators": {i.key: {"value": rate_str(i.value), "numerator": i.numerator, "denominator": i.denominator,
                               "points": rate_str(i.points, POINT_PLACES)} for i in r.indicators},
        "manual": {
            "items": [{"type": m.item_type, "points": f"{to_decimal(m.points, 2):f}", "reason": m.reason,
                       "entered_by": m.entered_by} for m in r.manual_items],
            "bonus": f"{to_decimal(r.bonus, 2):f}",
            "bonus_uncapped": f"{to_decimal(r.bonus_uncapped, 2):f}",
            "deductions": f"{to_decimal(r.deductions, 2):f}",
            "veto": r.veto,
        },
        "score": None if r.score is None else f"{r.score:f}",
        "payment_factor": None if r.payment_factor is None else fmt_factor(r.payment_factor),
        "amount": None if r.amount is None else f"{r.amount:f}",
        "deduction": None if r.deduction is None else f"{r.deduction:f}",
        "three_rates": {
            "period_start": _ts(t.period_start), "period_end": _ts(t.period_end), "population": t.population,
            "response_rate": rate_str(t.response_rate), "resolution_rate": rate_str(t.resolution_rate),
            "satisfaction_rate": rate_str(t.satisfaction_rate), "composite": rate_str(t.composite),
        },
        "calendar_confirmed": r.calendar_confirmed,
    }
