"""Staff periods, shifts, rankings, the hourly intake forecast, surge rule and dispatcher need.

Pure functions over plain values (DESIGN 3.4): the pages, the stand-up workbook, the wall display
and the back-test all call these, so a forecast or a "needed" figure is computed in one place.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

# DESIGN 5: 早班 08–16 / 中班 16–24 / 夜班 00–08
SHIFTS = ("夜班", "早班", "中班")
SHIFT_START_HOUR = {"夜班": 0, "早班": 8, "中班": 16}
SHIFT_HOURS = 8
STAFF_ROLES = ("派单专员", "退单专员", "质检专员", "协查专员", "数据分析专员")
GROUP_OF_ROLE = {"派单专员": "派单", "退单专员": "退单", "质检专员": "质检", "协查专员": "协查",
                 "数据分析专员": "数据分析"}
PERIOD_KINDS = {"shift": "班次", "day": "日", "week": "周", "month": "月"}
MIN_SAMPLE = 20          # fewer actions than this: "样本不足", not ranked
SMALL_SAMPLE = "样本不足"
DEFAULT_HANDLING_MINUTES = Decimal("6")
DEFAULT_OCCUPANCY = Decimal("0.85")


def shift_of(moment: datetime) -> str:
    """The shift running at `moment`."""
    return SHIFTS[moment.hour // SHIFT_HOURS]


def shift_bounds(day: date, shift: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(SHIFT_START_HOUR[shift]))
    return start, start + timedelta(hours=SHIFT_HOURS)


def shift_hours(shift: str) -> range:
    return range(SHIFT_START_HOUR[shift], SHIFT_START_HOUR[shift] + SHIFT_HOURS)


def current_shift(now: datetime) -> tuple[date, str, datetime, datetime]:
    """(day, shift, start, end) of the shift running at `now`."""
    s = shift_of(now)
    start, end = shift_bounds(now.date(), s)
    return now.date(), s, start, end


def period_bounds(kind: str, anchor: date, shift: str | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the period containing `anchor`: a shift, the day, the ISO week (Mon–Sun)
    or the calendar month."""
    if kind == "shift":
        return shift_bounds(anchor, shift or "早班")
    if kind == "day":
        start = datetime.combine(anchor, time())
        return start, start + timedelta(days=1)
    if kind == "week":
        start = datetime.combine(anchor - timedelta(days=anchor.weekday()), time())
        return start, start + timedelta(days=7)
    if kind == "month":
        start = datetime(anchor.year, anchor.month, 1)
        end = datetime(anchor.year + (anchor.month == 12), anchor.month % 12 + 1, 1)
        return start, end
    raise ValueError(f"未知的统计周期：{kind}")


def share(numerator: int, denominator: int) -> Fraction | None:
    return None if not denominator else Fraction(int(numerator), int(denominator))


def rank_labels(samples: list[int], scores: list[Fraction | None], *, min_sample: int = MIN_SAMPLE,
                lower_is_better: bool = False) -> list[str]:
    """Competition ranks ("1", "2", "2", "4") among people with at least `min_sample` actions;
    the others get "样本不足" so one lucky ticket does not top the table."""
    eligible = [(i, s) for i, (n, s) in enumerate(zip(samples, scores)) if n >= min_sample and s is not None]
    out = [SMALL_SAMPLE] * len(samples)
    ordered = sorted(eligible, key=lambda x: x[1], reverse=not lower_is_better)
    for pos, (i, s) in enumerate(ordered):
        rank = pos + 1
        if pos and ordered[pos - 1][1] == s:
            rank = int(out[ordered[pos - 1][0]])
        out[i] = str(rank)
    return out


def turnover_rate(departures: int, headcount_start: int, headcount_end: int) -> Fraction | None:
    """员工流失率 = departures / average headcount ((start + end) / 2)."""
    avg = Fraction(headcount_start + headcount_end, 2)
    return None if avg == 0 else Fraction(departures) / avg


def coverage_by_hour(rows: list[tuple[date, str, str, int]]) -> dict[tuple[date, int, str], int]:
    """(day, shift, role, people) → people on duty per (day, hour, role)."""
    out: dict[tuple[date, int, str], int] = {}
    for day, shift, role, people in rows:
        for h in shift_hours(shift):
            out[(day, h, role)] = out.get((day, h, role), 0) + int(people)
    return out


# --- forecast -----------------------------------------------------------------------------

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


def forecast_day(history: dict[tuple[date, int], int], day: date, *, weeks: int = 8, sigmas: float = 2.0,
                 recent_days: int = 7) -> DayForecast:
    """Hourly intake forecast for `day` from the counts of the days before it.

    Profile: for each hour, the mean and spread over the same weekday of the last `weeks` weeks
    (days with no intake at all are taken as missing data, not as zero demand). Level: the last
    `recent_days` days' intake against what the profile of their weekdays expected, so a month
    that runs 10 % hotter lifts every slot. The band is mean ± `sigmas`·σ of the scaled history;
    cumulative slots get their own band from the spread of the cumulative counts, because
    busy hours come in busy days and the hourly spreads do not simply add up.
    """
    days_with_data = {d for (d, _h) in history}

    def same_weekday_days(target: date) -> list[date]:
        return [target - timedelta(days=7 * k) for k in range(1, weeks + 1)
                if (target - timedelta(days=7 * k)) in days_with_data]

    def hourly(d: date) -> list[int]:
        return [history.get((d, h), 0) for h in range(24)]

    past = same_weekday_days(day)
    series = [hourly(d) for d in past]
    # level from the recent days, each against its own weekday profile
    actual_recent = expected_recent = 0.0
    for k in range(1, recent_days + 1):
        d = day - timedelta(days=k)
        if d not in days_with_data:
            continue
        ref = same_weekday_days(d)
        if not ref:
            continue
        actual_recent += sum(hourly(d))
        expected_recent += sum(sum(hourly(r)) for r in ref) / len(ref)
    level = actual_recent / expected_recent if expected_recent > 0 else 1.0

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
            return (f"工单突增：今日 {span} 累计受理 {self.actual} 件，超过预测上限 {self.upper:.0f} 件"
                    f"（预测 {self.expected:.0f} 件）。请增派人手、调整排班。")
        return f"今日 {span} 累计受理 {self.actual} 件，在预测区间内（上限 {self.upper:.0f} 件）。"


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


def dispatchers_needed(volume: float | Decimal | int, handling_minutes: Decimal | int | str,
                       occupancy: Decimal | str = DEFAULT_OCCUPANCY, hours: int = 1) -> int:
    """Workload formula: volume × handling minutes / (60 × hours × occupancy), rounded up (exact)."""
    v = Fraction(Decimal(str(volume)))
    need = v * Fraction(Decimal(str(handling_minutes))) / (60 * hours * Fraction(Decimal(str(occupancy))))
    return math.ceil(need)


def shift_need(fc: DayForecast, shift: str, handling_minutes, occupancy=DEFAULT_OCCUPANCY) -> dict:
    """Forecast volume of a shift and dispatchers needed: the busiest hour decides, since a shift
    staffed for its average hour falls behind in its peak."""
    hrs = [fc.hours[h] for h in shift_hours(shift)] if fc.hours else []
    volume = sum(h.expected for h in hrs)
    peak = max((h.expected for h in hrs), default=0.0)
    return {
        "shift": shift,
        "volume": volume,
        "peak_hour_volume": peak,
        "needed": dispatchers_needed(peak, handling_minutes, occupancy) if hrs else 0,
        "needed_average": dispatchers_needed(volume, handling_minutes, occupancy, hours=SHIFT_HOURS) if hrs else 0,
    }
