"""Beijing calendar facts: working days (statutory holidays and 调休 make-up days)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    try:
        import chinese_calendar

        working: bool = chinese_calendar.is_workday(day)
        return working
    except (ImportError, NotImplementedError):
        # Outside the years the package knows: plain Monday–Friday.
        return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days, keeping the time of day."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date()):
            remaining -= 1
    return current
