"""Cached reads of the working-day calendar: what the pages need to say 「日历未确认」 and to warn
before a year without data (docs/lifecycle.md, working-day option)."""
from __future__ import annotations

from datetime import date

from dashboard.services import calendar_days
from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import cached, engine
from domain.rules import Rules, working_days_of


@cached(ttl="300s", max_entries=8, show_spinner=False)
def unknown_years_ahead(today: date) -> list[int]:
    """The years with a day in the next calendar_days.WARNING_DAYS days that the calendar lacks."""
    with engine().connect() as conn:
        return calendar_days.unknown_years_ahead(calendar_days.load(conn), today)


def warning_ahead(today: date) -> str | None:
    return calendar_days.warning_text(unknown_years_ahead(today))


@cached(ttl="300s", max_entries=64, show_spinner=False)
def knows_days(first: date, last: date) -> bool:
    with engine().connect() as conn:
        return calendar_days.load(conn).knows_all(first, last)


@cached(ttl="300s", max_entries=64, show_spinner=False)
def working_day_close_confirmed(first: date, last: date, longest: int) -> bool:
    """Do `longest` working days from any day received between first and last stay on known days?"""
    with engine().connect() as conn:
        return calendar_days.range_confirmed(calendar_days.load(conn), first, last, longest)


@cached(ttl="300s", max_entries=64, show_spinner=False)
def close_confirmed(month: str, first: date, last: date) -> bool:
    """Are the working-day close limits of `month`'s rules, counted from first..last, on known days?"""
    with engine().connect() as conn:
        longest = longest_working_day_close(rules_for_month(conn, month))
        if longest is None:
            return True
        return calendar_days.range_confirmed(calendar_days.load(conn), first, last, longest)


def longest_working_day_close(rules: Rules) -> int | None:
    spans = [d for d in (working_days_of(limit) for _, limit in rules.limits().close_by_class) if d is not None]
    return max(spans) if spans else None


@cached(ttl="300s", max_entries=16, show_spinner=False)
def year_rows(year: int) -> list[dict]:
    with engine().connect() as conn:
        return calendar_days.rows_of_year(conn, year)
