"""Fast bulk writes inside the caller's transaction: SQLite executemany, PostgreSQL COPY.

Rows are tuples in the order of `columns`. Values are Python objects; the SQLite path stores them
exactly as SQLAlchemy would (timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff', dates ISO, booleans 0/1),
so SQL comparisons against bound parameters agree to the microsecond.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

CHUNK = 50000


def _dt(v):
    return None if v is None else v.isoformat(" ", "microseconds")


def _d(v):
    return None if v is None else v.isoformat()


def _b(v):
    return None if v is None else int(bool(v))


def _sqlite_converter(table: sa.Table, columns: list[str]):
    funcs = []
    for name in columns:
        t = table.c[name].type
        if isinstance(t, sa.DateTime):
            funcs.append(_dt)
        elif isinstance(t, sa.Date):
            funcs.append(_d)
        elif isinstance(t, sa.Boolean):
            funcs.append(_b)
        else:
            funcs.append(None)
    if not any(funcs):
        return None
    idx = [(i, f) for i, f in enumerate(funcs) if f]

    def convert(row: tuple) -> tuple:
        out = list(row)
        for i, f in idx:
            out[i] = f(out[i])
        return out
    return convert


class Loader:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.dialect = conn.dialect.name

    def write(self, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            self._sqlite(table, columns, rows)
        elif self.dialect == "postgresql":
            self._copy(table, columns, rows)
        else:
            for i in range(0, len(rows), CHUNK):
                self.conn.execute(table.insert(), [dict(zip(columns, r)) for r in rows[i:i + CHUNK]])

    def _sqlite(self, table, columns, rows):
        convert = _sqlite_converter(table, columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
        cur = self.conn.connection.driver_connection.cursor()
        try:
            for i in range(0, len(rows), CHUNK):
                part = rows[i:i + CHUNK]
                cur.executemany(sql, map(convert, part) if convert else part)
        finally:
            cur.close()

    def _copy(self, table, columns, rows):
        from psycopg import sql

        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(stmt) as copy:
            for r in rows:
                copy.write_row(r)

    @contextmanager
    def bulk(self, *tables: sa.Table):
        """Drop the non-unique indexes of these tables during a load and build them once after."""
        dropped = []
        for table in tables:
            for ix in sorted(table.indexes, key=lambda i: i.name or ""):
                if not ix.unique and sa.inspect(self.conn).has_index(table.name, ix.name):
                    ix.drop(self.conn)
                    dropped.append(ix)
        yield
        for ix in dropped:
            ix.create(self.conn)

    def analyze(self, *tables: sa.Table) -> None:
        """Fresh planner statistics for the loaded tables (sampled, so it stays quick)."""
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            for t in tables:
                self.conn.exec_driver_sql(f'ANALYZE "{t.name}"')
        elif self.dialect == "postgresql":
            for t in tables:
                self.conn.exec_driver_sql(f'ANALYZE "{t.name}"')
