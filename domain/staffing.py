"""Staff periods, shifts, rankings and the dispatchers a forecast needs.

Pure functions over plain values: the pages, the stand-up workbook, the wall display and the
back-test all call these, so a period or a "needed" figure is computed in one place. The forecast
itself is domain.forecast.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.calendar import is_working_day
from domain.evidence import MIN_RANK_SAMPLE, SMALL_SAMPLE  # noqa: F401 - pages and the stand-up read SMALL_SAMPLE here
from domain.forecast import DayForecast
from domain.vocabulary import PERIOD_KINDS, SHIFT_HOURS, SHIFT_START_HOUR, SHIFTS  # noqa: F401 - pages read PERIOD_KINDS here

MIN_SAMPLE = MIN_RANK_SAMPLE      # fewer actions than this: "样本不足", not ranked (domain.evidence)
DEFAULT_HANDLING_MINUTES = Decimal("6")
# days before a day whose observed SIGN → DISPATCH minutes (their median) set its handling time
HANDLING_WINDOW_DAYS = 28
DEFAULT_OCCUPANCY = Decimal("0.85")


def shift_of(moment: datetime) -> str:
    """The shift running at `moment`."""
    return SHIFTS[moment.hour // SHIFT_HOURS]


def shift_bounds(day: date, shift: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(SHIFT_START_HOUR[shift]))
    return start, start + timedelta(hours=SHIFT_HOURS)


def shift_hours(shift: str) -> range:
    return range(SHIFT_START_HOUR[shift], SHIFT_START_HOUR[shift] + SHIFT_HOURS)


def current_shift(now: datetime) -> tuple[date, str, datetime, datetime]:
    """(day, shift, start, end) of the shift running at `now`."""
    s = shift_of(now)
    start, end = shift_bounds(now.date(), s)
    return now.date(), s, start, end


def period_bounds(kind: str, anchor: date, shift: str | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the period containing `anchor`: a shift, the day, the ISO week (Mon–Sun)
    or the calendar month."""
    if kind == "shift":
        return shift_bounds(anchor, shift or "早班")
    if kind == "day":
        start = datetime.combine(anchor, time())
        return start, start + timedelta(days=1)
    if kind == "week":
        start = datetime.combine(anchor - timedelta(days=anchor.weekday()), time())
        return start, start + timedelta(days=7)
    if kind == "month":
        start = datetime(anchor.year, anchor.month, 1)
        end = datetime(anchor.year + (anchor.month == 12), anchor.month % 12 + 1, 1)
        return start, end
    raise ValueError(f"未知的统计周期：{kind}")


def share(numerator: int, denominator: int) -> Fraction | None:
    return None if not int(denominator) else Fraction(int(numerator), int(denominator))


def rank_score(numerator: int, denominator: int, errors: int = 0) -> Fraction | None:
    """The share a person is ranked by: (on time − errors) / judged, never below 0, so an error
    (a wrong dispatch, a QC escape, a report with errors) costs as much as a late item."""
    if not int(denominator):
        return None
    return Fraction(max(int(numerator) - int(errors), 0), int(denominator))


def rank_labels(samples: list[int], scores: list[Fraction | None], *, errors: list[int] | None = None,
                min_sample: int = MIN_SAMPLE, lower_is_better: bool = False) -> list[str]:
    """Competition ranks among people with at least `min_sample` actions; the others get "样本不足"
    so one lucky ticket does not top the table. Order: the score (rank_score), then fewer errors,
    then more work (a larger sample); people equal on all three share a rank ("1", "1", "3")."""
    errs = [int(e) for e in errors] if errors is not None else [0] * len(samples)
    eligible = [(i, s) for i, (n, s) in enumerate(zip(samples, scores)) if n >= min_sample and s is not None]
    out = [SMALL_SAMPLE] * len(samples)

    def key(item: tuple[int, Fraction]) -> tuple[Fraction, int, int]:
        i, s = item
        return (s if lower_is_better else -s, errs[i], -int(samples[i]))

    ordered = sorted(eligible, key=key)
    for pos, item in enumerate(ordered):
        rank = pos + 1
        if pos and key(ordered[pos - 1]) == key(item):
            rank = int(out[ordered[pos - 1][0]])
        out[item[0]] = str(rank)
    return out


def turnover_rate(departures: int, headcount_start: int, headcount_end: int) -> Fraction | None:
    """员工流失率 = departures / average headcount ((start + end) / 2)."""
    avg = Fraction(headcount_start + headcount_end, 2)
    return None if avg == 0 else Fraction(departures) / avg


def coverage_by_hour(rows: list[tuple[date, str, str, int]]) -> dict[tuple[date, int, str], int]:
    """(day, shift, role, people) → people on duty per (day, hour, role)."""
    out: dict[tuple[date, int, str], int] = {}
    for day, shift, role, people in rows:
        for h in shift_hours(shift):
            out[(day, h, role)] = out.get((day, h, role), 0) + int(people)
    return out


def dispatchers_needed(volume: float | Decimal | int, handling_minutes: Decimal | int | str,
                       occupancy: Decimal | str = DEFAULT_OCCUPANCY, hours: int = 1) -> int:
    """Workload formula: volume × handling minutes / (60 × hours × occupancy), rounded up (exact)."""
    v = Fraction(Decimal(str(volume)))
    need = v * Fraction(Decimal(str(handling_minutes))) / (60 * hours * Fraction(Decimal(str(occupancy))))
    return math.ceil(need)


def shift_need(fc: DayForecast, shift: str, handling_minutes: Decimal | int | str,
               occupancy: Decimal | str = DEFAULT_OCCUPANCY) -> dict[str, Any]:
    """Forecast volume of a shift and dispatchers needed: the busiest hour decides, since a shift
    staffed for its average hour falls behind in its peak."""
    hrs = [fc.hours[h] for h in shift_hours(shift)] if fc.hours else []
    volume = sum(h.expected for h in hrs)
    peak = max((h.expected for h in hrs), default=0.0)
    return {
        "shift": shift,
        "volume": volume,
        "peak_hour_volume": peak,
        "needed": dispatchers_needed(peak, handling_minutes, occupancy) if hrs else 0,
        "needed_average": dispatchers_needed(volume, handling_minutes, occupancy, hours=SHIFT_HOURS) if hrs else 0,
    }


# --- the stand-up: who follows a miss up, and whether a shift's plan covers its forecast ------------

WHOLE_DAY = "全天"
NO_OWNER = "未排班"


def follow_up_owner(shift: str, leads: list[tuple[str, str, bool]], managers: list[str]) -> str:
    """Who follows up a target missed yesterday (docs/staff.md, 班前会): for a shift, the 业务主管 on
    the roster for that shift — those present, or, when none was, those planned; for the whole
    day (WHOLE_DAY), the 项目经理, who answers for every shift. `leads`: (shift, name, present)
    of the day's 业务主管 rows; `managers`: the names of the 项目经理 employed that day. Names are
    joined with 、; NO_OWNER when the roster has no one."""
    if shift == WHOLE_DAY:
        names = list(managers)
    else:
        rows = [(name, present) for s, name, present in leads if s == shift]
        names = [name for name, present in rows if present] or [name for name, _ in rows]
    return "、".join(dict.fromkeys(names)) or NO_OWNER


def staffing_gap(needed: int, planned: int) -> int:
    """People short of the need on a shift (never below 0)."""
    return max(int(needed) - int(planned), 0)


def plan_verdict(needed: int, planned: int) -> str:
    """The stand-up's word on a shift's plan against its forecast need: 「够用」 or 「缺 N 人」."""
    gap = staffing_gap(needed, planned)
    return "够用" if gap == 0 else f"缺 {gap} 人"


def day_kind(day: date) -> int:
    """Weekday for the forecast profile, calendar-aware: a statutory holiday behaves like a Sunday,
    a 调休 make-up weekend working day like an ordinary Tuesday."""
    wd = day.weekday()
    if is_working_day(day):
        return wd if wd < 5 else 1
    return wd if wd >= 5 else 6
