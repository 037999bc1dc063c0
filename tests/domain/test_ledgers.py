"""A measure's effect windows: the weeks before the day it started, and its days up to today's end
(counted as of `now`, so an event at `now` is in), empty while it has not started; the note when the
data start after the weeks before began."""
from datetime import date, datetime

from domain.ledgers import PARTIAL_BEFORE_NOTE, measure_windows, partial_before_note
from domain.rules import MEASURE_EFFECT_WEEKS


def test_measure_windows_run_to_the_end_of_today():
    before, since = measure_windows(date(2026, 1, 5), datetime(2026, 2, 1, 10, 0), weeks=4)
    assert before == (datetime(2025, 12, 8), datetime(2026, 1, 5))
    assert since == (datetime(2026, 1, 5), datetime(2026, 2, 2))


def test_a_measure_starting_today_has_todays_window_and_one_starting_tomorrow_none():
    now = datetime(2026, 2, 1, 0, 0)
    assert measure_windows(date(2026, 2, 1), now, weeks=4)[1] == (datetime(2026, 2, 1), datetime(2026, 2, 2))
    start, end = measure_windows(date(2026, 2, 2), now, weeks=4)[1]
    assert start == end == datetime(2026, 2, 2)


def test_partial_weeks_before_a_measure_are_said_by_day():
    assert PARTIAL_BEFORE_NOTE == f"措施前不足 {MEASURE_EFFECT_WEEKS} 周数据" == "措施前不足 4 周数据"
    before, _ = measure_windows(date(2026, 1, 5), datetime(2026, 2, 1, 10, 0), weeks=4)   # from 8 Dec
    assert partial_before_note(before, None) == ""                               # no data at all
    assert partial_before_note(before, datetime(2025, 12, 1, 9, 0)) == ""        # data before the window
    assert partial_before_note(before, datetime(2025, 12, 8, 23, 59)) == ""      # on its first day
    assert partial_before_note(before, datetime(2025, 12, 9, 0, 0)) == "措施前不足 4 周数据（数据始于 2025-12-09）"
