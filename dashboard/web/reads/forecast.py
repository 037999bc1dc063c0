"""Cached surge status and intake forecast (the wall display, the stand-up and the shifts page)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd

from dashboard.services import calendar_days, day_figures
from dashboard.web.reads import cached, engine, write_engine
from domain.staffing import day_kind
from queries import forecast


@cached(ttl="120s", max_entries=32, show_spinner=False)
def surge_status(now: datetime) -> dict:
    """{"active", "message", "hour", "actual", "expected", "upper", "ratio", "level", ...}"""
    fc = day_forecast(now.date(), now)       # the same forecast the shifts page shows (one read)
    with engine().connect() as conn:
        calendar = calendar_days.load(conn)     # day_kind reads the calendar table's holidays
        return forecast.surge_status(conn, now, kind_of=day_kind, fc=fc, knows=calendar.knows_all)


def day_forecast(day: date, now: datetime) -> forecast.DayForecast:
    """forecast.forecast_for(day, now): it reads the intake before min(now, day 00:00) only, so
    today's forecast is one cache entry for the whole day, not one per minute."""
    return _forecast_until(day, day_figures.data_until(day, now))


@cached(ttl="300s", max_entries=32, show_spinner=False)
def _forecast_until(day: date, until: datetime) -> forecast.DayForecast:
    """Kept in the database for the day once the day has begun (dashboard.services.day_figures)."""
    with engine().connect() as conn:
        return day_figures.intake_forecast(conn, day, until, keep=write_engine)


@cached(ttl="120s", max_entries=32, show_spinner=False)
def hourly_actual(day: date, now: datetime) -> pd.DataFrame:
    """Tickets received per hour of `day` up to `now` (hour · tickets)."""
    start = datetime.combine(day, time())
    with engine().connect() as conn:
        df = forecast.hourly_intake(conn, start=start, end=min(now, start + timedelta(days=1)))
    return df[["hour", "tickets"]]
