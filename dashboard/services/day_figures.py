"""The figures a day reads from the days before it, kept once counted (dashboard.services.kept_figures):
the day's intake forecast (the shifts page, the stand-up's staffing plan and surge line, the wall's
and the overview's surge panel), the handling minutes of the 28 days before it (the staffing
plan), and the repeats of the whole days before it (the stand-up).

Each is kept only when its data ends at the start of the day (`until` is that moment, i.e. the day
has begun); a day still ahead reads up to `now` and is counted every time. With `keep` None
(commands, reports) it is always counted.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.services import calendar_days, kept_figures
from dashboard.services.kept_figures import figure
from domain import staffing
from domain.forecast import DayForecast, HourForecast
from queries import forecast
from queries import repeats as repeat_queries
from queries.schema import kept_figures as kept_table

Keep = Callable[[], Engine] | None
# the figures the feed service counts ahead for the day (warm)
WARMED = ("intake_forecast", "handling_minutes")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time())


def data_until(day: date, now: datetime) -> datetime:
    """What a day's forecast and handling minutes read up to: min(now, the day's 00:00) — for a
    day that has begun, one answer the whole day."""
    return min(now, _day_start(day))


def intake_forecast(conn: Connection, day: date, until: datetime, *, keep: Keep = None) -> DayForecast:
    """queries.forecast.forecast_for of `day` from the intake before `until` (min(now, day 00:00))."""
    def count(c: Connection) -> DayForecast:
        calendar_days.load(c)     # day_kind reads the calendar table's holidays
        return forecast.forecast_for(c, day=day, now=until, kind_of=staffing.day_kind)
    if keep is None or until != _day_start(day):
        return count(conn)
    return figure(conn, "intake_forecast", until, count, encode=_forecast_body, decode=_forecast_of, keep=keep)


def handling_minutes(conn: Connection, day: date, until: datetime, *, keep: Keep = None) -> float | None:
    """queries.forecast.handling_minutes of the staffing.HANDLING_WINDOW_DAYS before `day`, up to `until`."""
    since = _day_start(day) - timedelta(days=staffing.HANDLING_WINDOW_DAYS)

    def count(c: Connection) -> float | None:
        return forecast.handling_minutes(c, start=since, end=until)
    if keep is None or until != _day_start(day):
        return count(conn)
    return figure(conn, "handling_minutes", until, count, encode=lambda v: v, decode=lambda v: v, keep=keep)


def repeat_counts(conn: Connection, start: datetime, end: datetime, *, now: datetime, groupings: tuple[str, ...],
                  limits: dict[str, int | None], keep: Keep = None) -> list[pd.DataFrame]:
    """queries.repeats.repeat_counts of [start, end) by each of `groupings` (its row limit in
    `limits`), kept when `end` is the start of a day."""
    def count(c: Connection) -> list[pd.DataFrame]:
        return [repeat_queries.repeat_counts(c, start=start, end=end, by=by, now=now, limit=limits[by]) for by in groupings]
    if keep is None or end > now or end != _day_start(end.date()):
        return count(conn)
    name = f"repeats {'/'.join(groupings)} {(end - start).days}d"
    return figure(conn, name, end, count, encode=_frames_body, decode=_frames_of, keep=keep)


def warm(engine: Engine, now: datetime) -> bool:
    """Count and keep today's intake forecast and handling minutes unless they are kept already
    (the feed service, after each good cycle, so that no page of the day waits for them); True
    when it counted."""
    day = now.date()
    with engine.connect() as conn:
        kept = conn.execute(sa.select(kept_table.c.name).where(kept_table.c.name.in_(WARMED),
                                                               kept_table.c.as_of == _day_start(day))).all()
        if len(kept) == len(WARMED):
            return False
        intake_forecast(conn, day, _day_start(day), keep=lambda: engine)
        handling_minutes(conn, day, _day_start(day), keep=lambda: engine)
    return True


def warm_for_service(engine: Engine) -> None:
    """warm at the current time for the feed service (kept_figures.warm_for_service: logged, a
    failure only logged)."""
    kept_figures.warm_for_service(engine, "day_figures", warm)


def _forecast_body(fc: DayForecast) -> dict:
    return {"day": fc.day.isoformat(), "level": fc.level, "history_days": fc.history_days,
            "hours": [[h.hour, h.expected, h.lower, h.upper, h.cum_expected, h.cum_lower, h.cum_upper] for h in fc.hours]}


def _forecast_of(body: dict) -> DayForecast:
    return DayForecast(date.fromisoformat(body["day"]), body["level"], body["history_days"],
                       [HourForecast(*h) for h in body["hours"]])


def _frames_body(frames: list[pd.DataFrame]) -> list:
    return [[[str(k), int(n), int(r)] for k, n, r in f[list(repeat_queries.REPEAT_COUNT_COLUMNS)].itertuples(index=False)]
            for f in frames]


def _frames_of(body: list) -> list[pd.DataFrame]:
    return [pd.DataFrame([tuple(r) for r in rows], columns=repeat_queries.REPEAT_COUNT_COLUMNS)
            .astype({"tickets": "int64", "repeats": "int64"}) for rows in body]
