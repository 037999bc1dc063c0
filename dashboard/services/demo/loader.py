"""Fast bulk writes inside the caller's transaction: SQLite executemany, PostgreSQL COPY.

Rows are tuples in the order of `columns`. Values are Python objects; the SQLite path stores them
exactly as SQLAlchemy would (timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff', dates ISO, booleans 0/1),
so SQL comparisons against bound parameters agree to the microsecond.
"""
from __future__ import annotations

import operator
from contextlib import contextmanager
from datetime import datetime, timedelta

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
    """A function turning a list of row tuples into rows sqlite3 stores like SQLAlchemy does."""
    funcs = []
    for name in columns:
        col = table.c[name]
        t = col.type
        if isinstance(t, sa.DateTime):
            # NOT NULL columns skip the None check: one C call per value instead of a Python frame
            funcs.append(_DT_NOTNULL if not col.nullable else _dt)
        elif isinstance(t, sa.Date):
            funcs.append(_d)
        elif isinstance(t, sa.Boolean):
            funcs.append(operator.truth if not col.nullable else _b)   # bool binds as 0/1
        else:
            funcs.append(None)
    if not any(funcs):
        return None

    def convert(rows: list[tuple]):
        # column-wise: one map per converted column, transposed with zip (C speed)
        cols = list(zip(*rows))
        for i, f in enumerate(funcs):
            if f is not None:
                cols[i] = map(f, cols[i])
        return zip(*cols)
    return convert


_DT_NOTNULL = operator.methodcaller("isoformat", " ", "microseconds")

_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
# microseconds since 1970 → the storage text, in SQLite's C code (integer division floors: no
# timestamp here is before 1970)
_SQLITE_TEXT_OF_MICROS = "strftime('%Y-%m-%d %H:%M:%S', ?{n} / 1000000, 'unixepoch') || printf('.%06d', ?{n} % 1000000)"


def _transport_converter(table: sa.Table, columns: list[str]):
    """For `prepare` on SQLite: timestamps as integer microseconds (a fifth of isoformat's cost
    in the producer; the writer's INSERT formats them, see _prepared_sql), dates as text,
    booleans as 0/1. Column-wise comprehensions: no Python call per value."""
    kinds = []
    for name in columns:
        col = table.c[name]
        t = col.type
        kinds.append("dt" if isinstance(t, sa.DateTime) else "date" if isinstance(t, sa.Date)
                     else "bool" if isinstance(t, sa.Boolean) else None)
    if not any(kinds):
        return None
    epoch, us = _EPOCH, _MICROSECOND

    def convert(rows: list[tuple]) -> list[tuple]:
        cols = list(zip(*rows))
        for i, kind in enumerate(kinds):
            c = cols[i]
            if kind == "dt":
                cols[i] = [None if v is None else (v - epoch) // us for v in c]
            elif kind == "date":
                cols[i] = [None if v is None else v.isoformat() for v in c]
            elif kind == "bool":
                cols[i] = [None if v is None else int(bool(v)) for v in c]
        return list(zip(*cols))
    return convert


def _prepared_sql(table: sa.Table, columns: list[str]) -> str:
    quoted = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(_SQLITE_TEXT_OF_MICROS.format(n=i) if isinstance(table.c[c].type, sa.DateTime) else f"?{i}"
                       for i, c in enumerate(columns, start=1))
    return f'INSERT INTO "{table.name}" ({quoted}) VALUES ({values})'


def _pg_type(t) -> str:
    """The binary COPY type of a column (text and varchar share one wire format)."""
    if isinstance(t, sa.DateTime):
        return "timestamp"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.BigInteger):
        return "int8"
    if isinstance(t, sa.Integer):
        return "int4"
    return "text"


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

    @staticmethod
    def prepare(dialect: str, table: sa.Table, columns: list[str], rows: list[tuple]) -> list[tuple]:
        """Rows in the form `write_prepared` takes (SQLite: numbers and text only), so a producer
        process can do the conversion while this one writes."""
        if dialect == "sqlite":
            convert = _transport_converter(table, columns)
            return convert(rows) if convert and rows else rows
        return rows

    def write_prepared(self, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
        """Write rows from `prepare`; stored exactly as `write` stores the unprepared rows."""
        if not rows:
            return
        if self.dialect == "sqlite":
            self._sqlite(table, columns, rows, convert=False, sql=_prepared_sql(table, columns))
        else:
            self.write(table, columns, rows)

    def _sqlite(self, table, columns, rows, convert=True, sql=None):
        convert = _sqlite_converter(table, columns) if convert else None
        if sql is None:
            quoted = ", ".join(f'"{c}"' for c in columns)
            sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
        cur = self.conn.connection.driver_connection.cursor()
        try:
            for i in range(0, len(rows), CHUNK):
                part = rows[i:i + CHUNK]
                cur.executemany(sql, convert(part) if convert else part)
        finally:
            cur.close()

    def _copy(self, table, columns, rows):
        from psycopg import sql

        stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(stmt) as copy:
            copy.set_types([_pg_type(table.c[c].type) for c in columns])
            for r in rows:
                copy.write_row(r)

    @contextmanager
    def bulk(self, *tables: sa.Table):
        """Build the secondary indexes (and on PostgreSQL the foreign keys and unique constraints)
        of these tables once after the load instead of row by row. All inside the transaction."""
        insp = sa.inspect(self.conn)
        dropped_ix, dropped_cons = [], []
        if self.dialect == "sqlite":
            # 256 MB page cache and two sorter threads: the index builds of 15 M events sort on disk
            self.conn.exec_driver_sql("PRAGMA cache_size=-262144")
            self.conn.exec_driver_sql("PRAGMA threads=2")
        for table in tables:
            if self.dialect == "postgresql":
                existing = {c["name"] for c in insp.get_unique_constraints(table.name)}
                existing |= {c["name"] for c in insp.get_foreign_keys(table.name)}
                for cons in sorted(table.constraints, key=lambda c: str(c.name)):
                    if isinstance(cons, (sa.ForeignKeyConstraint, sa.UniqueConstraint)) and cons.name in existing:
                        self.conn.execute(sa.schema.DropConstraint(cons))
                        dropped_cons.append(cons)
            for ix in sorted(table.indexes, key=lambda i: i.name or ""):
                if not ix.unique and insp.has_index(table.name, ix.name):
                    ix.drop(self.conn)
                    dropped_ix.append(ix)
        yield
        for cons in dropped_cons:
            self.conn.execute(sa.schema.AddConstraint(cons))
        for ix in dropped_ix:
            ix.create(self.conn)
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA cache_size=-2000")

    def clear(self, tables: list[sa.Table], metadata: sa.MetaData) -> None:
        """Empty these tables and every table that references them (their rows would dangle)."""
        doomed = list(tables)
        changed = True
        while changed:
            changed = False
            for t in metadata.sorted_tables:
                if t not in doomed and any(fk.column.table in doomed for fk in t.foreign_keys):
                    doomed.append(t)
                    changed = True
        if self.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in doomed)
            self.conn.exec_driver_sql(f"TRUNCATE {names}")
            return
        order = [t for t in reversed(metadata.sorted_tables) if t in doomed]
        for t in order:
            self.conn.execute(t.delete())

    def analyze(self, *tables: sa.Table) -> None:
        """Fresh planner statistics for the loaded tables (sampled, so it stays quick)."""
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            for t in tables:
                self.conn.exec_driver_sql(f'ANALYZE "{t.name}"')
        elif self.dialect == "postgresql":
            for t in tables:
                self.conn.exec_driver_sql(f'ANALYZE "{t.name}"')
