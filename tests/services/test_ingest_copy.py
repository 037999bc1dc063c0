"""PostgreSQL's COPY of new rows (writing.Insert): the CSV text Arrow writes stores exactly what
psycopg's value-by-value COPY stores, hostile text included (quotes, commas, line breaks, a lone
backslash-dot, the word NULL, '' beside NULL), and columns Arrow cannot write as they are (times
with a zone, floats) still go value by value."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy as sa

from dashboard.services.ingest import writing

TEXTS = ["", None, "普通文本", 'a,"b"\nc', "\\.", "\\N", "NULL", " 前后空格 ", "\t制表\r\n换行", '"', "x" * 3000]


def _table(name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(),
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("label", sa.String(4000)),
                    sa.Column("body", sa.Text, nullable=False, server_default=""),
                    sa.Column("at", sa.DateTime),
                    sa.Column("day", sa.Date),
                    sa.Column("flag", sa.Boolean),
                    sa.Column("n", sa.Integer))


@pytest.fixture
def tables(pg_engine):
    made = [_table("copy_arrow"), _table("copy_rows")]
    with pg_engine.begin() as conn:
        for t in made:
            t.create(conn)
    yield made
    with pg_engine.begin() as conn:
        for t in made:
            t.drop(conn)


def _columns(n: int) -> dict:
    at = np.array([datetime(2025, 1, 1, 8) + timedelta(seconds=37 * i, microseconds=i) for i in range(n)],
                  dtype="datetime64[us]")
    at[::5] = np.datetime64("NaT")
    return {"id": list(range(n)),
            "label": [TEXTS[i % len(TEXTS)] for i in range(n)],
            "body": [TEXTS[(i + 3) % len(TEXTS)] or "" for i in range(n)],
            "at": at,
            "day": at.copy(),
            "flag": [[True, False, None][i % 3] for i in range(n)],
            "n": [None if i % 7 == 0 else i * 1000 for i in range(n)]}


def _stored(conn, table) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_arrow_csv_copy_stores_what_psycopg_stores(pg_engine, tables):
    arrow_table, rows_table = tables
    cols = _columns(200)
    with pg_engine.begin() as conn:
        insert = writing.prepare_insert(conn, arrow_table, cols)
        assert writing._csv_text(arrow_table, insert.copy_columns, insert.names) is not None      # the Arrow path
        assert insert.run(conn) == 200
        prepared = writing.prepare_insert(conn, rows_table, cols)
        # psycopg's value-by-value COPY of the same rows
        assert writing.Insert(rows_table, None, prepared.rows, prepared.names).run(conn) == 200
    with pg_engine.connect() as conn:
        got, expected = _stored(conn, arrow_table), _stored(conn, rows_table)
    assert got == expected
    by_id = {r[0]: r for r in got}
    assert by_id[0][1] == "" and by_id[1][1] is None and by_id[3][1] == 'a,"b"\nc'
    assert by_id[4][1] == "\\." and by_id[6][1] == "NULL" and by_id[9][1] == '"'
    assert by_id[0][3] is None and by_id[1][3] == datetime(2025, 1, 1, 8, 0, 37, 1)
    assert by_id[1][4] == date(2025, 1, 1) and by_id[0][4] is None
    assert [by_id[i][5] for i in range(3)] == [True, False, None]
    assert by_id[0][6] is None and by_id[1][6] == 1000


def test_columns_arrow_cannot_write_go_value_by_value(pg_engine, tables):
    arrow_table, _ = tables
    zoned = {"id": [1, 2], "label": ["甲", None], "body": ["", "乙"],
             "at": [datetime(2025, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))), None],
             "day": [date(2025, 1, 1), None], "flag": [1, 0], "n": [5, None]}
    with pg_engine.begin() as conn:
        insert = writing.prepare_insert(conn, arrow_table, zoned)
        assert writing._csv_text(arrow_table, insert.copy_columns, insert.names) is None
        assert insert.run(conn) == 2
    with pg_engine.connect() as conn:
        rows = _stored(conn, arrow_table)
    # the zone dropped as psycopg and PostgreSQL drop it for a time without zone; 1/0 as booleans
    assert rows == [(1, "甲", "", datetime(2025, 1, 1, 8), date(2025, 1, 1), True, 5),
                    (2, None, "乙", None, None, False, None)]


def test_a_value_out_of_a_booleans_range_is_refused_as_sqlalchemy_refuses_it(pg_engine, tables):
    arrow_table, _ = tables
    with pg_engine.begin() as conn, pytest.raises(ValueError, match="not None, True, or False"):
        writing.prepare_insert(conn, arrow_table, {"id": [1], "flag": [2]})


def test_arrow_copy_is_read_as_utf8_whatever_the_client_encoding(pg_engine, tables):
    arrow_table, _ = tables
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL client_encoding = 'GBK'")
        insert = writing.prepare_insert(conn, arrow_table, {"id": [1, 2], "label": ["张家湾镇", "台湖镇"]})
        assert writing._csv_text(arrow_table, insert.copy_columns, insert.names) is not None
        insert.run(conn)
    with pg_engine.connect() as conn:
        assert [r[1] for r in _stored(conn, arrow_table)] == ["张家湾镇", "台湖镇"]


def test_a_column_is_written_in_its_table_columns_type_never_one_guessed_from_values(pg_engine, tables):
    arrow_table, _ = tables
    eight = timezone(timedelta(hours=8))
    with pg_engine.connect() as conn:
        def arrow(cols):
            insert = writing.prepare_insert(conn, arrow_table, cols)
            return writing._csv_text(arrow_table, insert.copy_columns, insert.names)

        # a zone among naive times, a date among times, a boolean in a text column: value by value
        assert arrow({"id": [1, 2], "at": [datetime(2025, 1, 1, 9), datetime(2025, 1, 1, 9, tzinfo=eight)]}) is None
        assert arrow({"id": [1, 2], "at": [date(2025, 1, 1), datetime(2025, 1, 1, 9)]}) is None
        assert arrow({"id": [1], "label": [True]}) is None
        assert arrow({"id": [1, 2], "at": [datetime(2025, 1, 1, 9), None]}).to_pybytes() == \
            b"1,2025-01-01 09:00:00.000000\n2,\n"
