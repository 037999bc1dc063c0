"""Hourly forecast, surge rule and a shift's dispatcher need: known answers on built histories, the
median handling time of the staff month, and the demo's surge day."""
from datetime import date, datetime, timedelta

import pytest

from domain.forecast import forecast_day, surge_rule
from domain.staffing import day_kind, shift_need
from queries.forecast import handling_minutes, surge_status
from tests.support.staff_fixture import load

DAY = date(2025, 12, 10)  # a Wednesday


def flat_history(days: int = 63, per_hour: int = 10, bump: dict | None = None) -> dict:
    """`per_hour` tickets every hour, ±1 alternating by week so the spread is not zero."""
    hist = {}
    for k in range(1, days + 1):
        d = DAY - timedelta(days=k)
        for h in range(24):
            hist[(d, h)] = per_hour + (1 if (k // 7) % 2 else -1)
    for key, n in (bump or {}).items():
        hist[key] = n
    return hist


def test_profile_level_and_band():
    fc = forecast_day(flat_history(), DAY)
    assert fc.history_days == 8
    assert 0.85 < fc.level < 1.0   # the last week alternated low (9) more days than high (11)
    h9 = fc.hours[9]
    assert h9.lower < h9.expected < h9.upper
    assert fc.hours[23].cum_expected == pytest.approx(sum(h.expected for h in fc.hours))


def test_recent_level_scales_the_profile():
    hist = flat_history()
    for k in range(1, 8):  # last week ran 50 % hotter
        for h in range(24):
            hist[(DAY - timedelta(days=k), h)] = int(hist[(DAY - timedelta(days=k), h)] * 1.5)
    fc = forecast_day(hist, DAY)
    assert fc.level > 1.25
    assert fc.hours[10].expected > 12


def test_surge_needs_the_cumulative_to_run_over():
    fc = forecast_day(flat_history(), DAY)
    now = datetime(2025, 12, 10, 12, 0)
    ordinary = {h: int(fc.hours[h].expected) for h in range(12)}   # 9 an hour at this level
    one_noisy_hour = {**ordinary, 11: 25}
    surge = {h: 16 for h in range(12)}
    assert not surge_rule(fc, ordinary, now).active
    assert not surge_rule(fc, one_noisy_hour, now).active
    s = surge_rule(fc, surge, now)
    assert s.active and s.actual == 192 and s.hour == 11 and "突增" in s.message


def test_surge_message_groups_thousands():
    """The message's counts read as every count on the pages does: 1,000, never 1000."""
    fc = forecast_day(flat_history(per_hour=100), DAY)
    now = datetime(2025, 12, 10, 12, 0)
    calm = surge_rule(fc, {h: 90 for h in range(12)}, now)
    assert not calm.active and "累计受理 1,080 件" in calm.message
    surge = surge_rule(fc, {h: 150 for h in range(12)}, now)
    assert surge.active and "累计受理 1,800 件" in surge.message
    assert f"预测上限 {surge.upper:,.0f} 件" in surge.message and "," in f"{surge.upper:,.0f}"


def test_shift_need_uses_the_busiest_hour():
    fc = forecast_day(flat_history(bump={(DAY - timedelta(days=7 * k), 9): 60 for k in range(1, 9)}), DAY)
    # the last week ran at 9 an hour against a profile of 10 (one busier day does not move the
    # median): level 0.9; the 早班 hours 08–16 expect 9 each, the 9:00 peak 60 × 0.9 = 54
    assert fc.level == pytest.approx(0.9)
    need = shift_need(fc, "早班", 6)
    assert need["peak_hour_volume"] == pytest.approx(54.0) and need["volume"] == pytest.approx(54 + 7 * 9)
    assert need["needed"] == 7                 # ⌈54 × 6 / (60 × 0.85)⌉ = ⌈6.35⌉
    assert need["needed_average"] == 2         # ⌈117 × 6 / (8 × 60 × 0.85)⌉ = ⌈1.72⌉


def test_handling_minutes_median(engine):
    load(engine)
    with engine.connect() as conn:
        m = handling_minutes(conn, start=datetime(2026, 1, 1), end=datetime(2026, 2, 1))
    # SIGN→DISPATCH: T1 10, T2 89:59, T3 21, T4 295, T6 10, T7 15 → middle 15 and 21
    assert m == pytest.approx(18.0)
    with engine.connect() as conn:
        odd = handling_minutes(conn, start=datetime(2026, 1, 1), end=datetime(2026, 1, 7, 9, 0))
        none = handling_minutes(conn, start=datetime(2026, 3, 1), end=datetime(2026, 4, 1))
    assert odd == pytest.approx(21.0) and none is None      # T7 dispatched 09:30: 10 10 21 89:59 295


def test_demo_surge_day_fires_and_ordinary_days_do_not(sqlite_engine):
    demo = pytest.importorskip("dashboard.services.demo")
    end = date(2026, 1, 15)
    demo.generate(sqlite_engine, days=60, tickets_per_day=100, seed=3, end=end,
                  now=datetime(2026, 1, 15, 23, 59, 59))
    (surge_day,) = demo.surge_days(end, 60)
    with sqlite_engine.connect() as conn:
        for k in range(14):
            day = end - timedelta(days=k)
            for hour in (12, 15, 18):
                now = datetime(day.year, day.month, day.day, hour)
                status = surge_status(conn, now, kind_of=day_kind)
                assert status["active"] == (day == surge_day), (day, hour, status)
