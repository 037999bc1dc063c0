"""Batched, idempotent writes of prepared rows: insert the new, update the changed, count the same.

Plain dicts, executemany in chunks; updates go through queries.sql.upsert so both engines share
one code path. Every function runs inside the caller's transaction.

Tickets (the large files) are written from columns instead: timestamps stay datetime64 arrays
until they are put in storage form for the engine (on SQLite the text SQLAlchemy writes, built
column-wise), look-ups of stored keys are plain driver SQL on SQLite, and inserts are the
driver's executemany of tuples. On SQLite the new tickets and the events from their columns
are staged in a temporary table and moved by INSERT … SELECT in a background thread while the
caller derives the facts (write_tickets).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from dashboard.services.ingest.spec import TICKET_EVENT_COLUMNS
from queries.schema import manual_items, reports, shifts, staff, ticket_events, tickets
from queries.sql import upsert

CHUNK = 5000
LOOKUP_CHUNK = 900
_DAY_US = 86_400_000_000


@contextmanager
def generic_plans(conn: Connection):
    """PostgreSQL: inside the block the server may keep one plan for a statement run again and
    again (the app's sessions plan every run for its own values, dashboard.infra.db): a write runs
    the same few statements for thousands of keys, and planning each made imports and the feed
    60 % slower. The range aggregates after it (rollups, settled counts) plan for their values
    again. Only within the caller's transaction; a failure ends the transaction, and the setting
    with it."""
    if conn.dialect.name != "postgresql":
        yield
        return
    info = conn.connection.info      # the session's own setting, read once per connection
    if "plan_cache_mode" not in info:
        info["plan_cache_mode"] = conn.exec_driver_sql("SHOW plan_cache_mode").scalar()
    before = info["plan_cache_mode"]
    conn.execute(sa.select(sa.func.set_config("plan_cache_mode", "auto", True)))
    yield
    conn.execute(sa.select(sa.func.set_config("plan_cache_mode", before, True)))


@contextmanager
def bulk_session(conn: Connection):
    """A large SQLite page cache for the length of one import: with the default 2 MB the index
    pages of a 20-million-event table are evicted and re-written to the WAL many times within
    one transaction (about half the insert time). Restored afterwards, so a pooled connection
    of the app does not keep the memory."""
    if conn.dialect.name != "sqlite":
        yield
        return
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-262144")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(old)}")


@contextmanager
def indexes_built_after(conn: Connection, tables: Sequence[str], *, rows_coming: int, compared_with: str):
    """SQLite bulk load: when a file brings more rows than `compared_with` holds (a first load, a
    year of history into a young database), the tables' non-unique indexes are dropped for the
    writes and built again from their stored definitions at the end of the block: one sort per
    index instead of a B-tree insertion per row and index. Inside the caller's transaction, so a
    failed import rolls the indexes back with everything else; readers see the old snapshot
    until the commit. Unique indexes stay (they deduplicate the writes). Daily files into a
    large table take the ordinary path."""
    if conn.dialect.name != "sqlite" or rows_coming <= 0:
        yield
        return
    # at least as many rows held as coming: the rows_coming-th row exists (no count of 3 M rows)
    if conn.exec_driver_sql(f'SELECT 1 FROM "{compared_with}" LIMIT 1 OFFSET ?', (rows_coming - 1,)).first():
        yield
        return
    if not conn.connection.driver_connection.in_transaction:
        # the driver opens its transaction at the first INSERT/UPDATE/DELETE only: DDL before
        # that would commit by itself and survive a failed import
        conn.exec_driver_sql("BEGIN")
    marks = ", ".join("?" * len(tables))
    dropped = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
        f"AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'", tuple(tables)).all()
    # DROP INDEX deletes the index's planner statistics: kept here and put back with the index
    stats = _index_stats(conn, [name for name, _sql in dropped])
    for name, _sql in dropped:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    threads = conn.exec_driver_sql("PRAGMA threads").scalar()
    conn.exec_driver_sql("PRAGMA threads=2")      # the sorter may use a second core
    try:
        for _name, sql in dropped:
            conn.exec_driver_sql(sql)
    finally:
        conn.exec_driver_sql(f"PRAGMA threads={int(threads or 0)}")
    if stats:
        conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stats)


def _index_stats(conn: Connection, names: list[str]) -> list[tuple]:
    """The sqlite_stat1 rows of these indexes (none when the database was never analysed)."""
    if not names or not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        return []
    marks = ", ".join("?" * len(names))
    return [tuple(r) for r in conn.exec_driver_sql(
        f"SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx IN ({marks})", tuple(names)).all()]


_checkpointing = threading.Lock()


@contextmanager
def checkpoint_after(conn: Connection):
    """SQLite: the import's commit does not copy the write-ahead log into the database file (an
    automatic checkpoint: 3 s of a 200,000-ticket import, run before the import could report);
    a background thread does it right after, on its own connection. The data is committed and
    visible either way — readers read the log until then. Wrap the connection outside its
    transaction."""
    raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    path = conn.engine.url.database
    if raw is None or not path or path == ":memory:":
        yield
        return
    raw.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        try:
            raw.execute("PRAGMA wal_autocheckpoint=1000")
        except Exception:  # noqa: BLE001 - a broken connection must not hide the import's own error
            conn.invalidate()
        threading.Thread(target=_checkpoint, args=(path,), name="wal-checkpoint", daemon=True).start()


def _checkpoint(path: str) -> None:
    import logging
    import sqlite3

    _checkpointing.acquire()     # one at a time; the next one copies what the last did not
    try:
        with sqlite3.connect(path, timeout=30) as db:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        db.close()
    except sqlite3.Error:
        logging.getLogger(__name__).warning("background WAL checkpoint failed", exc_info=True)
    finally:
        _checkpointing.release()


def chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def bulk_insert(conn: Connection, table, rows: list[dict]) -> None:
    """executemany of plain rows. On SQLite the values are put in SQLAlchemy's storage format here
    and handed to the driver directly: SQLAlchemy's per-value bind processing costs more than the
    insert itself at 200,000 rows. Other engines take the ordinary path."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for part in chunks(rows, CHUNK):
            conn.execute(table.insert(), part)
        return
    cols = list(rows[0])
    sql = f'INSERT INTO {table.name} ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
    convert = {c: _SQLITE_TEXT.get(type(table.c[c].type).__name__) for c in cols}
    for part in chunks(rows, CHUNK):
        columns = []
        for c in cols:
            vals = [r[c] for r in part]
            f = convert[c]
            columns.append([None if v is None else f(v) for v in vals] if f else vals)
        conn.exec_driver_sql(sql, list(zip(*columns)))


def ts_text(values: np.ndarray, *, date: bool = False) -> list | None:
    """datetime64 values → the text SQLAlchemy stores on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff',
    'YYYY-MM-DD' for date columns), None for NaT. Built column-wise, two digits at a time, as one
    ASCII character matrix viewed as strings: about a quarter of the time of a datetime object
    and its isoformat per value. None when a year is outside 1–9999 (the per-value path reports
    those as it always did)."""
    a = np.asarray(values).astype("datetime64[us]")
    n = len(a)
    nat = np.isnat(a)
    if nat.all():
        return [None] * n
    v = np.where(nat, 0, a.view("i8"))
    days = v // _DAY_US                                   # floor: also right before 1970
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    months = m.view("i8")
    years = months // 12 + 1970
    if n and (years.min() < 1 or years.max() > 9999):
        return None
    width = 10 if date else 26
    b = np.empty((width, n), dtype=np.uint8)             # one row per character position
    b[:] = _TEXT_TEMPLATE[:width, None]

    def pair(row: int, x: np.ndarray) -> None:
        b[row:row + 2] = _PAIRS[:, x]

    years = years.astype(np.int32)
    pair(0, years // 100)
    pair(2, years % 100)
    pair(5, (months - (months // 12) * 12 + 1).astype(np.int32))
    pair(8, ((d - m.astype("datetime64[D]")).view("i8") + 1).astype(np.int32))
    if not date:
        tod = v - days * _DAY_US
        secs = (tod // 1_000_000).astype(np.int32)
        us = (tod - (tod // 1_000_000) * 1_000_000).astype(np.int32)
        hours, minutes = secs // 3600, secs // 60
        pair(11, hours)
        pair(14, minutes - hours * 60)
        pair(17, secs - minutes * 60)
        hundreds = us // 100
        pair(24, us - hundreds * 100)
        pair(22, hundreds % 100)
        pair(20, hundreds // 100)
    chars = np.ascontiguousarray(b.T).astype(np.uint32)   # UCS-4, one row per value
    out = chars.view(np.dtype(f"U{width}")).ravel().tolist()
    for i in np.flatnonzero(nat).tolist():
        out[i] = None
    return out


_TEXT_TEMPLATE = np.frombuffer(b"0000-00-00 00:00:00.000000", dtype=np.uint8)
_PAIRS = np.array([[48 + i // 10 for i in range(100)], [48 + i % 10 for i in range(100)]], dtype=np.uint8)


class Stored(list):
    """A column already in the engine's storage form (stored_values returns it as it is)."""


def stored_values(conn: Connection, column: sa.Column, values: Sequence, memo: dict | None = None) -> list:
    """One column of values in the form the engine's driver takes: on SQLite the text that
    SQLAlchemy's DateTime/Date types write (so stored values compare exactly), elsewhere Python
    objects. `values`: a datetime64 array, a list of Python values or a Stored list. `memo`
    keeps the converted arrays of one import: a timestamp column written to several tables
    (received_at, the event times) is converted once."""
    if isinstance(values, Stored):
        return values
    kind = type(column.type).__name__
    is_date = kind == "Date"
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        key = (id(values), is_date)
        if memo is not None and key in memo and memo[key][0] is values:
            return memo[key][1]
        out = None
        if conn.dialect.name == "sqlite":
            out = ts_text(values, date=is_date)
        if out is None:
            out = stored_values(conn, column, _time_array(column, values)
                                .astype(object).tolist())
        if memo is not None:
            memo[key] = (values, out)
        return out
    if not isinstance(values, list):
        values = list(values)
    if conn.dialect.name == "sqlite":
        f = _SQLITE_TEXT.get(kind)
        if f:
            return [None if v is None else f(v) for v in values]
        if kind == "Boolean":
            # 1/0, as SQLAlchemy binds them: the driver adapts a bool per value (an attribute
            # look-up that fails), several times the cost of the integer
            return list(map(int, values)) if None not in values else [None if v is None else int(v) for v in values]
    return values


class Insert:
    """An INSERT of rows given as columns, with its parameters already in the driver's form: on
    SQLite the driver's executemany of tuples (sql), on PostgreSQL through psycopg one COPY of the
    rows (names: their columns; a plain INSERT with the same defaults, constraints and triggers,
    several times faster than an executemany of parameter sets), elsewhere SQLAlchemy's.

    On PostgreSQL the columns (copy_columns) become the COPY's text in CSV form in Arrow, column
    by column, instead of psycopg formatting value by value (a fifth of a catch-up's time); columns
    Arrow cannot write as psycopg would (a time with a zone, a value of another type) go value by
    value as before."""

    def __init__(self, table, sql: str | None, rows: list | None, names: list[str] | None = None,
                 copy_columns: list | None = None):
        self.table, self.sql, self._rows, self.names = table, sql, rows, names
        self.copy_columns = copy_columns
        self.count = len(rows) if rows is not None else len(copy_columns[0]) if copy_columns else 0

    @property
    def rows(self) -> list:
        if self._rows is None:
            self._rows = list(zip(*(_py(v) for v in self.copy_columns or [])))
        return self._rows

    def run(self, conn: Connection) -> int:
        if not self.count:
            return 0
        if self.sql is not None:
            for part in chunks(self.rows, CHUNK):
                conn.exec_driver_sql(self.sql, part)
        elif _copies(conn):
            self._copy(conn)
        else:
            for part in chunks(self.rows, CHUNK):
                conn.execute(self.table.insert(), [dict(zip(self.names, r)) for r in part])
        return self.count

    def _copy(self, conn: Connection) -> None:
        preparer = conn.dialect.identifier_preparer
        head = (f"COPY {preparer.format_table(self.table)} "
                f"({', '.join(preparer.quote(n) for n in self.names)}) FROM STDIN")
        text = _csv_text(self.table, self.copy_columns, self.names) if self.copy_columns is not None else None
        with conn.connection.driver_connection.cursor() as cursor:
            if text is not None:
                # Arrow writes UTF-8 whatever the connection's client encoding
                with cursor.copy(f"{head} (FORMAT csv, ENCODING 'UTF8')") as copy:
                    copy.write(text)
                return
            with cursor.copy(head) as copy:
                for row in self.rows:
                    copy.write_row(row)


def _csv_text(table, columns: list, names: list[str]):
    """The rows as COPY's CSV (no header): every text value quoted, so '' stays an empty text and
    an unquoted empty field is NULL; times as 'YYYY-MM-DD HH:MM:SS.ffffff', booleans true/false.
    Each column in the Arrow type of its table column (never guessed from the values). None when a
    column cannot be written this way as psycopg would write it value by value: a type without an
    Arrow form here (floats, decimals…), a value of another type, a time with a zone."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    arrays = []
    try:
        for name, values in zip(names, columns):
            kind = _ARROW_TYPES.get(type(table.c[name].type).__name__)
            if kind is None:
                return None
            if kind == "timestamp" and not isinstance(values, np.ndarray) and any(
                    getattr(v, "tzinfo", None) is not None or hasattr(v, "nanosecond") for v in values):
                return None       # a zone, or nanoseconds: psycopg's form and PostgreSQL decide
            arrays.append(pa.array(values, type=_arrow_type(pa, kind)))
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(pa.table(arrays, names=[f"c{i}" for i in range(len(names))]), sink,
                     write_options=pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue()


# SQLAlchemy column types → the Arrow type their values are written in (_csv_text)
_ARROW_TYPES = {"String": "text", "Text": "text", "Integer": "int", "BigInteger": "int", "SmallInteger": "int",
                "Boolean": "bool", "DateTime": "timestamp", "Date": "date"}


def _arrow_type(pa, kind: str):
    return {"text": pa.large_string(), "int": pa.int64(), "bool": pa.bool_(), "timestamp": pa.timestamp("us"),
            "date": pa.date32()}[kind]


def _copies(conn: Connection) -> bool:
    """New rows go in by COPY: PostgreSQL through psycopg."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def prepare_insert(conn: Connection, table, cols: dict[str, Sequence], memo: dict | None = None) -> Insert:
    """The INSERT of rows given as columns (equal lengths; timestamps may be datetime64 arrays),
    ready to run (Insert). Needs the connection's dialect only, not the connection itself."""
    names = list(cols)
    n = len(cols[names[0]]) if names else 0
    if not n:
        return Insert(table, None, [])
    if _copies(conn):
        # times stay arrays: Arrow writes them as they are (Insert._copy)
        values = [_time_array(table.c[c], cols[c]) if _is_times(cols[c]) else stored_values(conn, table.c[c], cols[c], memo)
                  for c in names]
    else:
        values = [stored_values(conn, table.c[c], cols[c], memo) for c in names]
    if conn.dialect.name == "sqlite":
        # A column with one value throughout that is NULL, an integer or '' (facts of new
        # tickets have a dozen) is written as that literal, not bound once per row.
        marks = [_literal(v) or "?" for v in values]
        bound = [v for v, mark in zip(values, marks) if mark == "?"]
        sql = f'INSERT INTO {table.name} ({", ".join(names)}) VALUES ({", ".join(marks)})'
        return Insert(table, sql, list(zip(*bound)) if bound else [()] * n)
    if _copies(conn):
        # what SQLAlchemy does to each value before binding it (booleans from 1/0), column-wise;
        # a column of booleans already is one
        for i, c in enumerate(names):
            process = table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            if process is not None and not (isinstance(values[i], np.ndarray) or _all_bool(values[i])):
                values[i] = list(map(process, values[i]))
        return Insert(table, None, None, names, copy_columns=values)
    return Insert(table, None, list(zip(*values)), names)


def _is_times(values) -> bool:
    return isinstance(values, np.ndarray) and values.dtype.kind == "M"


def _time_array(column: sa.Column, values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]" if type(column.type).__name__ == "Date" else "datetime64[us]")


def _all_bool(values: list) -> bool:
    return all(type(v) is bool or v is None for v in values)


def insert_columns(conn: Connection, table, cols: dict[str, Sequence], memo: dict | None = None) -> int:
    """Insert rows given as columns; returns how many (prepare_insert, then run)."""
    return prepare_insert(conn, table, cols, memo).run(conn)


class _Background:
    """SQL statements run in order on the connection's driver connection in a thread: SQLite
    releases the GIL while a statement runs, so the caller's Python work overlaps them. The
    caller must not use the connection before join(), which re-raises a statement's error."""

    def __init__(self, conn: Connection, statements: list[tuple[str, tuple]]):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(conn.connection.dbapi_connection, statements),
                                       name="import-insert", daemon=True)
        self.thread.start()

    def _run(self, dbapi_connection, statements) -> None:
        try:
            cursor = dbapi_connection.cursor()
            try:
                for sql, params in statements:
                    cursor.execute(sql, params)
            finally:
                cursor.close()
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread by join()
            self.error = e

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def _literal(values: list) -> str | None:
    """SQL text of the single value of a column when it is NULL, an integer or '' throughout."""
    first = values[0]
    if first is None:
        text = "NULL"
    elif type(first) is str and first == "":
        text = "''"
    elif type(first) is int:
        text = str(first)
    else:
        return None
    try:
        if values.count(first) != len(values):
            return None
    except TypeError:            # a value that cannot be compared (pandas NA): bind them all
        return None
    if first is not None and set(map(type, values)) != {type(first)}:
        return None
    return text


def rows_by_keys(conn: Connection, table, key: str, keys, columns: list[str],
                 also: tuple[str, list] | None = None) -> list[tuple]:
    """`columns` of the rows whose `key` is one of `keys` (and, with also=(column, values), whose
    column is one of those values), typed as SQLAlchemy returns them. On SQLite plain driver SQL
    with the key values bound (compiling SQLAlchemy IN lists of 100,000s of keys costs more
    than the look-up), with the columns' own result conversion; on PostgreSQL the keys as one
    array parameter (= ANY)."""
    keys = sorted(set(keys))
    if not keys:
        return []
    out: list[tuple] = []
    if conn.dialect.name == "postgresql":
        cond = [table.c[key] == sa.any_(sa.bindparam("keys", keys, type_=postgresql.ARRAY(table.c[key].type)))]
        if also:
            cond.append(table.c[also[0]].in_(also[1]))
        return list(conn.execute(sa.select(*[table.c[c] for c in columns]).where(*cond)).tuples())
    if conn.dialect.name != "sqlite":
        cols = [table.c[c] for c in columns]
        for part in chunks(keys, LOOKUP_CHUNK):
            cond = [table.c[key].in_(part)]
            if also:
                cond.append(table.c[also[0]].in_(also[1]))
            out.extend(conn.execute(sa.select(*cols).where(*cond)).tuples())
        return out
    dialect = conn.dialect
    procs = [table.c[c].type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
    extra, extra_params = "", ()
    if also:
        # "+column": a filter on the rows the key finds, never the index to search by (without
        # statistics SQLite took the action index of ticket_events: every SIGN/CLOSE of the
        # table per chunk of keys)
        extra = f' AND +{also[0]} IN ({", ".join("?" * len(also[1]))})'
        extra_params = tuple(also[1])
    head = f'SELECT {", ".join(columns)} FROM {table.name} WHERE {key} IN '
    for part in chunks(keys, LOOKUP_CHUNK):
        sql = f'{head}({", ".join("?" * len(part))}){extra}'
        rows = conn.exec_driver_sql(sql, (*part, *extra_params)).fetchall()
        if any(procs):
            rows = [tuple(p(v) if p else v for p, v in zip(procs, r)) for r in rows]
        out.extend(tuple(r) for r in rows)
    return out


# Same text as SQLAlchemy's SQLite DateTime/Date types write, so stored values compare exactly.
_SQLITE_TEXT = {
    "DateTime": lambda v: v.isoformat(" ", "microseconds"),
    "Date": lambda v: v.isoformat() if not isinstance(v, datetime) else v.date().isoformat(),
}


class Counts:
    def __init__(self):
        self.inserted = self.updated = self.unchanged = 0
        self.ticket_nos: set[str] = set()   # tickets whose facts must be re-derived
        # Tickets new to the database, as columns (ticket columns of the file; timestamps
        # datetime64), with the events written for them from their own columns (action →
        # datetime64, NaT where none): all the events they have, so their facts are derived
        # from memory instead of being read back (dashboard.services.facts.new_ticket_columns).
        self.fresh_columns: dict[str, Sequence] = {}
        self.fresh_times: dict[str, np.ndarray] = {}
        self.memo: dict = {}                # stored_values of the import's timestamp arrays
        self.fresh_inserts: list | None = None   # their facts and clocks, prepared (Insert)


def existing_by_key(conn: Connection, table, key: str, keys: list, columns: list[str]) -> dict:
    """key value → {column: value} of rows already stored."""
    found = {}
    cols = [table.c[c] for c in dict.fromkeys([key, *columns])]
    for part in chunks(sorted(set(keys)), LOOKUP_CHUNK):
        for r in conn.execute(sa.select(*cols).where(table.c[key].in_(part))).mappings():
            found[r[key]] = dict(r)
    return found


def _same(old: dict, new: dict) -> bool:
    return all(old.get(k) == v for k, v in new.items())


def upsert_counted(conn: Connection, table, rows: list[dict], key: list[str], counts: Counts,
                   existing: dict) -> list[dict]:
    """Insert new rows, update changed ones; returns the rows written."""
    fresh, changed = [], []
    for row in rows:
        old = existing.get(tuple(row[k] for k in key) if len(key) > 1 else row[key[0]])
        if old is None:
            fresh.append(row)
        elif _same(old, row):
            counts.unchanged += 1
        else:
            changed.append(row)
    bulk_insert(conn, table, fresh)
    for part in chunks(changed, CHUNK):
        upsert(conn, table, part, key)
    counts.inserted += len(fresh)
    counts.updated += len(changed)
    return fresh + changed


def _take(values: Sequence, idx: np.ndarray) -> Sequence:
    if isinstance(values, np.ndarray):
        return values[idx]
    return [values[i] for i in idx.tolist()]


def _py(values: Sequence) -> list:
    """Python values of a column (datetime64 → datetime, a column of days → date, NaT → None)."""
    if isinstance(values, np.ndarray):
        if values.dtype == np.dtype("datetime64[D]"):
            return values.astype(object).tolist()
        return values.astype("datetime64[us]").astype(object).tolist()
    return list(values)


def write_tickets(conn: Connection, cols: dict[str, Sequence], event_times: dict[str, np.ndarray],
                  counts: Counts, *, stored: set | None = None,
                  while_writing: Callable[[Counts], None] | None = None) -> None:
    """cols: tickets columns, aligned (timestamps as datetime64[us] arrays, the rest lists);
    event_times: key of TICKET_EVENT_COLUMNS → datetime64[us] array aligned with cols;
    stored: those of the ticket numbers already in the database, when the caller knows them;
    while_writing(counts): Python work on what was written (counts.fresh_*), called while the
    events are inserted — it must not use the connection."""
    nos = list(cols["ticket_no"])
    n = len(nos)
    names = list(cols)
    if stored is None:
        stored = {no for (no,) in rows_by_keys(conn, tickets, "ticket_no", nos, ["ticket_no"])}
    # only stored tickets can have a row to compare or events (foreign keys)
    found = rows_by_keys(conn, tickets, "ticket_no", stored, names) if stored else []
    fresh = np.ones(n, dtype=bool)
    changed_rows: list[dict] = []
    if found:
        existing = {r[names.index("ticket_no")]: dict(zip(names, r)) for r in found}
        old_idx = np.array([i for i, no in enumerate(nos) if no in existing], dtype=np.int64)
        fresh[old_idx] = False
        new_rows = [dict(zip(names, r)) for r in zip(*(_py(_take(cols[c], old_idx)) for c in names))]
        for row in new_rows:
            if _same(existing[row["ticket_no"]], row):
                counts.unchanged += 1
            else:
                changed_rows.append(row)
    fresh_idx = np.flatnonzero(fresh)
    all_fresh = len(fresh_idx) == n
    fresh_cols = cols if all_fresh else {c: _take(v, fresh_idx) for c, v in cols.items()}
    counts.inserted += len(fresh_idx)
    counts.updated += len(changed_rows)
    written = (set(fresh_cols["ticket_no"]) if len(fresh_idx) else set()) | {r["ticket_no"] for r in changed_rows}

    # SIGN/DISPATCH/CONTACT/CLOSE from the ticket's own columns, unless its events hold that action;
    # per column in file order (the ids the events had when written row by row).
    takes: dict[str, np.ndarray] = {}       # action → rows that get that event
    have: set = set()
    if event_times:
        codes = [TICKET_EVENT_COLUMNS[k] for k in event_times]
        if stored:
            have = set(rows_by_keys(conn, ticket_events, "ticket_no", stored, ["ticket_no", "action"],
                                    also=("action", codes)))
        for key, times in event_times.items():
            code = TICKET_EVENT_COLUMNS[key]
            take = ~np.isnat(times)
            if have:
                take &= np.array([(no, code) not in have for no in nos], dtype=bool)
            takes[code] = take
    # the times of the events written; the same array when none was held back (converted once)
    times_written = {TICKET_EVENT_COLUMNS[k]: times if not have else
                     np.where(takes[TICKET_EVENT_COLUMNS[k]], times, np.datetime64("NaT", "us"))
                     for k, times in event_times.items()}
    if len(fresh_idx):
        counts.fresh_columns = fresh_cols
        counts.fresh_times = {code: t if all_fresh else t[fresh_idx] for code, t in times_written.items()}
    any_event = np.zeros(n, dtype=bool)
    for take in takes.values():
        any_event |= take
    event_tickets = {nos[i] for i in np.flatnonzero(any_event).tolist()}

    for part in chunks(changed_rows, CHUNK):
        upsert(conn, tickets, part, ["ticket_no"])
    pending = None
    if conn.dialect.name == "sqlite":
        pending = _stage_tickets(conn, cols, fresh, any_event, times_written, counts.memo)
    else:
        insert_columns(conn, tickets, fresh_cols, counts.memo)
        _insert_events(conn, nos, times_written, takes, counts.memo)
    try:
        if while_writing is not None:
            while_writing(counts)
    finally:
        if pending is not None:
            pending.join()
            conn.exec_driver_sql(f"DROP TABLE temp.{_STAGE}")
    # A row whose only change is a new derived event counts as updated, not unchanged.
    moved = event_tickets - written
    counts.unchanged -= len(moved)
    counts.updated += len(moved)
    counts.ticket_nos |= written | event_tickets


_STAGE = "import_stage_tickets"


def _insert_events(conn: Connection, nos: list[str], times: dict[str, np.ndarray], takes: dict[str, np.ndarray],
                   memo: dict) -> None:
    """Events taken from tickets' columns (empty staff, unit and detail), action by action."""
    ev_nos: list[str] = []
    ev_at = Stored()
    ev_action: list[str] = []
    for code, t in times.items():
        at = stored_values(conn, ticket_events.c.at, t, memo)
        idx = np.flatnonzero(takes[code]).tolist()
        ev_nos.extend([nos[i] for i in idx])
        ev_at.extend([at[i] for i in idx])
        ev_action.extend([code] * len(idx))
    m = len(ev_nos)
    insert_columns(conn, ticket_events, {"ticket_no": ev_nos, "at": ev_at, "action": ev_action,
                                         "staff_no": [""] * m, "unit": [""] * m, "detail": [""] * m})


def _stage_tickets(conn: Connection, cols: dict[str, Sequence], fresh: np.ndarray, any_event: np.ndarray,
                   times: dict[str, np.ndarray], memo: dict) -> _Background | None:
    """SQLite: the rows that add a ticket or an event go to a temporary table (one executemany,
    no indexes), then INSERT … SELECTs in their order move the new tickets into tickets and each
    action's events into ticket_events (the same ids as row by row) — in a background thread,
    while the caller prepares the facts: the index work is most of an import and SQLite runs
    it without the GIL. Returns the running statements (join them before using the connection)."""
    need = fresh | any_event
    if not need.any():
        return None
    sel = None if need.all() else np.flatnonzero(need)

    def pick(values):
        return values if sel is None else _take(values, sel)

    names = list(cols)
    ev_names = {code: f"ev_{i}" for i, code in enumerate(times)}
    stage = sa.table(_STAGE, *[sa.column(c, tickets.c[c].type) for c in names],
                     *[sa.column(c, sa.DateTime()) for c in ev_names.values()], sa.column("is_new", sa.Integer()))
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_STAGE} ({', '.join([*names, *ev_names.values(), 'is_new'])})")
    staged = {c: pick(cols[c]) for c in names}
    staged.update({ev_names[code]: pick(t) for code, t in times.items()})
    staged["is_new"] = pick(fresh.astype(np.int64).tolist())
    insert_columns(conn, stage, staged, memo)
    statements = []
    if fresh.any():
        statements.append((f"INSERT INTO tickets ({', '.join(names)}) SELECT {', '.join(names)} "
                           f"FROM temp.{_STAGE} WHERE is_new = 1 ORDER BY rowid", ()))
    for code, column in ev_names.items():
        statements.append((f"INSERT INTO ticket_events (ticket_no, at, action, staff_no, unit, detail) "
                           f"SELECT ticket_no, {column}, ?, '', '', '' FROM temp.{_STAGE} "
                           f"WHERE {column} IS NOT NULL ORDER BY rowid", (code,)))
    return _Background(conn, statements)


def write_events(conn: Connection, rows: list[dict], counts: Counts) -> None:
    fields = ("ticket_no", "at", "action", "staff_no", "unit", "detail")
    have = set(rows_by_keys(conn, ticket_events, "ticket_no", [r["ticket_no"] for r in rows], list(fields)))
    fresh = []
    for r in rows:
        t = tuple(r[f] for f in fields)
        if t in have:
            counts.unchanged += 1
        else:
            have.add(t)
            fresh.append(r)
    bulk_insert(conn, ticket_events, fresh)
    counts.inserted += len(fresh)
    counts.ticket_nos |= {r["ticket_no"] for r in fresh}


def write_staff(conn: Connection, rows: list[dict], counts: Counts) -> None:
    existing = existing_by_key(conn, staff, "staff_no", [r["staff_no"] for r in rows], list(rows[0]))
    upsert_counted(conn, staff, rows, ["staff_no"], counts, existing)


def write_shifts(conn: Connection, rows: list[dict], counts: Counts) -> None:
    key = ["staff_no", "day", "shift"]
    existing = {}
    days = [r["day"] for r in rows]
    for part in chunks(sorted({r["staff_no"] for r in rows}), LOOKUP_CHUNK):
        stmt = sa.select(shifts).where(shifts.c.staff_no.in_(part), shifts.c.day.between(min(days), max(days)))
        for r in conn.execute(stmt).mappings():
            existing[(r["staff_no"], r["day"], r["shift"])] = dict(r)
    upsert_counted(conn, shifts, rows, key, counts, existing)


def write_reports(conn: Connection, rows: list[dict], counts: Counts) -> None:
    existing = existing_by_key(conn, reports, "report_no", [r["report_no"] for r in rows], list(rows[0]))
    upsert_counted(conn, reports, rows, ["report_no"], counts, existing)


def write_manual(conn: Connection, rows: list[dict], counts: Counts) -> None:
    fields = ("month", "item_type", "points", "reason", "entered_by")
    have = set(conn.execute(sa.select(*[manual_items.c[f] for f in fields])
                            .where(manual_items.c.month.in_(sorted({r["month"] for r in rows})))).tuples())
    now = datetime.now().replace(microsecond=0)
    fresh = []
    for r in rows:
        t = tuple(r[f] for f in fields)
        if t in have:
            counts.unchanged += 1
        else:
            have.add(t)
            fresh.append({**r, "entered_at": now})
    if fresh:
        conn.execute(manual_items.insert(), fresh)
    counts.inserted += len(fresh)
