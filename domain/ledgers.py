"""Pure rules of the group ledgers and QC reports (docs/ledgers.md): report periods and the period
they are compared with, defect types, improvement measures' windows, effect and overdue state.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from fractions import Fraction

from domain.rules import MEASURE_EFFECT_WEEKS
from domain.staffing import period_bounds
from domain.vocabulary import MEASURE_OPEN_STATUSES, QC_REPORT_PERIODS, UNSPECIFIED_DEFECT


def qc_period(kind: str, day: date) -> tuple[datetime, datetime]:
    """[start, end) of a QC report kind (qc-daily/qc-weekly/qc-monthly) containing `day`."""
    return period_bounds(QC_REPORT_PERIODS[kind], day)


def in_progress(end: datetime, now: datetime) -> bool:
    """A period that has not ended at `now` (labelled 进行中)."""
    return now < end


def previous_period(kind: str, start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime, datetime]:
    """(start, end, cut) of the period before: the same kind of period, and `cut` the moment its
    figures are taken at — its own end when the current period has ended, else the same elapsed
    part of it (an unfinished period is never compared with a whole one)."""
    p_start, p_end = period_bounds(QC_REPORT_PERIODS[kind], (start - timedelta(days=1)).date())
    if not in_progress(end, now):
        return p_start, p_end, min(now, p_end)
    elapsed = max(now - start, timedelta(0))
    return p_start, p_end, min(p_start + elapsed, p_end)


def defect_label(detail: str | None) -> str:
    """The defect type of a QC_REJECT: its 说明, or 未注明 when blank."""
    text = (detail or "").strip()
    return text or UNSPECIFIED_DEFECT


def rate(numerator: int, denominator: int) -> Fraction | None:
    return None if not denominator else Fraction(int(numerator), int(denominator))


def measure_windows(started_on: date, now: datetime, weeks: int = MEASURE_EFFECT_WEEKS
                    ) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """([start, end) before the measure, [start, end) since): the `weeks` weeks before the day it
    started, and its days from that one to today's end, counted as of `now` like any running
    period, so an event at `now` counts (empty while it has not started)."""
    begin = datetime.combine(started_on, time())
    before = (begin - timedelta(weeks=weeks), begin)
    since = (begin, max(begin, datetime.combine(now.date() + timedelta(days=1), time())))
    return before, since


# a measure whose weeks before started ahead of the first data: its effect compares a shorter window
PARTIAL_BEFORE_NOTE = f"措施前不足 {MEASURE_EFFECT_WEEKS} 周数据"


def partial_before_note(before: tuple[datetime, datetime], first_data_at: datetime | None) -> str:
    """PARTIAL_BEFORE_NOTE with the first data day when the data start on a later day than the
    window before the measure (so fewer days than its weeks were counted), else ""."""
    if first_data_at is None or first_data_at.date() <= before[0].date():
        return ""
    return f"{PARTIAL_BEFORE_NOTE}（数据始于 {first_data_at:%Y-%m-%d}）"


def measure_effect(before: tuple[int, int], since: tuple[int, int], *, lower_is_better: bool
                   ) -> tuple[Fraction | None, Fraction | None, Fraction | None, str]:
    """(rate before, rate since, change, verdict): verdict 已改善 / 未改善 / 持平 / 数据不足."""
    r0, r1 = rate(*before), rate(*since)
    if r0 is None or r1 is None:
        return r0, r1, None, "数据不足"
    change = r1 - r0
    if change == 0:
        return r0, r1, change, "持平"
    better = change < 0 if lower_is_better else change > 0
    return r0, r1, change, "已改善" if better else "未改善"


def measure_overdue(due_on: date | None, status: str, now: datetime) -> bool:
    """Still open (计划中/实施中) after its due day."""
    return due_on is not None and status in MEASURE_OPEN_STATUSES and now.date() > due_on
