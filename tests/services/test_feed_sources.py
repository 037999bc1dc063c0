"""The SQL source feed against real MariaDB and PostgreSQL sources (the example ticketing system of
mappings/): after inserts, in-place updates and new flow rows, `feed --once` leaves exactly the
source's tickets and events in our database, compared row by row."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.services.feed import config, sql_source
from queries.schema import feed_runs, feed_watermarks, feeds, ticket_facts
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
