"""Cached shift, coverage, headcount and staffing-need figures for the 排班与在岗 page."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd

from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import cached, cached_query, engine
from dashboard.web.reads.forecast import day_forecast
from domain import staffing
from queries import forecast
from queries import shifts as shifts_queries

HANDLING_WINDOW_DAYS = 28

attendance_total = cached_query(shifts_queries.attendance_total, ttl="120s", max_entries=32)
coverage = cached_query(shifts_queries.coverage, ttl="120s", max_entries=32)
people_moves = cached_query(shifts_queries.people_moves, ttl="600s", max_entries=32)


@cached(ttl="120s", max_entries=32, show_spinner=False)
def attendance_by_day_shift(first_day: date, last_day: date, now: datetime) -> pd.DataFrame:
    """queries.shifts.attendance_by_day_shift plus `rate` (present / started, display float)."""
    with engine().connect() as conn:
        df = shifts_queries.attendance_by_day_shift(conn, first_day=first_day, last_day=last_day, now=now)
    df["rate"] = pd.Series([None if r is None else float(r) for r in map(staffing.share, df["present"], df["started"])],
                           index=df.index, dtype="float64")
    return df


@cached(ttl="600s", max_entries=32, show_spinner=False)
def headcount_flow(first_day: date, last_day: date) -> pd.DataFrame:
    """queries.shifts.headcount_flow plus `turnover` (员工流失率, display float)."""
    with engine().connect() as conn:
        df = shifts_queries.headcount_flow(conn, first_day=first_day, last_day=last_day)
    rates = [staffing.turnover_rate(d, a, b) for d, a, b in zip(df["departures"], df["headcount_start"], df["headcount_end"])]
    df["turnover"] = pd.Series([None if r is None else float(r) for r in rates], index=df.index, dtype="float64")
    return df


@cached(ttl="600s", max_entries=16, show_spinner=False)
def shift_minimum(month: str) -> dict[str, int]:
    with engine().connect() as conn:
        return {k: int(v) for k, v in rules_for_month(conn, month).body["staffing"]["shift_minimum"].items()}


@cached(ttl="600s", max_entries=16, show_spinner=False)
def handling_minutes(day: date, until: datetime) -> float | None:
    """queries.forecast.handling_minutes of the HANDLING_WINDOW_DAYS before `day` (up to `until`
    = min(now, day 00:00)): for today one cache entry for the whole day, not one per minute."""
    since = datetime.combine(day, time()) - timedelta(days=HANDLING_WINDOW_DAYS)
    with engine().connect() as conn:
        return forecast.handling_minutes(conn, start=since, end=until)


@cached(ttl="300s", max_entries=32, show_spinner=False)
def staffing_plan(day: date, now: datetime) -> dict:
    """Forecast, observed handling minutes and the dispatchers needed per shift of `day`, next to
    the plan and the contract minimum.

    {"forecast": DayForecast, "handling_minutes": Decimal, "handling_source": str,
     "occupancy": Decimal, "shifts": DataFrame[shift, volume, peak_hour_volume, needed,
     needed_average, planned, on_duty, minimum]}
    """
    observed = handling_minutes(day, min(now, datetime.combine(day, time())))
    with engine().connect() as conn:
        rules = rules_for_month(conn, f"{day:%Y-%m}")
        cfg = rules.body.get("staffing", {})
        occupancy = Decimal(str(cfg.get("target_occupancy", staffing.DEFAULT_OCCUPANCY)))
        if observed:
            minutes, source = Decimal(f"{observed:.2f}"), f"近 {HANDLING_WINDOW_DAYS} 天签收→派单时长中位数"
        else:
            minutes = Decimal(str(cfg.get("handling_minutes", staffing.DEFAULT_HANDLING_MINUTES)))
            source = "规则默认值"
        plan = shifts_queries.planned_by_shift(conn, day=day, role="派单专员", now=now)
        minimum = int(cfg.get("shift_minimum", {}).get("派单专员", 0))
    fc = day_forecast(day, now)   # cached: the surge panel reads the same forecast of today
    rows = [staffing.shift_need(fc, s, minutes, occupancy) for s in staffing.SHIFTS]
    df = pd.DataFrame(rows).merge(plan, on="shift", how="left").fillna({"planned": 0, "on_duty": 0})
    df["minimum"] = minimum
    df["gap"] = [staffing.staffing_gap(n, p) for n, p in zip(df["needed"], df["planned"].fillna(0))]
    return {"forecast": fc, "handling_minutes": minutes, "handling_source": source, "occupancy": occupancy,
            "shifts": df.astype({"planned": "int64", "on_duty": "int64"})}
