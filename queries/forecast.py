"""Hourly intake history and forecast, surge status, observed handling time (DESIGN 3.4).

The SQL only counts (tickets per day and hour, a median by window functions). The forecast and
the surge rule are pure functions over those counts, kept here next to the SQL that feeds them so
that `surge_status(conn, now)` answers the wall display, the stand-up and the back-test alike
without the query layer importing dashboard/ (domain.staffing re-exports them).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.rollups import hourly_received, rollups_cover
from queries.schema import ticket_facts as tf
from queries.sql import hour_of, seconds_between

WEEKS = 8
RECENT_DAYS = 7


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
                 recent_days: int = 7, kind_of: Callable[[date], int] | None = None) -> DayForecast:
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




# --- SQL ---------------------------------------------------------------------------------------

HOURLY_COLUMNS = ["day", "hour", "tickets"]


def hourly_intake(conn: Connection, *, start: datetime, end: datetime) -> pd.DataFrame:
    """Tickets received per day and hour in [start, end). day (date) · hour (0–23) · tickets (int)"""
    if rollups_cover(conn, start=start, end=end):   # whole days from rollup_hourly (issue 8)
        return hourly_received(conn, start=start, end=end)
    h = hour_of(tf.c.received_at)
    stmt = (sa.select(tf.c.received_day, h, sa.func.count())
            .where(tf.c.received_at >= sa.bindparam("f_start", start, type_=sa.DateTime()),
                   tf.c.received_at < sa.bindparam("f_end", end, type_=sa.DateTime()))
            .group_by(tf.c.received_day, h))
    df = pd.DataFrame(conn.execute(stmt).all(), columns=HOURLY_COLUMNS)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return df.astype({"hour": "int64", "tickets": "int64"}).sort_values(["day", "hour"]).reset_index(drop=True)


def as_history(df: pd.DataFrame) -> dict[tuple[date, int], int]:
    return {(d, int(h)): int(n) for d, h, n in zip(df["day"], df["hour"], df["tickets"])}


def history_window(day: date, weeks: int = WEEKS) -> datetime:
    """First moment of the history a forecast of `day` reads (the profile of the last `weeks`
    weeks, plus the profile of the recent-level days before them)."""
    return datetime.combine(day - timedelta(days=7 * weeks + RECENT_DAYS + 7), time())


def forecast_for(conn: Connection, *, day: date, now: datetime, weeks: int = WEEKS,
                 kind_of: Callable[[date], int] | None = None) -> DayForecast:
    """The forecast of `day` from the intake before it (and before `now`)."""
    end = min(datetime.combine(day, time()), now)
    hist = as_history(hourly_intake(conn, start=history_window(day, weeks), end=end))
    return forecast_day(hist, day, weeks=weeks, kind_of=kind_of)


def handling_minutes(conn: Connection, *, start: datetime, end: datetime) -> float | None:
    """Median minutes from SIGN to DISPATCH of the tickets dispatched in [start, end), or None."""
    lag = seconds_between(tf.c.signed_at, tf.c.dispatched_at)
    base = (sa.select(lag.label("secs"))
            .where(tf.c.dispatched_at >= sa.bindparam("h_start", start, type_=sa.DateTime()),
                   tf.c.dispatched_at < sa.bindparam("h_end", end, type_=sa.DateTime()),
                   tf.c.signed_at.is_not(None), tf.c.dispatched_at >= tf.c.signed_at)).subquery()
    ranked = sa.select(base.c.secs, sa.func.row_number().over(order_by=base.c.secs).label("rn"),
                       sa.func.count().over().label("n")).subquery()
    value = conn.execute(sa.select(sa.func.avg(ranked.c.secs))
                         .where(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)).scalar()
    return None if value is None else float(value) / 60


def surge_status(conn: Connection, now: datetime, *, weeks: int = WEEKS,
                 kind_of: Callable[[date], int] | None = None, fc: DayForecast | None = None) -> dict:
    """Is today's intake surging at `now`? (for the wall display and the stand-up)

    {"day", "active" (bool), "message" (Chinese), "hour" (last completed hour judged or None),
     "actual", "expected", "upper", "ratio", "level", "history_days"}

    `fc`: today's forecast_for(day=now.date(), now=now, weeks=weeks, kind_of=kind_of) when the
    caller has it already (the shifts page shows it too).
    """
    day = now.date()
    if fc is None:
        fc = forecast_for(conn, day=day, now=now, weeks=weeks, kind_of=kind_of)
    today = hourly_intake(conn, start=datetime.combine(day, time()), end=now.replace(minute=0, second=0, microsecond=0))
    s = surge_rule(fc, {int(h): int(n) for h, n in zip(today["hour"], today["tickets"])}, now)
    return {"day": day, "active": s.active, "message": s.message, "hour": s.hour, "actual": s.actual,
            "expected": s.expected, "upper": s.upper, "ratio": s.ratio, "level": fc.level,
            "history_days": fc.history_days}
