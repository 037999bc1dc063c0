"""The figures a day reads from the days before it, counted once and kept for the day
(dashboard.services.day_figures over dashboard.services.kept_figures), on both engines: a kept
figure equals the counted one, later rows about earlier days leave it as counted, a file import
forgets it, and a day still ahead is never kept."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from dashboard.services import day_figures, kept_figures
from dashboard.services.ingest import run_import
from queries import forecast
from queries import repeats as repeat_queries
from queries.schema import kept_figures as kept_table
from tests.support.live_fixture import event, load, ticket

DAY = datetime(2026, 1, 15)
NOW = DAY + timedelta(hours=9, minutes=30)
GROUPINGS = ("street", "unit", "category")
LIMITS = {"street": None, "unit": 5, "category": 5}


def _history(engine) -> None:
    """Three weeks of intake, every ticket signed and dispatched after a known number of minutes;
    two tickets of one caller and address a day apart (a repeat)."""
    rows, events = [], []
    for d in range(21):
        for k in range(3 + d % 4):
            no = f"T{d:02d}{k}"
            at = DAY - timedelta(days=21 - d) + timedelta(hours=8 + 3 * k)
            rows.append(ticket(no, f"{at:%Y-%m-%d %H:%M:%S}", street="中仓街道" if k % 2 else "北苑街道",
                               unit="区水务局", address_key=f"某小区{k}号楼", category_l2="供暖"))
            events += [event(no, f"{at + timedelta(minutes=2):%Y-%m-%d %H:%M:%S}", "SIGN"),
                       event(no, f"{at + timedelta(minutes=2 + 10 + k):%Y-%m-%d %H:%M:%S}", "DISPATCH", "区水务局")]
    load(engine, rows, events)


def _kept_names(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(kept_table.c.name)).scalars())


def _late_tickets_of_yesterday(engine, n: int = 1) -> None:
    """Tickets about yesterday arriving today the way the feed writes them (no file import), each
    dispatched 89 minutes after it was signed."""
    at = DAY - timedelta(hours=3)
    rows, events = [], []
    for i in range(n):
        no = f"LATE{i}"
        rows.append(ticket(no, f"{at:%Y-%m-%d %H:%M:%S}", unit="区水务局", category_l2="供暖", address_key="某小区0号楼"))
        events += [event(no, f"{at + timedelta(minutes=1):%Y-%m-%d %H:%M:%S}", "SIGN"),
                   event(no, f"{at + timedelta(minutes=90):%Y-%m-%d %H:%M:%S}", "DISPATCH", "区水务局")]
    load(engine, rows, events)


def test_the_days_forecast_and_handling_minutes_are_kept_for_the_day(engine):
    _history(engine)
    with engine.connect() as conn:
        counted_fc = forecast.forecast_for(conn, day=DAY.date(), now=DAY, kind_of=None)
        counted_minutes = day_figures.handling_minutes(conn, DAY.date(), DAY)
    # 93 tickets signed-to-dispatched in 10 (21 of them), 11 (21), 12 (21), 13, 14 and 15 minutes
    assert counted_minutes == 12.0
    assert counted_fc.total() > 0

    with engine.connect() as conn:
        fc = day_figures.intake_forecast(conn, DAY.date(), DAY, keep=lambda: engine)
        minutes = day_figures.handling_minutes(conn, DAY.date(), DAY, keep=lambda: engine)
    assert minutes == counted_minutes
    assert _kept_names(engine) == ["handling_minutes", "intake_forecast"]
    with engine.connect() as conn:
        assert day_figures.intake_forecast(conn, DAY.date(), DAY) == fc     # counted again: the same
        # read back from the table: the same figure, to the last digit
        assert day_figures.intake_forecast(conn, DAY.date(), DAY, keep=lambda: engine) == fc

    # a hundred tickets about yesterday come in through the feed: the day's figures stay as counted
    _late_tickets_of_yesterday(engine, 100)
    with engine.connect() as conn:
        assert day_figures.handling_minutes(conn, DAY.date(), DAY) == 89.0      # counted live: moved
        assert day_figures.intake_forecast(conn, DAY.date(), DAY) != fc
        assert day_figures.handling_minutes(conn, DAY.date(), DAY, keep=lambda: engine) == counted_minutes
        assert day_figures.intake_forecast(conn, DAY.date(), DAY, keep=lambda: engine) == fc


def test_a_file_import_forgets_the_kept_figures(engine):
    _history(engine)
    start, end = DAY - timedelta(days=7), DAY

    def week_before() -> int:
        with engine.connect() as conn:
            frames = day_figures.repeat_counts(conn, start, end, now=NOW, groupings=GROUPINGS, limits=LIMITS,
                                               keep=lambda: engine)
        return int(frames[0]["tickets"].sum())

    assert week_before() == 32
    at = DAY - timedelta(hours=5)
    tickets_csv = ("工单编号,接收时间,诉求类型\n"
                   f"F1,{at:%Y-%m-%d %H:%M:%S},投诉\n").encode()
    assert run_import(engine, "tickets", "tickets.csv", tickets_csv, username="t").ok
    assert _kept_names(engine) == []
    assert week_before() == 33
    with engine.connect() as conn:
        day_figures.handling_minutes(conn, DAY.date(), DAY, keep=lambda: engine)
    assert _kept_names(engine) == ["handling_minutes", "repeats street/unit/category 7d"]
    events_csv = ("工单编号,操作,操作时间,单位\n"
                  f"F1,签收,{at + timedelta(minutes=1):%Y-%m-%d %H:%M:%S},\n"
                  f"F1,派单,{at + timedelta(minutes=241):%Y-%m-%d %H:%M:%S},区水务局\n").encode()
    assert run_import(engine, "events", "events.csv", events_csv, username="t").ok
    assert _kept_names(engine) == []


def test_a_day_ahead_is_counted_every_time(engine):
    _history(engine)
    tomorrow = (DAY + timedelta(days=1)).date()
    with engine.connect() as conn:
        fc = day_figures.intake_forecast(conn, tomorrow, NOW, keep=lambda: engine)
        assert fc == day_figures.intake_forecast(conn, tomorrow, NOW)       # counted, not kept
        day_figures.handling_minutes(conn, tomorrow, NOW, keep=lambda: engine)
    assert _kept_names(engine) == []


def test_the_repeats_of_the_days_before_are_kept_as_counted(engine):
    _history(engine)
    start, end = DAY - timedelta(days=7), DAY
    with engine.connect() as conn:
        counted = [repeat_queries.repeat_counts(conn, start=start, end=end, by=by, now=NOW, limit=LIMITS[by])
                   for by in GROUPINGS]
        first = day_figures.repeat_counts(conn, start, end, now=NOW, groupings=GROUPINGS, limits=LIMITS,
                                          keep=lambda: engine)
    assert int(counted[0]["tickets"].sum()) == 32
    for got, want in zip(first, counted):
        pd.testing.assert_frame_equal(got, want)
    assert _kept_names(engine) == ["repeats street/unit/category 7d"]
    _late_tickets_of_yesterday(engine)
    with engine.connect() as conn:
        again = day_figures.repeat_counts(conn, start, end, now=NOW, groupings=GROUPINGS, limits=LIMITS,
                                          keep=lambda: engine)
    for got, want in zip(again, counted):
        pd.testing.assert_frame_equal(got, want)
    # a window that ends within the day is counted every time
    with engine.connect() as conn:
        live = day_figures.repeat_counts(conn, start, NOW, now=NOW, groupings=GROUPINGS, limits=LIMITS,
                                         keep=lambda: engine)
    assert int(live[0]["tickets"].sum()) == 33
    assert _kept_names(engine) == ["repeats street/unit/category 7d"]


def test_keeping_a_figure_drops_every_figure_counted_more_than_two_days_ago(engine):
    long_ago = datetime.now().replace(microsecond=0) - kept_figures.KEEP - timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(kept_table.insert(), [
            {"name": "topic weeks 2025-11-10/2026-01-12", "as_of": DAY, "body": '{"value": []}', "computed_at": long_ago},
            {"name": "handling_minutes", "as_of": DAY - timedelta(days=3), "body": '{"value": 1.5}', "computed_at": long_ago},
            {"name": "handling_minutes", "as_of": DAY - timedelta(days=1), "body": '{"value": 2.0}',
             "computed_at": long_ago + timedelta(minutes=2)}])
    with engine.connect() as conn:
        assert kept_figures.figure(conn, "handling_minutes", DAY, lambda c: None,
                                   encode=lambda v: v, decode=lambda v: v, keep=lambda: engine) is None
        rows = conn.execute(sa.select(kept_table.c.name, kept_table.c.as_of).order_by(kept_table.c.as_of)).all()
    # names carry ranges that move on: whatever was counted more than KEEP ago goes, of any name
    assert [tuple(r) for r in rows] == [("handling_minutes", DAY - timedelta(days=1)), ("handling_minutes", DAY)]


def test_a_kept_none_is_a_kept_figure(engine):
    calls = []

    def count(_conn):
        calls.append(1)
        return None
    with engine.connect() as conn:
        for _ in range(3):
            assert kept_figures.figure(conn, "handling_minutes", DAY, count, encode=lambda v: v, decode=lambda v: v,
                                       keep=lambda: engine) is None
    assert calls == [1]      # counted once: "nothing dispatched in 28 days" is kept like any figure


def test_the_feed_service_counts_the_days_figures_ahead_once(engine):
    _history(engine)
    assert day_figures.warm(engine, NOW) is True
    assert _kept_names(engine) == ["handling_minutes", "intake_forecast"]
    assert day_figures.warm(engine, NOW + timedelta(hours=2)) is False      # the same day: kept already
    with engine.connect() as conn:
        assert day_figures.handling_minutes(conn, DAY.date(), DAY, keep=lambda: engine) == 12.0
    assert day_figures.warm(engine, NOW + timedelta(days=1)) is True
    with engine.connect() as conn:
        days = sorted(set(conn.execute(sa.select(kept_table.c.as_of)).scalars()))
    assert days == [DAY, DAY + timedelta(days=1)]


def test_a_file_of_todays_rows_leaves_the_kept_figures(engine):
    _history(engine)
    with engine.connect() as conn:
        day_figures.handling_minutes(conn, DAY.date(), DAY, keep=lambda: engine)
    today = datetime.now().replace(microsecond=0)
    data = f"工单编号,接收时间,诉求类型\nNEW1,{today:%Y-%m-%d %H:%M:%S},投诉\n".encode()
    assert run_import(engine, "tickets", "today.csv", data, username="t").ok
    assert _kept_names(engine) == ["handling_minutes"]      # nothing of the days before today changed
    assert run_import(engine, "tickets", "today.csv", data, username="t").ok      # unchanged: nothing to forget
    assert _kept_names(engine) == ["handling_minutes"]


def test_a_feed_that_catches_up_across_midnight_has_the_days_figures_counted_again():
    from dashboard.services.feed.sql_source import Cycle, KindOutcome, caught_up_across_midnight

    now = datetime(2026, 1, 15, 8, 0)
    brought, idle = Cycle([KindOutcome("tickets", rows=40)]), Cycle([KindOutcome("tickets", rows=0)])
    assert caught_up_across_midnight(datetime(2026, 1, 14, 16, 0), brought, now=now)     # behind since yesterday
    assert caught_up_across_midnight(None, brought, now=now)                             # the first pull ever
    assert not caught_up_across_midnight(datetime(2026, 1, 15, 7, 59), brought, now=now)  # up to date today
    assert not caught_up_across_midnight(datetime(2026, 1, 14, 16, 0), idle, now=now)     # nothing came


def test_the_service_logs_what_it_counted_ahead_and_a_failure_only_logs(engine, monkeypatch):
    import logging

    records: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(dict(record.hotline_fields))

    handler = Keep()
    events = logging.getLogger("dashboard.events")
    events.addHandler(handler)
    # another test may have left the log level at WARNING (HOTLINE_LOG_LEVEL): this one reads INFO
    events.setLevel(logging.INFO)
    try:
        _history(engine)
        day_figures.warm_for_service(engine)
        day_figures.warm_for_service(engine)          # kept already: nothing counted, nothing logged

        def down(_engine, _now):
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
        monkeypatch.setattr(day_figures, "warm", down)
        day_figures.warm_for_service(engine)          # logged, never raised
    finally:
        events.removeHandler(handler)
        events.setLevel(logging.NOTSET)
    derived = [r for r in records if r.get("source") == "derived"]
    assert [(r["stage"], r["status"]) for r in derived] == [("day_figures", "ok"), ("day_figures", "failed")]
    assert "server closed the connection" in derived[1]["error"]
