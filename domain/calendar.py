"""Beijing calendar facts: working days (statutory holidays and 调休 make-up days).

The days come from the calendar table (docs/lifecycle.md, working-day option); this module is
handed them as a WorkingDayCalendar and does no I/O. A day the calendar does not know counts
Monday–Friday, and `knows` lets every figure that used such a day say so (「日历未确认」).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

WORKING, RESTING = "班", "休"
CALENDAR_UNCONFIRMED = "日历未确认"
# who is warned before a year the calendar lacks starts (they can import it or must know of it)
WARNED_ROLES = ("admin", "reviewer", "manager")
# a ticket whose working-day deadline counted such days (ticket timeline, tickets export)
UNCONFIRMED_DEADLINE_NOTE = (f"{CALENDAR_UNCONFIRMED}：本工单的办结截止时间按工作日计算，涉及日历中没有节假日安排的日期，"
                             "暂按周一至周五计算；管理员导入该年国务院放假通知后自动更正。")
# the intake forecast's holiday profile used such days (surge alert)
UNCONFIRMED_PROFILE_NOTE = f"{CALENDAR_UNCONFIRMED}：预测所用的节假日安排涉及日历中没有数据的日期，暂按周一至周五判断"
UNCONFIRMED_NOTE = (f"{CALENDAR_UNCONFIRMED}：所用的工作日时限涉及日历中没有节假日安排的年份，这些日期暂按周一至周五计算；"
                    "管理员导入该年国务院放假通知后自动更正。")


def weekday_rule(day: date) -> bool:
    """Monday–Friday: the fallback for a day no calendar knows."""
    return day.weekday() < 5


class WorkingDayCalendar:
    """The known years and, within them, the days that differ from Monday–Friday (statutory
    holidays on weekdays, 调休 working weekends); weekday_rule for everything else."""

    __slots__ = ("_exceptions", "_years")

    def __init__(self, exceptions: Mapping[date, bool] | None = None, years: Iterable[int] = ()) -> None:
        self._years = frozenset(years)
        self._exceptions: dict[date, bool] = {d: w for d, w in (exceptions or {}).items()
                                              if d.year in self._years and w != weekday_rule(d)}

    def knows(self, day: date) -> bool:
        return day.year in self._years

    def knows_all(self, first: date, last: date) -> bool:
        """Every day from first to last inclusive is known."""
        return all(y in self._years for y in range(first.year, last.year + 1))

    def confirms(self, start: datetime, working_days: int) -> bool:
        """Are all the days from `start` to `working_days` working days after it known?"""
        return self.knows_all(start.date(), self.add_working_days(start, working_days).date())

    def is_working_day(self, day: date) -> bool:
        known = self._exceptions.get(day)
        return weekday_rule(day) if known is None else known

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`start` moved forward by `days` working days, keeping the time of day."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current.date()):
                remaining -= 1
        return current

    def years(self) -> list[int]:
        return sorted(self._years)

    def exceptions(self, year: int) -> list[tuple[date, bool]]:
        """The year's days that differ from Monday–Friday, in date order."""
        return sorted((d, w) for d, w in self._exceptions.items() if d.year == year)


def exceptions_of(days: Iterable[tuple[date, bool]]) -> list[tuple[date, bool]]:
    """The days whose working status differs from Monday–Friday, in date order."""
    return sorted((d, w) for d, w in days if w != weekday_rule(d))


_active = WorkingDayCalendar()


def install(calendar: WorkingDayCalendar) -> None:
    """Make `calendar` the one the module-level functions use (the dashboard's loader installs the
    calendar table's days whenever it reads them)."""
    global _active
    _active = calendar


def active() -> WorkingDayCalendar:
    return _active


def is_working_day(day: date) -> bool:
    return _active.is_working_day(day)


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days, keeping the time of day."""
    return _active.add_working_days(start, days)
