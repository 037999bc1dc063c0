"""District 三率: assessment periods and the rates from counts. Pure, exact.

The city grades the district over periods from the 19th of the previous month 00:00:00 to the
18th 23:59:59 (a rules version may switch to calendar months); the period is named after the month
it ends in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from domain.rules import Rules
from domain.vocabulary import PERIOD_19TH, PERIOD_CALENDAR

PERIOD_START_DAY = 19   # a 19th-period runs from the 19th of the previous month to the 18th


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


def _mode(rules: Rules | None, mode: str | None) -> str:
    """`mode` when given (PERIOD_19TH or PERIOD_CALENDAR), else the rules version's period option."""
    if mode is not None:
        return mode
    period: str = (rules or Rules.default()).body["three_rates"].get("period", PERIOD_19TH)
    return period


def period_for_month(month: str, rules: Rules | None = None, *, mode: str | None = None) -> Period:
    """The period named after `month` (YYYY-MM): 19th of the previous month .. 18th of it, or the
    calendar month."""
    year, mon = (int(x) for x in month.split("-"))
    if _mode(rules, mode) == PERIOD_CALENDAR:
        ny, nm = _month_shift(year, mon, 1)
        start = datetime(year, mon, 1)
        return Period(start, datetime(ny, nm, 1) - timedelta(seconds=1), month)
    py, pm = _month_shift(year, mon, -1)
    return Period(datetime(py, pm, PERIOD_START_DAY), datetime(year, mon, PERIOD_START_DAY - 1, 23, 59, 59), month)


def period_containing(moment: datetime | date, rules: Rules | None = None, *, mode: str | None = None) -> Period:
    d = moment if isinstance(moment, date) and not isinstance(moment, datetime) else moment.date()
    mode = _mode(rules, mode)
    if mode == PERIOD_CALENDAR or d.day < PERIOD_START_DAY:
        return period_for_month(f"{d.year:04d}-{d.month:02d}", mode=mode)
    y, m = _month_shift(d.year, d.month, 1)
    return period_for_month(f"{y:04d}-{m:02d}", mode=mode)


def previous_period(period: Period, rules: Rules | None = None, *, mode: str | None = None) -> Period:
    """The period just before `period`."""
    year, mon = (int(x) for x in period.label.split("-"))
    py, pm = _month_shift(year, mon, -1)
    return period_for_month(f"{py:04d}-{pm:02d}", rules, mode=mode)


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
