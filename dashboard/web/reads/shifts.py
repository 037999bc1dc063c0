"""Cached shift, coverage, headcount and staffing-need figures for the 排班与在岗 page."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard.services import staffing_plan as staffing_plan_service
from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import cached, cached_query, engine, write_engine
from dashboard.web.reads.forecast import day_forecast
from domain import staffing
from queries import shifts as shifts_queries

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
    """dashboard.services.staffing_plan.handling_minutes: for today one cache entry for the whole
    day, not one per minute, and kept in the database for the day (dashboard.services.day_figures)."""
    with engine().connect() as conn:
        return staffing_plan_service.handling_minutes(conn, day, until, keep=write_engine)


@cached(ttl="300s", max_entries=32, show_spinner=False)
def staffing_plan(day: date, now: datetime) -> dict:
    """dashboard.services.staffing_plan.plan, with the handling minutes and the forecast from
    their caches (the surge panel reads the same forecast of today)."""
    observed = handling_minutes(day, staffing_plan_service.handling_until(day, now))
    fc = day_forecast(day, now)
    with engine().connect() as conn:
        return staffing_plan_service.plan(conn, day=day, now=now, observed=observed, fc=fc, read=False)
