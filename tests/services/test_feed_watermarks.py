"""Watermarks: thousands of rows sharing one watermark value (a bulk update) neither stall the feed
nor are skipped; the overlap window re-reads late commits; `:since` starts at the contract's first
value and is kept in the source's own form."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.services.feed import config, sql_source, state
from dashboard.services.feed.config import KindSource
from queries.schema import feed_runs, feed_watermarks, tickets
from tests.support.feed_sources import OrderSystem, mariadb_source, our_tickets, source_file

BULK_AT = datetime(2026, 11, 20, 3, 0, 0)


@pytest.fixture
def maria():
    url, drop = mariadb_source()
    yield url
    drop()


def test_12000_rows_sharing_one_updated_at_all_arrive_with_batch_5000(sqlite_engine, maria, tmp_path):
    system = OrderSystem(maria)
    system.add_orders(3000, datetime(2026, 11, 1, 8, 0, 0))                 # distinct times before
    system.add_orders(12000, datetime(2026, 11, 5, 8, 0, 0), updated_at=BULK_AT)   # one bulk stamp
    path = source_file(tmp_path, maria, "mariadb", overlap=0, tickets={"batch": 5000}, events=None)
    assert sql_source.run(sqlite_engine, config.load(path), once=True) == 0
    assert our_tickets(sqlite_engine) == system.expected_tickets()
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one() == 15000
        mark = conn.execute(sa.select(feed_watermarks.c.value, feed_watermarks.c.value_type)).one()
        assert tuple(mark) == ("2026-11-20 03:00:00", "datetime")
        assert conn.execute(sa.select(feed_runs.c.rows_pulled, feed_runs.c.status)).one() == (3000 + 12000, "ok")

    # a second bulk update of all 15,000 rows with one stamp, pulled again in full
    with system.engine.begin() as c:
        c.execute(sa.text("UPDATE t_order SET myd = 1, hf_valid = 1, updated_at = :t"), {"t": datetime(2026, 11, 21, 9, 0)})
    assert sql_source.run(sqlite_engine, config.load(path), once=True) == 0
    assert our_tickets(sqlite_engine) == system.expected_tickets()


def test_overlap_window_fuller_than_a_batch_does_not_stall(sqlite_engine, maria, tmp_path):
    """With the default overlap every pull re-reads the rows stamped in its window; 12,000 of them in
    batches of 5,000 are read by growing the pull, and new rows behind them still arrive."""
    system = OrderSystem(maria)
    system.add_orders(12000, datetime(2026, 11, 5, 8, 0, 0), updated_at=BULK_AT)
    path = source_file(tmp_path, maria, "mariadb", tickets={"batch": 5000}, events=None)
    assert sql_source.run(sqlite_engine, config.load(path), once=True) == 0
    system.add_orders(7, datetime(2026, 11, 6, 8, 0, 0), updated_at=datetime(2026, 11, 20, 3, 0, 30))
    assert sql_source.run(sqlite_engine, config.load(path), once=True) == 0
    assert our_tickets(sqlite_engine) == system.expected_tickets()


def test_since_first_value_and_overlap_in_the_source_form():
    ts, integer = KindSource("tickets", "q :since :limit"), KindSource("events", "q :since :limit", watermark="integer")
    assert sql_source.since_for(None, ts, 300, "mysql") == datetime(1970, 1, 1, 0, 0, 0)
    assert sql_source.since_for(None, ts, 300, "sqlite") == "1970-01-01 00:00:00"
    assert sql_source.since_for(None, integer, 300, "mysql") == 0
    assert sql_source.since_for(state.Watermark(41), integer, 300, "mysql") == 41
    assert sql_source.since_for(state.Watermark(datetime(2026, 12, 1, 10, 0)), ts, 300, "mysql") == datetime(2026, 12, 1, 9, 55)
    assert sql_source.since_for(state.Watermark("2026-12-01 10:00:00"), ts, 300, "sqlite") == "2026-12-01 09:55:00"
    assert sql_source.since_for(state.Watermark("2026-12-01T10:00:00.250000"), ts, 60, "sqlite") == "2026-12-01T09:59:00.250000"
    for value in (41, datetime(2026, 12, 1, 10, 0, 0, 5), "2026-12-01 10:00:00"):
        mark = state.Watermark(value)
        assert state.Watermark.decode(mark.text, mark.type) == mark
