"""A measure's effect windows: the weeks before the day it started, and its days up to today's end
(counted as of `now`, so an event at `now` is in), empty while it has not started."""
from datetime import date, datetime

from domain.ledgers import measure_windows


def test_measure_windows_run_to_the_end_of_today():
    before, since = measure_windows(date(2026, 1, 5), datetime(2026, 2, 1, 10, 0), weeks=4)
    assert before == (datetime(2025, 12, 8), datetime(2026, 1, 5))
    assert since == (datetime(2026, 1, 5), datetime(2026, 2, 2))


def test_a_measure_starting_today_has_todays_window_and_one_starting_tomorrow_none():
    now = datetime(2026, 2, 1, 0, 0)
    assert measure_windows(date(2026, 2, 1), now, weeks=4)[1] == (datetime(2026, 2, 1), datetime(2026, 2, 2))
    start, end = measure_windows(date(2026, 2, 2), now, weeks=4)[1]
    assert start == end == datetime(2026, 2, 2)
