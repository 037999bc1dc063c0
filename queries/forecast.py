"""Hourly intake history, surge status, observed handling time.

The SQL only counts (tickets per day and hour, a median by window functions); the forecast and
the surge rule are domain.forecast's pure functions over those counts, so `surge_status(conn, now)`
answers the wall display, the stand-up and the back-test alike.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.calendar import UNCONFIRMED_PROFILE_NOTE
from domain.forecast import RECENT_DAYS, WEEKS, DayForecast, forecast_day, surge_rule
from queries.rollups import hourly_received, rollups_cover
from queries.schema import ticket_facts as tf
from queries.sql import hour_of, percentile_columns, seconds_between, tuples

HOURLY_COLUMNS = ["day", "hour", "tickets"]


def hourly_intake(conn: Connection, *, start: datetime, end: datetime) -> pd.DataFrame:
    """Tickets received per day and hour in [start, end). day (date) · hour (0–23) · tickets (int)"""
    if rollups_cover(conn, start=start, end=end):   # whole days from rollup_hourly
        return hourly_received(conn, start=start, end=end)
    h = hour_of(tf.c.received_at)
    stmt = (sa.select(tf.c.received_day, h, sa.func.count())
            .where(tf.c.received_at >= sa.bindparam("f_start", start, type_=sa.DateTime()),
                   tf.c.received_at < sa.bindparam("f_end", end, type_=sa.DateTime()))
            .group_by(tf.c.received_day, h))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=HOURLY_COLUMNS)
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
    # the middle value, or the mean of the two middle ones (percentile_cont's 0.5): one sorted
    # aggregate instead of numbering every row in a window (a third of the time at 3 M tickets)
    (median,) = percentile_columns(conn.dialect.name, base.c.secs, {"median": (1, 2)})
    value = conn.execute(sa.select(median).where(base.c.secs.is_not(None))).scalar()
    return None if value is None else float(value) / 60


def surge_status(conn: Connection, now: datetime, *, weeks: int = WEEKS,
                 kind_of: Callable[[date], int] | None = None, fc: DayForecast | None = None,
                 knows: Callable[[date, date], bool] | None = None) -> dict:
    """Is today's intake surging at `now`? (for the wall display and the stand-up)

    {"day", "active" (bool), "message" (Chinese), "hour" (last completed hour judged or None),
     "actual", "expected", "upper", "ratio", "level", "history_days"}

    `fc`: today's forecast_for(day=now.date(), now=now, weeks=weeks, kind_of=kind_of) when the
    caller has it already (the shifts page shows it too). `knows(first, last)`: does the calendar
    know every day from first to last? When it does not know a day of the profile's history or
    today, "calendar_confirmed" is False and the message says 「日历未确认」.
    """
    day = now.date()
    if fc is None:
        fc = forecast_for(conn, day=day, now=now, weeks=weeks, kind_of=kind_of)
    today = hourly_intake(conn, start=datetime.combine(day, time()), end=now.replace(minute=0, second=0, microsecond=0))
    s = surge_rule(fc, {int(h): int(n) for h, n in zip(today["hour"], today["tickets"])}, now)
    confirmed = knows is None or knows(history_window(day, weeks).date(), day)
    message = s.message if confirmed else f"{s.message}（{UNCONFIRMED_PROFILE_NOTE}）"
    return {"day": day, "active": s.active, "message": message, "hour": s.hour, "actual": s.actual,
            "expected": s.expected, "upper": s.upper, "ratio": s.ratio, "level": fc.level,
            "history_days": fc.history_days, "calendar_confirmed": confirmed}
