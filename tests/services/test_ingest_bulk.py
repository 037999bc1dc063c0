"""SQLite bulk loads build the non-unique indexes after the writes (writing.indexes_built_after):
the same indexes afterwards, none lost when the import fails, and daily files untouched."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from dashboard.services import ingest
from dashboard.services.ingest import writing
from dashboard.services.ingest.core import BULK_TABLES, TICKET_WRITERS_LOCK
from tests.conftest import clear
from tests.support.csv_rows import csv_bytes


def _indexes(conn) -> dict:
    marks = ", ".join("?" * len(BULK_TABLES))
    return dict(conn.exec_driver_sql(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                     f"AND tbl_name IN ({marks}) AND sql IS NOT NULL", BULK_TABLES).all())


def _non_unique(ix: dict) -> set:
    return {n for n, sql in ix.items() if not sql.startswith("CREATE UNIQUE")}


def test_indexes_are_dropped_for_the_load_and_built_again(sqlite_engine):
    with sqlite_engine.begin() as conn:
        before = _indexes(conn)
        assert len(_non_unique(before)) >= 10
        with writing.indexes_built_after(conn, BULK_TABLES, rows_coming=5, compared_with="tickets"):
            during = _indexes(conn)
        assert during.keys() == before.keys() - _non_unique(before)      # unique ones stay
        assert _indexes(conn) == before


def test_a_small_file_into_a_larger_table_keeps_the_indexes(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO tickets (ticket_no, received_at) VALUES ('A', '2026-01-01 08:00:00.000000'),"
                             " ('B', '2026-01-01 09:00:00.000000')")
        before = _indexes(conn)
        with writing.indexes_built_after(conn, BULK_TABLES, rows_coming=2, compared_with="tickets"):
            assert _indexes(conn) == before


def test_a_failed_load_rolls_the_indexes_back(sqlite_engine):
    with sqlite_engine.connect() as conn:
        before = _indexes(conn)
        conn.commit()
        with pytest.raises(RuntimeError):
            with conn.begin():
                with writing.indexes_built_after(conn, BULK_TABLES, rows_coming=5, compared_with="tickets"):
                    raise RuntimeError("import failed half-way")
        assert _indexes(conn) == before


def test_a_first_import_through_the_bulk_path_equals_the_ordinary_one(sqlite_engine, monkeypatch):
    rows = [{"工单编号": f"T{i}", "接收时间": f"2026-01-1{i % 5} 0{i % 9}:15:00", "被反映街乡镇": "梨园镇",
             "是否纳入考核": "是", "签收时间": f"2026-01-1{i % 5} 0{i % 9}:40:00"} for i in range(40)]
    data = csv_bytes(rows)

    def snapshot():
        with sqlite_engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1, 2")).all()
                    for t in ("tickets", "ticket_facts", "rollup_daily")} | {"indexes": _indexes(conn)}

    assert ingest.run_import(sqlite_engine, "tickets", "a.csv", data, username="t").status == "ok"
    bulk = snapshot()
    clear(sqlite_engine)
    # the ordinary path: the same file when the table already holds more tickets than it brings
    monkeypatch.setattr(writing, "indexes_built_after", _ordinary)
    assert ingest.run_import(sqlite_engine, "tickets", "a.csv", data, username="t").status == "ok"
    assert snapshot() == bulk



@contextmanager
def _ordinary(conn, tables, *, rows_coming, compared_with):
    yield


def test_a_second_ticket_import_at_the_same_time_is_refused(pg_engine):
    """PostgreSQL: an import holding the ticket writers' lock makes the next one wait for nothing:
    it is refused with a reason and writes nothing."""
    rows = [{"工单编号": "L1", "接收时间": "2026-01-12 08:00:00", "被反映街乡镇": "梨园镇"}]
    with pg_engine.connect() as holder, holder.begin():
        assert holder.execute(sa.select(sa.func.pg_try_advisory_xact_lock(TICKET_WRITERS_LOCK))).scalar()
        res = ingest.run_import(pg_engine, "tickets", "l.csv", csv_bytes(rows), username="t")
        assert res.status == "refused" and "正在导入" in res.message
    with pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 0
    assert ingest.run_import(pg_engine, "tickets", "l.csv", csv_bytes(rows), username="t").status == "ok"


def test_statistics_of_rebuilt_indexes_are_kept(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('ticket_events', 'ix_ticket_events_at', '1000 2')")
        with writing.indexes_built_after(conn, BULK_TABLES, rows_coming=5, compared_with="tickets"):
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar() == 0
        assert conn.exec_driver_sql("SELECT tbl, idx, stat FROM sqlite_stat1").all() == [
            ("ticket_events", "ix_ticket_events_at", "1000 2")]


def test_a_file_with_stored_tickets_keeps_the_indexes(sqlite_engine, monkeypatch):
    rows = [{"工单编号": "S1", "接收时间": "2026-01-12 08:00:00", "被反映街乡镇": "梨园镇"}]
    assert ingest.run_import(sqlite_engine, "tickets", "a.csv", csv_bytes(rows), username="t").status == "ok"
    seen = []
    original = writing.indexes_built_after

    def spy(conn, tables, *, rows_coming, compared_with):
        seen.append(rows_coming)
        return original(conn, tables, rows_coming=rows_coming, compared_with=compared_with)

    monkeypatch.setattr(writing, "indexes_built_after", spy)
    rows += [{"工单编号": f"N{i}", "接收时间": "2026-01-12 09:00:00", "被反映街乡镇": "梨园镇"} for i in range(5)]
    assert ingest.run_import(sqlite_engine, "tickets", "b.csv", csv_bytes(rows), username="t").status == "ok"
    assert seen == [0]        # one stored ticket in the file: the ordinary path
