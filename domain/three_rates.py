"""District 三率 (DESIGN 3.3): assessment periods and the rates from counts. Pure, exact."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from domain.rules import Rules


@dataclass(frozen=True)
class Period:
    start: datetime   # inclusive, 00:00:00
    end: datetime     # inclusive, 23:59:59 of the last day
    label: str        # the month it is named after, YYYY-MM

    @property
    def end_exclusive(self) -> datetime:
        return self.end + timedelta(seconds=1)


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def period_for_month(month: str, rules: Rules | None = None) -> Period:
    """The period named after `month` (YYYY-MM): 19th of the previous month .. 18th of it."""
    year, mon = (int(x) for x in month.split("-"))
    mode = (rules or Rules.default()).body["three_rates"].get("period", "19th")
    if mode == "calendar":
        ny, nm = _month_shift(year, mon, 1)
        start = datetime(year, mon, 1)
        return Period(start, datetime(ny, nm, 1) - timedelta(seconds=1), month)
    py, pm = _month_shift(year, mon, -1)
    return Period(datetime(py, pm, 19), datetime(year, mon, 18, 23, 59, 59), month)


def period_containing(moment: datetime | date, rules: Rules | None = None) -> Period:
    d = moment if isinstance(moment, date) and not isinstance(moment, datetime) else moment.date()
    mode = (rules or Rules.default()).body["three_rates"].get("period", "19th")
    if mode == "calendar" or d.day <= 18:
        return period_for_month(f"{d.year:04d}-{d.month:02d}", rules)
    y, m = _month_shift(d.year, d.month, 1)
    return period_for_month(f"{y:04d}-{m:02d}", rules)


@dataclass(frozen=True)
class ThreeRates:
    population: int
    contacted: int
    resolved: int
    satisfied: int
    basic_satisfied: int
    response_rate: Fraction | None
    resolution_rate: Fraction | None
    satisfaction_rate: Fraction | None
    composite: Fraction | None


def compute(population: int, contacted: int, resolved: int, satisfied: int, basic_satisfied: int,
            rules: Rules | None = None) -> ThreeRates:
    tr = (rules or Rules.default()).body["three_rates"]
    if population == 0:
        return ThreeRates(0, contacted, resolved, satisfied, basic_satisfied, None, None, None, None)
    basic = Fraction(tr["basic_satisfied_factor"])
    response = Fraction(contacted, population)
    resolution = Fraction(resolved, population)
    satisfaction = (Fraction(satisfied) + basic * basic_satisfied) / population
    composite = 100 * (Fraction(tr["response"]) * response + Fraction(tr["resolution"]) * resolution
                       + Fraction(tr["satisfaction"]) * satisfaction)
    return ThreeRates(population, contacted, resolved, satisfied, basic_satisfied,
                      response, resolution, satisfaction, composite)
