"""Batched, idempotent writes of prepared rows: insert the new, update the changed, count the same.

Plain dicts, executemany in chunks; updates go through queries.sql.upsert so both engines share
one code path. Every function runs inside the caller's transaction.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.ingest.spec import TICKET_EVENT_COLUMNS
from queries.schema import manual_items, reports, shifts, staff, ticket_events, tickets
from queries.sql import upsert

CHUNK = 5000
LOOKUP_CHUNK = 900


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


# Same text as SQLAlchemy's SQLite DateTime/Date types write, so stored values compare exactly.
_SQLITE_TEXT = {
    "DateTime": lambda v: v.isoformat(" ", "microseconds"),
    "Date": lambda v: v.isoformat() if not isinstance(v, datetime) else v.date().isoformat(),
}


class Counts:
    def __init__(self):
        self.inserted = self.updated = self.unchanged = 0
        self.ticket_nos: set[str] = set()   # tickets whose facts must be re-derived
        # Tickets new to the database with every event they have (those derived from their own
        # columns): their facts can be derived from memory instead of being read back.
        self.fresh_tickets: list[dict] = []
        self.fresh_events: dict[str, list[dict]] = {}


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


def write_tickets(conn: Connection, rows: list[dict], event_times: dict[str, list], counts: Counts) -> None:
    """rows: tickets columns; event_times: key of TICKET_EVENT_COLUMNS → list aligned with rows."""
    nos = [r["ticket_no"] for r in rows]
    existing = existing_by_key(conn, tickets, "ticket_no", nos, list(rows[0]) if rows else [])
    written_rows = upsert_counted(conn, tickets, rows, ["ticket_no"], counts, existing)
    written = {r["ticket_no"] for r in written_rows}
    counts.fresh_tickets = [r for r in written_rows if r["ticket_no"] not in existing]

    # SIGN/DISPATCH/CONTACT/CLOSE from the ticket's own columns, unless its events hold that action.
    new_events = []
    if event_times:
        codes = [TICKET_EVENT_COLUMNS[k] for k in event_times]
        have = set()
        for part in chunks(sorted(set(nos)), LOOKUP_CHUNK):
            have.update(conn.execute(
                sa.select(ticket_events.c.ticket_no, ticket_events.c.action).distinct()
                .where(ticket_events.c.ticket_no.in_(part), ticket_events.c.action.in_(codes))).tuples())
        for key, times in event_times.items():
            code = TICKET_EVENT_COLUMNS[key]
            for no, at in zip(nos, times):
                if at is not None and (no, code) not in have:
                    have.add((no, code))
                    new_events.append({"ticket_no": no, "at": at, "action": code,
                                       "staff_no": "", "unit": "", "detail": ""})
        bulk_insert(conn, ticket_events, new_events)
    event_tickets = {e["ticket_no"] for e in new_events}
    for e in new_events:
        counts.fresh_events.setdefault(e["ticket_no"], []).append(e)
    # A row whose only change is a new derived event counts as updated, not unchanged.
    moved = event_tickets - written
    counts.unchanged -= len(moved)
    counts.updated += len(moved)
    counts.ticket_nos |= written | event_tickets


def write_events(conn: Connection, rows: list[dict], counts: Counts) -> None:
    fields = ("ticket_no", "at", "action", "staff_no", "unit", "detail")
    have = set()
    for part in chunks(sorted({r["ticket_no"] for r in rows}), LOOKUP_CHUNK):
        have.update(conn.execute(sa.select(*[ticket_events.c[f] for f in fields])
                                 .where(ticket_events.c.ticket_no.in_(part))).tuples())
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
