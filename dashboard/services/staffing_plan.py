"""The dispatchers a day needs per shift (the 排班与在岗 page's plan and the stand-up's): the intake
forecast, the handling minutes observed over the weeks before, the rules' target occupancy, next to
the dispatchers planned and the contract minimum."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services import day_figures
from dashboard.services.rules_store import rules_for_month
from domain import staffing
from domain.vocabulary import DISPATCHER
from queries import forecast
from queries import shifts as shifts_queries

PLANNED_ROLE = DISPATCHER


def handling_until(day: date, now: datetime) -> datetime:
    """The handling minutes and the forecast of `day` read what happened before min(now, day
    00:00): for today, one answer the whole day."""
    return day_figures.data_until(day, now)


def handling_minutes(conn: Connection, day: date, until: datetime, *, keep: day_figures.Keep = None) -> float | None:
    """The median handling minutes of the staffing.HANDLING_WINDOW_DAYS before `day`, up to
    `until` (day_figures.handling_minutes: kept for the day through `keep`)."""
    return day_figures.handling_minutes(conn, day, until, keep=keep)


def day_forecast(conn: Connection, day: date, until: datetime, *, keep: day_figures.Keep = None) -> forecast.DayForecast:
    """The intake forecast of `day` from the intake before `until` (day_figures.intake_forecast)."""
    return day_figures.intake_forecast(conn, day, until, keep=keep)


def plan(conn: Connection, *, day: date, now: datetime, observed: float | None = None,
         fc: forecast.DayForecast | None = None, read: bool = True, keep: day_figures.Keep = None) -> dict:
    """Forecast, observed handling minutes and the dispatchers needed per shift of `day`, next to
    the plan and the contract minimum. `observed` and `fc`: handling_minutes and day_forecast
    when the caller has them (read=False: it has both, None meaning none observed); `keep`: the
    writers' engine, to keep both for the day (dashboard.services.day_figures).

    {"forecast": DayForecast, "handling_minutes": Decimal, "handling_source": str,
     "occupancy": Decimal, "shifts": DataFrame[shift, volume, peak_hour_volume, needed,
     needed_average, planned, on_duty, minimum, gap]}
    """
    until = handling_until(day, now)
    if read:
        observed = handling_minutes(conn, day, until, keep=keep) if observed is None else observed
        fc = day_forecast(conn, day, until, keep=keep) if fc is None else fc
    rules = rules_for_month(conn, f"{day:%Y-%m}")
    cfg = rules.body.get("staffing", {})
    occupancy = Decimal(str(cfg.get("target_occupancy", staffing.DEFAULT_OCCUPANCY)))
    if observed:
        minutes, source = Decimal(f"{observed:.2f}"), f"近 {staffing.HANDLING_WINDOW_DAYS} 天签收→派单时长中位数"
    else:
        minutes = Decimal(str(cfg.get("handling_minutes", staffing.DEFAULT_HANDLING_MINUTES)))
        source = "规则默认值"
    planned = shifts_queries.planned_by_shift(conn, day=day, role=PLANNED_ROLE, now=now)
    minimum = int(cfg.get("shift_minimum", {}).get(PLANNED_ROLE, 0))
    rows = [staffing.shift_need(fc, s, minutes, occupancy) for s in staffing.SHIFTS]
    df = pd.DataFrame(rows).merge(planned, on="shift", how="left").fillna({"planned": 0, "on_duty": 0})
    df["minimum"] = minimum
    df["gap"] = [staffing.staffing_gap(n, p) for n, p in zip(df["needed"], df["planned"].fillna(0))]
    return {"forecast": fc, "handling_minutes": minutes, "handling_source": source, "occupancy": occupancy,
            "shifts": df.astype({"planned": "int64", "on_duty": "int64"})}
