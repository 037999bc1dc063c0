"""Bad rows are kept aside with their reason while the rest flows; events that arrive before their
ticket wait for it; a source that is down or slow is a failed run (and a late feed for `health`),
retried after a back-off until it is back, then nothing is missing."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.cli.main import main
from dashboard.services import health
from dashboard.services.feed import config, sql_source
from queries.schema import audit_log, feed_rejects, feed_runs, feeds, ticket_events
from tests.support.feed_sources import OrderSystem, mariadb_source, our_events, our_tickets, source_file

START = datetime(2026, 11, 2, 8, 0, 0)


@pytest.fixture
def maria():
    url, drop = mariadb_source()
    yield url
    drop()


def test_bad_rows_are_quarantined_with_their_reason_and_the_rest_flows(engine, maria, tmp_path):
    system = OrderSystem(maria)
    nos = system.add_orders(6, START)
    system.update(nos[1], sqlx=7)                                          # a code the source file does not map
    system.update(nos[2], bj_time=START - timedelta(days=1))               # closed before it was received
    system.add_flow(nos, 1)
    path = source_file(tmp_path, maria, "mariadb")
    assert sql_source.run(engine, config.load(path), once=True) == 0

    got = our_tickets(engine)
    assert sorted(got) == sorted([nos[0], *nos[3:]])
    with engine.connect() as conn:
        rejects = conn.execute(sa.select(feed_rejects.c.kind, feed_rejects.c.row_key, feed_rejects.c.reason,
                                         feed_rejects.c.row_json, feed_rejects.c.waiting)
                               .order_by(feed_rejects.c.kind, feed_rejects.c.row_key)).all()
        runs = conn.execute(sa.select(feed_runs.c.kind, feed_runs.c.rows_pulled, feed_runs.c.rejects)
                            .order_by(feed_runs.c.id)).all()
    assert [(k, key) for k, key, *_ in rejects] == [("events", nos[1]), ("events", nos[2]),
                                                     ("tickets", nos[1]), ("tickets", nos[2])]
    assert rejects[2][2] == '诉求类型：不允许的值 "7"（可选：咨询/求助/投诉/举报/建议/其他）'
    assert rejects[3][2].startswith("办结时间：2026-11-01 08:") and "早于接收时间" in rejects[3][2]
    assert json.loads(rejects[2][3])["诉求类型"] == "7"
    # their events wait for the ticket rather than being lost
    assert [w for *_, w in rejects] == [True, True, False, False]
    assert runs == [("tickets", 4, 2), ("events", 4, 2)]

    # the source fixes the rows: the tickets arrive, the waiting events follow, the rejects are gone
    system.update(nos[1], sqlx=1)
    system.update(nos[2], bj_time=None)
    assert sql_source.run(engine, config.load(path), once=True) == 0
    assert our_tickets(engine) == system.expected_tickets()
    assert sorted(our_events(engine)) == sorted(system.expected_events())
    with engine.connect() as conn:
        assert conn.execute(sa.select(feed_rejects.c.kind).where(feed_rejects.c.waiting == sa.true())).all() == []


def test_a_re_read_bad_row_is_kept_once(sqlite_engine, maria, tmp_path):
    system = OrderSystem(maria)
    nos = system.add_orders(3, START)
    system.update(nos[0], myd=8)
    path = source_file(tmp_path, maria, "mariadb", events=None)
    for _ in range(3):        # the overlap window reads it every time
        assert sql_source.run(sqlite_engine, config.load(path), once=True) == 0
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(feed_rejects.c.reason)).scalars().all() == ['满意度：不允许的值 "8"（可选：满意/基本满意/不满意）']


def test_source_down_is_a_failed_run_and_a_late_feed_then_it_resumes(engine, maria, tmp_path, capsys):
    system = OrderSystem(maria)
    system.add_orders(5, START)
    system.add_flow(system.expected_tickets().keys(), 1)
    down = sa.engine.make_url(maria).set(port=1).render_as_string(hide_password=False)
    path = source_file(tmp_path, down, "mariadb", name="ops", every=60)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "feed", str(path), "--once"]) == 1
    err = capsys.readouterr().err
    assert "event=feed_run" in err and "status=failed" in err and "拉取失败" in err
    with engine.connect() as conn:
        run = conn.execute(sa.select(feed_runs.c.kind, feed_runs.c.status, feed_runs.c.error)).one()
        created = conn.execute(sa.select(feeds.c.created_at)).scalar_one()
        audited = conn.execute(sa.select(audit_log.c.target, audit_log.c.detail).where(audit_log.c.action == "feed_run")).all()
    assert run.kind == "tickets" and run.status == "failed" and "数据源查询失败（tickets）" in run.error
    assert "127.0.0.1" in run.error
    assert audited[0][0] == "ops:tickets" and audited[0][1].startswith("failed; rows=0")

    # within 3 × every it is not late; after that `health` says so (exit 1)
    with engine.connect() as conn:
        assert health.late_feeds(conn, created + timedelta(seconds=180)) == []
        late = health.late_feeds(conn, created + timedelta(seconds=181))
    assert len(late) == 1 and late[0].message.startswith("数据接入 ops 已超过 3 倍拉取间隔（180 秒）未成功：自 ")
    assert "最近的错误：数据源查询失败（tickets）" in late[0].message
    later = (created + timedelta(seconds=181)).isoformat(sep=" ")
    assert main(["--db", url, "health", "--now", later]) == 1
    assert any(line.startswith("问题：数据接入 ops") for line in capsys.readouterr().out.splitlines())

    # the source is back: the same feed resumes, everything arrives, and it is no longer late
    path = source_file(tmp_path, maria, "mariadb", name="ops", every=60)
    assert main(["--db", url, "feed", str(path), "--once"]) == 0
    assert our_tickets(engine) == system.expected_tickets()
    assert sorted(our_events(engine)) == sorted(system.expected_events())
    with engine.connect() as conn:
        assert health.late_feeds(conn, datetime.now() + timedelta(seconds=170)) == []


def test_slow_source_statement_is_cancelled_and_recorded(sqlite_engine, maria, tmp_path):
    OrderSystem(maria).add_orders(2, START)
    slow = ("SELECT o.order_no AS 工单编号, o.recv_time AS 接收时间, o.updated_at AS _watermark FROM t_order o "
            "WHERE SLEEP(3) = 0 AND o.updated_at >= :since ORDER BY o.updated_at LIMIT :limit")
    path = source_file(tmp_path, maria, "mariadb", timeout=1, tickets={"query": slow, "values": None}, events=None)
    assert sql_source.run(sqlite_engine, config.load(path), once=True) == 1
    with sqlite_engine.connect() as conn:
        status, error = conn.execute(sa.select(feed_runs.c.status, feed_runs.c.error)).one()
    assert status == "failed" and "max_statement_time" in error


def test_the_loop_backs_off_while_the_source_is_down_and_resumes(sqlite_engine, tmp_path):
    """Without --once the feed never gives up: a SQLite source that is missing (down) for two
    cycles is retried after 5 s, then 10 s; once it is there, it is pulled and the feed sleeps `every`."""
    from dashboard.services.feed import demo_source

    real = tmp_path / "ops.db"
    demo_source.create(f"sqlite:///{real}")
    demo_source.add(f"sqlite:///{real}", tickets=4, now=START, seed=3)
    hidden = tmp_path / "away" / "ops.db"
    src = demo_source.source_file(tmp_path / "ops.yaml", f"sqlite:///{hidden}")
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:              # the source comes back during the second back-off
            hidden.parent.mkdir()
            shutil.copy(real, hidden)

    assert sql_source.run(sqlite_engine, config.load(src), sleep=sleep, cycles=4) == 0
    assert sleeps == [5.0, 10.0, 60.0]
    with sqlite_engine.connect() as conn:
        statuses = conn.execute(sa.select(feed_runs.c.status).order_by(feed_runs.c.id)).scalars().all()
        events = conn.execute(sa.select(sa.func.count()).select_from(ticket_events)).scalar_one()
    assert statuses[:2] == ["failed", "failed"] and set(statuses[2:]) == {"ok"}
    assert len(our_tickets(sqlite_engine)) == 4 and events > 0
