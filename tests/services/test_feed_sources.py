"""The SQL source feed against real MariaDB and PostgreSQL sources (the example ticketing system of
mappings/): after inserts, in-place updates and new flow rows, `feed --once` leaves exactly the
source's tickets and events in our database, compared row by row."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.services import breach_history
from dashboard.services.assessment import settled_counts
from dashboard.services.feed import config, sql_source
from queries import breach
from queries.schema import day_counts, feed_runs, feed_watermarks, feeds, ticket_facts
from tests.support.feed_sources import (
    OrderSystem,
    mariadb_source,
    our_events,
    our_tickets,
    postgresql_source,
    source_file,
)

START = datetime(2026, 11, 2, 8, 0, 0)


@pytest.fixture(params=["mariadb", "postgresql"])
def source(request):
    url, drop = mariadb_source() if request.param == "mariadb" else postgresql_source()
    yield request.param, url
    drop()


def feed_once(engine, path) -> int:
    return sql_source.run(engine, config.load(path), once=True)


def assert_same_as_source(engine, system: OrderSystem) -> None:
    assert our_tickets(engine) == system.expected_tickets()
    events = our_events(engine)
    assert Counter(events) == Counter(system.expected_events())     # nothing missing, nothing doubled


def test_inserts_updates_in_place_and_flow_rows_arrive_exactly(engine, source, tmp_path):
    kind, url = source
    system = OrderSystem(url)
    path = source_file(tmp_path, url, kind)
    nos = system.add_orders(40, START)
    system.add_flow(nos, 1, after_minutes=5)
    system.add_flow(nos[:30], 2, after_minutes=20, remark="派至区城管委")
    assert feed_once(engine, path) == 0
    assert_same_as_source(engine, system)

    # in place: closed (status, 办结时间), called back; a new step and new tickets
    later = datetime.now().replace(microsecond=0)
    for no in nos[:10]:
        system.update(no, status_code=3, bj_time=START + timedelta(days=1), hf_time=START + timedelta(days=2),
                      hf_valid=1, hf_contacted=1, hf_resolved=1, myd=2)
    system.update(nos[10], sxlx=4, title="改过的标题", kh_flag=0)
    system.add_flow(nos[10:15], 12, after_minutes=90, user=None, dept=None)
    system.add_orders(5, START + timedelta(days=3))
    assert feed_once(engine, path) == 0
    assert_same_as_source(engine, system)
    with engine.connect() as conn:
        closed = conn.execute(sa.select(sa.func.count()).select_from(ticket_facts)
                              .where(ticket_facts.c.closed_at.is_not(None))).scalar_one()
        assert closed == 10
        runs = conn.execute(sa.select(feed_runs.c.kind, feed_runs.c.status).order_by(feed_runs.c.id)).all()
        assert runs == [("tickets", "ok"), ("events", "ok")] * 2
        marks = dict(conn.execute(sa.select(feed_watermarks.c.kind, feed_watermarks.c.value)).all())
        assert marks["events"] == str(40 + 30 + 5)          # the flow table's last id, in its own form
        last = conn.execute(sa.select(feeds.c.last_success_at)).scalar_one()
        assert last >= later

    # nothing new: a third pull changes nothing
    assert feed_once(engine, path) == 0
    assert_same_as_source(engine, system)


def test_the_source_is_opened_read_only(source, tmp_path):
    kind, url = source
    cfg = config.load(source_file(tmp_path, url, kind, timeout=5))
    engine = sql_source.source_engine(cfg)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM t_status_code")).scalar_one() == 4
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read.only"), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t_status_code (code, name) VALUES (9, '测试')"))
    finally:
        engine.dispose()
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM t_status_code")).scalar_one() == 4


@pytest.mark.parametrize("ending", ["rows", "empty"])
def test_settled_days_are_counted_again_when_the_pull_is_caught_up(engine, source, tmp_path, monkeypatch, ending):
    # batches of 16 over five days of tickets: the batches before the last only drop the stored
    # counts of the days they touch; the one that catches up (or, when the last pull comes back
    # empty — rows deleted in the source meanwhile — a refill of its own) counts them again
    kind, url = source
    system = OrderSystem(url)
    nos = system.add_orders(40, START, step_seconds=3 * 3600)
    if ending == "empty":
        real_fetch = sql_source.fetch

        def last_pull_empty(src, ks, since, limit):
            names, rows = real_fetch(src, ks, since, limit)
            return (names, []) if ks.kind == "tickets" and len(rows) < limit else (names, rows)
        monkeypatch.setattr(sql_source, "fetch", last_pull_empty)
    else:
        system.add_flow(nos, 1, after_minutes=30)
    path = source_file(tmp_path, url, kind, tickets={"batch": 16}, events={"batch": 16})
    assert feed_once(engine, path) == 0
    with engine.begin() as conn:
        fed = _day_counts(conn)
        conn.execute(day_counts.delete())
        settled_counts.refill(conn)
        assert fed == _day_counts(conn) and len(fed) >= 4


def _day_counts(conn) -> set[tuple]:
    return {(str(d)[:10], p, c) for d, p, c in conn.execute(sa.select(day_counts.c.day, day_counts.c.params,
                                                                     day_counts.c.counts))}


def test_the_service_counts_the_hours_breach_history_ahead_of_the_pages(engine, source, tmp_path):
    # after a cycle the forecast's history of the current hour is kept, as a page would count it
    kind, url = source
    OrderSystem(url).add_orders(5, START, step_seconds=3600)
    assert feed_once(engine, source_file(tmp_path, url, kind)) == 0
    hour = breach_history.hour_start(datetime.now())
    with engine.connect() as conn:
        kept = breach_history.stored(conn, hour)
        if kept is None:        # the clock turned an hour between the cycle and this line
            hour -= timedelta(hours=1)
            kept = breach_history.stored(conn, hour)
        assert kept is not None
        pd.testing.assert_frame_equal(kept, breach.breach_history(conn, now=hour))
