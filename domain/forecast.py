"""The hourly intake forecast and the surge rule: pure functions over intake counts.

The counts come from queries.forecast (SQL); the wall display, the stand-up, the shifts page and
the back-test all forecast through `forecast_day` and judge a surge through `surge_rule`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.formatting import count

WEEKS = 8           # same-weekday days of the profile
RECENT_DAYS = 7     # days whose intake sets the recent level
SIGMAS = 2.0        # width of the band, in standard deviations


@dataclass(frozen=True)
class HourForecast:
    hour: int
    expected: float          # scaled profile mean
    lower: float             # max(0, scaled mean − 2σ)
    upper: float             # scaled mean + 2σ
    cum_expected: float      # the same for the cumulative count from 00:00 to the end of `hour`
    cum_lower: float
    cum_upper: float


@dataclass(frozen=True)
class DayForecast:
    day: date
    level: float             # recent level: last 7 days' intake / what the profile expected for them
    history_days: int        # same-weekday days in the profile
    hours: list[HourForecast] = field(default_factory=list)

    def total(self) -> float:
        return self.hours[-1].cum_expected if self.hours else 0.0


def _mean_sd(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, 0.0
    var = sum((v - m) ** 2 for v in values) / (len(values) - 1)
    return m, math.sqrt(var)


def forecast_day(history: dict[tuple[date, int], int], day: date, *, weeks: int = WEEKS, sigmas: float = SIGMAS,
                 recent_days: int = RECENT_DAYS, kind_of: Callable[[date], int] | None = None) -> DayForecast:
    """Hourly intake forecast for `day` from the counts of the days before it.

    Profile: for each hour, the mean and spread over the same weekday (by `kind_of`, default the
    plain weekday) of the last `weeks` weeks
    (days with no intake at all are taken as missing data, not as zero demand). Level: the median,
    over the last `recent_days` days, of each day's intake against what the profile of its weekday
    expected, so a month that runs 10 % hotter lifts every slot and one surge day does not. The band is mean ± `sigmas`·σ of the scaled history;
    cumulative slots get their own band from the spread of the cumulative counts, because
    busy hours come in busy days and the hourly spreads do not simply add up.
    """
    days_with_data = {d for (d, _h) in history}
    kind = kind_of or date.weekday

    def same_weekday_days(target: date) -> list[date]:
        # the days of the same kind (weekday; a holiday counts as a Sunday, a 调休 make-up
        # Saturday as a working day when kind_of says so) in the `weeks` weeks before
        k = kind(target)
        return [d for d in (target - timedelta(days=i) for i in range(1, 7 * weeks + 1))
                if d in days_with_data and kind(d) == k][:weeks]

    def hourly(d: date) -> list[int]:
        return [history.get((d, h), 0) for h in range(24)]

    past = same_weekday_days(day)
    series = [hourly(d) for d in past]
    # Level from the recent days, each against its own weekday profile. The median of the daily
    # ratios, so one surge day last week does not inflate the whole next week's forecast.
    ratios = []
    for k in range(1, recent_days + 1):
        d = day - timedelta(days=k)
        if d not in days_with_data:
            continue
        ref = same_weekday_days(d)
        expected = sum(sum(hourly(r)) for r in ref) / len(ref) if ref else 0
        if expected > 0:
            ratios.append(sum(hourly(d)) / expected)
    ratios.sort()
    mid = len(ratios) // 2
    level = (ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2) if ratios else 1.0

    hours = []
    cum_series = [[sum(s[: h + 1]) for h in range(24)] for s in series]
    for h in range(24):
        m, sd = _mean_sd([s[h] * level for s in series])
        cm, csd = _mean_sd([c[h] * level for c in cum_series])
        hours.append(HourForecast(h, m, max(0.0, m - sigmas * sd), m + sigmas * sd,
                                  cm, max(0.0, cm - sigmas * csd), cm + sigmas * csd))
    return DayForecast(day, level, len(past), hours)


@dataclass(frozen=True)
class Surge:
    active: bool
    hour: int | None          # the last completed hour judged
    actual: int               # cumulative intake 00:00 → end of that hour
    expected: float
    upper: float
    ratio: float | None       # actual / expected

    @property
    def message(self) -> str:
        if self.hour is None:
            return "今日尚无完整小时，暂不判断突增。"
        span = f"00:00–{self.hour + 1:02d}:00"
        if self.active:
            return (f"工单突增：今日 {span} 累计受理 {count(self.actual)} 件，超过预测上限 {self.upper:,.0f} 件"
                    f"（预测 {self.expected:,.0f} 件）。请增派人手、调整排班。")
        return f"今日 {span} 累计受理 {count(self.actual)} 件，在预测区间内（上限 {self.upper:,.0f} 件）。"


MIN_HOURS_JUDGED = 2   # the first hour or two of a day is too thin to call a surge on


def surge_rule(fc: DayForecast, today_hourly: dict[int, int], now: datetime) -> Surge:
    """Surge = today's cumulative intake up to the last completed hour above the cumulative
    band's upper bound (a single noisy hour does not fire it)."""
    last = now.hour - 1
    if last < 0 or not fc.hours or fc.history_days == 0:
        return Surge(False, None if last < 0 else last, 0, 0.0, 0.0, None)
    actual = sum(today_hourly.get(h, 0) for h in range(last + 1))
    slot = fc.hours[last]
    active = last + 1 >= MIN_HOURS_JUDGED and actual > slot.cum_upper
    ratio = actual / slot.cum_expected if slot.cum_expected > 0 else None
    return Surge(active, last, actual, slot.cum_expected, slot.cum_upper, ratio)
