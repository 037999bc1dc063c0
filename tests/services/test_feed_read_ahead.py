"""A few batches are read ahead, checked at once and written one transaction each (into PostgreSQL
the next few read and checked in a second thread meanwhile, so each test runs on both engines): every batch
commits its own watermark, rows read again in the next batch's overlap window are no duplicates, a
duplicate within one batch still is, and a source that fails after the first batch keeps what was
read before it failed."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.services.feed import config, sql_source, state
from dashboard.services.ingest.validation import prepare
from queries.schema import event_clocks, feed_rejects, feed_runs, ticket_facts, tickets
from tests.support.feed_sources import OrderSystem, mariadb_source, our_tickets, source_file

START = datetime(2026, 11, 2, 8, 0, 0)
# 200 s between rows and the default overlap of 300 s: each pull of 5 re-reads 3 rows of the one before
STEP_SECONDS = 200


@pytest.fixture
def maria():
    url, drop = mariadb_source()
    yield url
    drop()


def _pull(engine, cfg, on_batch) -> sql_source.KindOutcome:
    sql_source.start(engine, cfg)
    with engine.begin() as conn:
        run_id = state.start_run(conn, cfg.name, "tickets", datetime(2026, 12, 1))
    outcome = sql_source.KindOutcome("tickets")
    source = sql_source.source_engine(cfg)
    try:
        sql_source.pull_kind(engine, source, cfg, cfg.kinds["tickets"], run_id, outcome, on_batch=on_batch)
    finally:
        source.dispose()
    return outcome


def test_each_batch_read_ahead_commits_its_own_watermark(engine, maria, tmp_path):
    system = OrderSystem(maria)
    system.add_orders(23, START, step_seconds=STEP_SECONDS)
    cfg = config.load(source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None))
    stored: list[tuple[datetime, int]] = []

    def after_batch(_outcome):
        with engine.connect() as conn:
            mark = state.watermark(conn, cfg.name, "tickets")
            count = conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one()
        stored.append((mark.value, count))

    outcome = _pull(engine, cfg, after_batch)
    # more batches than one read-ahead holds, each committed with its watermark before the next
    assert outcome.batches == len(stored) > sql_source.READ_AHEAD_BATCHES
    marks, counts = zip(*stored)
    assert list(marks) == sorted(set(marks))
    # batch k takes rows 2k-1 … 2k+3 and keeps the watermark at row 2k+2 (the last row's value may
    # not be complete yet); the last batch re-reads rows 21-23 and is caught up at row 23
    assert list(counts) == [*range(5, 24, 2), 23]
    assert list(marks) == [START + pd.Timedelta(seconds=row * STEP_SECONDS) for row in [*range(4, 23, 2), 23]]
    assert our_tickets(engine) == system.expected_tickets()
    assert outcome.rows == 23 and outcome.rejects == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(feed_rejects.c.reason)).all() == []


def test_a_source_failing_after_the_first_batch_keeps_the_batches_read(engine, maria, tmp_path, monkeypatch):
    system = OrderSystem(maria)
    system.add_orders(23, START, step_seconds=STEP_SECONDS)
    path = source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None)
    real_fetch, calls = sql_source.fetch, []

    def failing_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise sql_source.SourceError("数据源查询失败（tickets）：连接被重置")
        return real_fetch(*args, **kwargs)

    monkeypatch.setattr(sql_source, "fetch", failing_third)
    assert sql_source.run(engine, config.load(path), once=True) == 1
    with engine.connect() as conn:
        # batch 1 (rows 1-5) and batch 2 (rows 3-7) were written before the failure was recorded
        assert conn.execute(sa.select(tickets.c.ticket_no).order_by(tickets.c.ticket_no)).scalars().all() == \
            sorted(system.expected_tickets())[:7]
        assert conn.execute(sa.select(feed_runs.c.status, feed_runs.c.rows_pulled, feed_runs.c.error)).one() == \
            ("failed", 7, "数据源查询失败（tickets）：连接被重置")

    monkeypatch.setattr(sql_source, "fetch", real_fetch)
    assert sql_source.run(engine, config.load(path), once=True) == 0
    assert our_tickets(engine) == system.expected_tickets()


def test_keys_are_duplicate_only_within_their_part():
    frame = pd.DataFrame({"工单编号": ["A", "B", "A", "A", "C", "C"],
                          "接收时间": ["2026-11-02 08:00:00"] * 6, "诉求类型": ["咨询"] * 6}, dtype=object)
    whole = prepare("tickets", frame, part_starts=[0, 3])
    first, second = whole.part(0, 3), whole.part(3, 6)
    assert first.errors == [(2, "工单编号", "与第2行重复")]
    assert second.errors == [(2, "工单编号", "与第3行重复")]
    assert second.values["ticket_no"].tolist() == ["A", "C", "C"]
    assert list(second.raw["工单编号"]) == ["A", "C", "C"]
    # as one table, the same rows are three duplicates
    assert [e[0] for e in prepare("tickets", frame).errors] == [2, 3, 5]


def test_a_batch_that_fails_to_write_stops_the_pull_and_the_next_run_completes(engine, maria, tmp_path, monkeypatch):
    system = OrderSystem(maria)
    system.add_orders(23, START, step_seconds=STEP_SECONDS)
    path = source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None)
    cfg = config.load(path)
    monkeypatch.setattr(sql_source, "READ_AHEAD_BATCHES", 2)

    def broken_second_batch(outcome):
        if outcome.batches == 2:
            raise RuntimeError("本库写入中断")

    with pytest.raises(RuntimeError):
        _pull(engine, cfg, broken_second_batch)
    with engine.connect() as conn:
        # batches 1 and 2 committed (the failure came after the second's commit); the batches read
        # ahead after them were not written
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one() == 7
        assert state.watermark(conn, cfg.name, "tickets").value == START + pd.Timedelta(seconds=6 * STEP_SECONDS)
    assert sql_source.run(engine, config.load(path), once=True) == 0
    assert our_tickets(engine) == system.expected_tickets()


def test_rows_read_again_unchanged_within_a_read_ahead_are_not_checked_again(sqlite_engine, maria, tmp_path,
                                                                              monkeypatch):
    system = OrderSystem(maria)
    system.add_orders(23, START, step_seconds=STEP_SECONDS)
    cfg = config.load(source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None))
    real_check, checked = sql_source.check, []

    def counting_check(cfg, ks, names, batches):
        checked.append([len(b) for b in batches])
        return real_check(cfg, ks, names, batches)

    monkeypatch.setattr(sql_source, "check", counting_check)
    outcome = _pull(sqlite_engine, cfg, None)
    # each pull of 5 re-reads the 3 rows of the one before from the watermark minus the overlap:
    # within a read-ahead they are left out (2 new rows a batch); the first batch of the next
    # read-ahead reads them again from the stored watermark; the caught-up pull reads rows 21-23,
    # all seen, and keeps them (a batch left with no row would not write its watermark)
    assert checked == [[5, 2, 2, 2, 2, 2, 2, 2], [5, 2, 3]]
    assert outcome.batches == 11 and outcome.rows == 23
    assert our_tickets(sqlite_engine) == system.expected_tickets()


def test_a_row_changed_between_two_pulls_of_a_read_ahead_is_written(sqlite_engine, maria, tmp_path, monkeypatch):
    system = OrderSystem(maria)
    system.add_orders(23, START, step_seconds=STEP_SECONDS)
    cfg = config.load(source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None))
    real_fetch, calls = sql_source.fetch, []

    def changing_after_the_first_pull(*args, **kwargs):
        got = real_fetch(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:     # a row of the overlap changes in place, keeping its watermark
            with sa.create_engine(maria).begin() as conn:
                conn.execute(sa.text("UPDATE t_order SET title = '已改标题', updated_at = updated_at WHERE order_no = :no"),
                             {"no": sorted(system.expected_tickets())[3]})
        return got

    monkeypatch.setattr(sql_source, "fetch", changing_after_the_first_pull)
    _pull(sqlite_engine, cfg, None)
    with sqlite_engine.connect() as conn:
        titles = dict(conn.execute(sa.select(tickets.c.ticket_no, tickets.c.title)).all())
    assert titles[sorted(system.expected_tickets())[3]] == "已改标题"


def test_a_batch_commits_without_waiting_for_the_disk_on_postgresql_only(pg_engine, maria, tmp_path, monkeypatch):
    """synchronous_commit is off inside each batch's transaction (its rows and watermark are lost
    or kept together) and back to the server's setting after it; imports by hand keep waiting."""
    system = OrderSystem(maria)
    system.add_orders(7, START, step_seconds=STEP_SECONDS)
    cfg = config.load(source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None))
    real_write, seen = sql_source.write_prepared, []

    def recording(conn, *args, **kwargs):
        seen.append(conn.exec_driver_sql("SHOW synchronous_commit").scalar())
        return real_write(conn, *args, **kwargs)

    monkeypatch.setattr(sql_source, "write_prepared", recording)
    outcome = _pull(pg_engine, cfg, None)
    assert outcome.batches == len(seen) > 1 and set(seen) == {"off"}
    assert our_tickets(pg_engine) == system.expected_tickets()
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_commits_lost_by_our_database_are_pulled_again(engine, maria, tmp_path, monkeypatch):
    """A crash of our database can lose the last commits (on PostgreSQL the feed's batches do not
    wait for the disk; a failover loses them anyway): their rows and the watermark go back
    together. What was read ahead from the lost watermark is not written; the feed reads again
    from the stored one, and no row of the source is missing."""
    system = OrderSystem(maria)
    system.add_orders(23, START, step_seconds=STEP_SECONDS)
    cfg = config.load(source_file(tmp_path, maria, "mariadb", tickets={"batch": 5}, events=None))
    monkeypatch.setattr(sql_source, "READ_AHEAD_BATCHES", 3)
    kept: dict = {}

    def lose_the_second_and_third_batch(outcome):
        with engine.begin() as conn:
            if outcome.batches == 1:
                kept["mark"] = state.watermark(conn, cfg.name, "tickets")
                kept["nos"] = set(conn.execute(sa.select(tickets.c.ticket_no)).scalars())
            elif outcome.batches == 3:
                lost = set(conn.execute(sa.select(tickets.c.ticket_no)).scalars()) - kept["nos"]
                assert len(lost) == 4
                for table in (event_clocks, ticket_facts, tickets):
                    conn.execute(table.delete().where(table.c.ticket_no.in_(lost)))
                state.set_watermark(conn, cfg.name, "tickets", kept["mark"], datetime(2026, 12, 1))

    _pull(engine, cfg, lose_the_second_and_third_batch)
    assert our_tickets(engine) == system.expected_tickets()
