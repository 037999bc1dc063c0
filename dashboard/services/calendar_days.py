"""The working-day calendar table: seed, load, and which years it lacks (docs/lifecycle.md,
working-day option).

The table holds, for each year it knows, the days that differ from Monday–Friday (every year's
notice moves some weekday off, so a known year always has rows: a year with a row is known).
init-db seeds the years the `chinesecalendar` package knows, never overwriting a year already in
the table; `calendar import FILE` (dashboard.services.calendar_import) writes a year from the State
Council's notice, replacing that year's rows. Every reader gets the days through `load`, which
also installs them as domain.calendar's active calendar, so the lifecycle rules, the staffing
profile and the timeliness option all count the same days.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar
import sqlalchemy as sa
from chinese_calendar.constants import holidays as package_holidays
from sqlalchemy.engine import Connection

from domain import calendar as cal
from domain.rules import Limits
from queries.schema import calendar_days

PACKAGE_SOURCE = "chinesecalendar"
IMPORT_SOURCE_PREFIX = "import:"
WARNING_DAYS = 60     # admin, reviewer and manager are warned this many days before an unknown year


@lru_cache(maxsize=1)
def package_years() -> list[int]:
    """The years the package knows (it raises NotImplementedError for the others)."""
    years = []
    for year in range(min(package_holidays).year, max(package_holidays).year + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
            chinese_calendar.is_workday(date(year, 12, 31))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def package_year(year: int) -> list[tuple[date, bool]]:
    """The package's days of `year` that differ from Monday–Friday."""
    first = date(year, 1, 1)
    days = (first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
    return cal.exceptions_of((d, bool(chinese_calendar.is_workday(d))) for d in days)


def package_calendar() -> cal.WorkingDayCalendar:
    """What the seed writes, for a process that has not read a database yet."""
    years = package_years()
    return cal.WorkingDayCalendar({d: w for y in years for d, w in package_year(y)}, years)


def seed(conn: Connection) -> int:
    """Write the package's years that the table lacks entirely; the number of days written."""
    have = {_as_date(d).year for (d,) in conn.execute(sa.select(calendar_days.c.day)).all()}
    written = 0
    for year in package_years():
        if year in have:
            continue
        rows = [{"day": d, "working": w, "source": PACKAGE_SOURCE} for d, w in package_year(year)]
        conn.execute(calendar_days.insert(), rows)
        written += len(rows)
    if written:
        forget()
    return written


# one cached calendar per database, re-read when the table's fingerprint changes (another process
# or instance imported a year)
_cache: dict[str, tuple[tuple, cal.WorkingDayCalendar]] = {}


def forget() -> None:
    _cache.clear()


def _fingerprint(conn: Connection) -> tuple:
    c = calendar_days.c
    row = conn.execute(sa.select(
        sa.func.count(), sa.func.min(c.day), sa.func.max(c.day),
        sa.func.sum(sa.case((c.working, 1), else_=0)),
        sa.func.sum(sa.case((c.source == PACKAGE_SOURCE, 0), else_=1)))).one()
    return tuple(str(v) for v in row)


def load(conn: Connection) -> cal.WorkingDayCalendar:
    """The table's days (cached per database), installed as the domain's active calendar."""
    key = conn.engine.url.render_as_string(hide_password=False)
    fingerprint = _fingerprint(conn)
    hit = _cache.get(key)
    if hit is not None and hit[0] == fingerprint:
        calendar = hit[1]
    else:
        rows = [(_as_date(d), bool(w)) for d, w in
                conn.execute(sa.select(calendar_days.c.day, calendar_days.c.working)).all()]
        calendar = cal.WorkingDayCalendar(dict(rows), {d.year for d, _ in rows})
        _cache[key] = (fingerprint, calendar)
    cal.install(calendar)
    return calendar


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def rows_of_year(conn: Connection, year: int) -> list[dict]:
    c = calendar_days.c
    rows = conn.execute(sa.select(c.day, c.working, c.source)
                        .where(c.day >= date(year, 1, 1), c.day < date(year + 1, 1, 1)).order_by(c.day)).all()
    return [{"day": _as_date(d), "working": bool(w), "source": s} for d, w, s in rows]


def unknown_years_ahead(calendar: cal.WorkingDayCalendar, today: date, days: int = WARNING_DAYS) -> list[int]:
    """The years with a day from today to today + days that the calendar does not know."""
    return sorted({d.year for d in (today + timedelta(days=i) for i in range(days + 1)) if not calendar.knows(d)})


def warning_text(years: Iterable[int]) -> str | None:
    years = list(years)
    if not years:
        return None
    names = "、".join(f"{y} 年" for y in years)
    return (f"工作日历缺少 {names}的节假日安排：这些日期暂按周一至周五计算工作日（{cal.CALENDAR_UNCONFIRMED}）。"
            f"请管理员在「系统管理」导入国务院当年的放假通知（或运行 python -m dashboard calendar import 文件）。")


# a process that has not read a database yet (a test of the rules, a tool) counts what the seed
# would write, never a bare Monday–Friday for the years the package knows
cal.install(package_calendar())


def month_confirmed(calendar: cal.WorkingDayCalendar, month: str, limits: Limits) -> bool:
    """Does every working-day close limit of tickets received in `month` (YYYY-MM) end on known days?
    True when the limits run in calendar time."""
    spans = [d for d in (limits.close_working_days(c) for c, _ in limits.close_by_class) if d is not None]
    if not spans:
        return True
    first = date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return range_confirmed(calendar, first, last, max(spans))


def range_confirmed(calendar: cal.WorkingDayCalendar, first: date, last: date, working_days: int) -> bool:
    """Are the days from `first` to `working_days` working days after `last` all known?"""
    reach = calendar.add_working_days(datetime.combine(last, datetime.min.time()), working_days).date()
    return calendar.knows_all(first, reach)
