"""The rollup readers (queries.rollups and the query modules' rollup paths) return what the same
questions asked of the tickets return, on both engines, and fall back to the tickets when the
rollups do not cover a window."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dashboard.services import rollups
from dashboard.services.demo import generate
from queries import forecast, three_rates
from queries import rollups as qr
from queries.schema import rollup_daily, rollup_day_totals

END = date(2026, 1, 15)
NOW = datetime(2026, 1, 15, 10, 30)


def _demo(engine):
    generate(engine, days=6, tickets_per_day=60, seed=11, end=END, now=NOW)


WINDOWS = [
    (datetime(2026, 1, 10), datetime(2026, 1, 15)),                    # whole days
    (datetime(2026, 1, 10, 9, 15), datetime(2026, 1, 14, 16, 0, 1)),   # partial edges
    (datetime(2026, 1, 12, 8), datetime(2026, 1, 12, 11)),             # inside one day
    (datetime(2025, 12, 19), datetime(2026, 1, 19)),                   # a 19th–18th period
    (datetime(2026, 1, 15, 10, 30), datetime(2026, 1, 15, 10, 30)),    # empty
]


def _tickets_only(monkeypatch):
    """The query modules' own GROUP BY over the tickets (their rollup path switched off)."""
    monkeypatch.setattr(three_rates, "rollups_cover", lambda *a, **k: False)
    monkeypatch.setattr(forecast, "rollups_cover", lambda *a, **k: False)


@pytest.mark.parametrize("start, end", WINDOWS)
def test_readers_equal_the_ticket_queries(engine, start, end, monkeypatch):
    _demo(engine)
    with engine.connect() as conn:
        assert qr.rollups_cover(conn, start=start, end=end)
        via_rollups = (three_rates.district_counts(conn, start=start, end=end - timedelta(seconds=1))
                       if end > start else None, forecast.hourly_intake(conn, start=start, end=end))
        got = qr.hourly_received(conn, start=start, end=end)
        _tickets_only(monkeypatch)
        want = forecast.hourly_intake(conn, start=start, end=end)
        assert got.to_dict("list") == want.to_dict("list") == via_rollups[1].to_dict("list")
        assert list(got.dtypes) == list(want.dtypes) == list(via_rollups[1].dtypes)
        if end > start:
            raw = three_rates.district_counts(conn, start=start, end=end - timedelta(seconds=1))
            assert qr.population_counts(conn, start=start, end=end) == raw == via_rollups[0]


def test_periods_counts_equal_with_and_without_rollups(engine, monkeypatch):
    _demo(engine)
    periods = [("2026-01", datetime(2025, 12, 19), datetime(2026, 1, 18, 23, 59, 59)),
               ("2025-12", datetime(2025, 11, 19), datetime(2025, 12, 18, 23, 59, 59)),
               ("d14", datetime(2026, 1, 14), datetime(2026, 1, 14, 23, 59, 59))]
    with engine.connect() as conn:
        a = three_rates.periods_counts(conn, periods=periods)
        _tickets_only(monkeypatch)
        b = three_rates.periods_counts(conn, periods=periods)
    assert a.equals(b) and a["population"].iloc[0] > 0


def test_stale_rollups_are_not_used(engine):
    """Rows written past the write paths (raw SQL) make the readers fall back to the tickets:
    here a day missing from the rollups."""
    _demo(engine)
    with engine.begin() as conn:
        conn.execute(rollup_daily.delete().where(rollup_daily.c.day == date(2026, 1, 12)))
        conn.execute(rollup_day_totals.delete().where(rollup_day_totals.c.day == date(2026, 1, 12)))
        assert not qr.rollups_cover(conn, start=datetime(2026, 1, 10), end=datetime(2026, 1, 15))
        full = three_rates.district_counts(conn, start=datetime(2026, 1, 10), end=datetime(2026, 1, 14, 23, 59, 59))
        rollups.refresh_days(conn, [date(2026, 1, 12)])
        assert qr.rollups_cover(conn, start=datetime(2026, 1, 10), end=datetime(2026, 1, 15))
        assert three_rates.district_counts(conn, start=datetime(2026, 1, 10),
                                           end=datetime(2026, 1, 14, 23, 59, 59)) == full


def test_split_covers_the_window_once():
    s, e = datetime(2026, 1, 10, 9, 15), datetime(2026, 1, 14, 16)
    first, last, parts = qr.split(s, e)
    assert (first, last) == (date(2026, 1, 11), date(2026, 1, 13))
    assert parts == [(s, datetime(2026, 1, 11)), (datetime(2026, 1, 14), e)]
    assert qr.split(datetime(2026, 1, 10), datetime(2026, 1, 11)) == (date(2026, 1, 10), date(2026, 1, 10), [])
    assert qr.split(e, s) == (None, None, [])
