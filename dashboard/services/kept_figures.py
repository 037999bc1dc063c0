"""Figures of a finished stretch of time, counted once and kept in the database for every page and
app instance (table kept_figures; the breach forecast's hourly history keeps its own table through
the same `read_or_count`).

A kept figure is named and dated: `as_of` is the moment the figure stands for — where its data
ends (the start of the day for the day's intake forecast, the 28 days' handling minutes and the
stand-up's repeats of the week before) or the hour it was counted in (the 突增's finished weeks,
whose name carries their range). The first page that needs it counts it on its own connection and keeps it in a short
write through the writers' engine; every later page of that day reads the kept one. Keeping is best
effort: a page that may not write, or that finds another writer's lock, shows what it counted.
Another instance that kept its count first wins, so every page shows one figure.

What is kept is the figure as counted from what the database held then: rows about earlier days
that the SQL feed brings later show from the next hour or day on. A file import (also through the
inbox) that changes rows of the days before today, a SQL feed's first good cycle after it was
behind since before 00:00, rebuilding the facts, regenerating the demo data and importing a
calendar year forget every kept figure (`forget`): the next page counts them again.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import logs
from queries.schema import kept_figures as table
from queries.sql import insert_ignore

log = logging.getLogger(__name__)
T = TypeVar("T")

KEEP = timedelta(days=2)     # older figures of a name are dropped when a new one is stored
# how long keeping a counted figure may wait for another writer's lock before it gives up (the
# page shows what it counted either way)
KEEP_WAIT_MS = 200


def read_or_count(conn: Connection, what: str, *, load: Callable[[Connection], tuple[T] | None],
                  count: Callable[[Connection], T], store: Callable[[Connection, T], None],
                  keep: Callable[[], Engine] | None) -> T:
    """The kept figure (`load` on the reader's `conn`: `(figure,)`, or None when none is kept),
    else `count` on `conn` and, through `keep` (the writers' engine), `store` it — the figure then
    kept is returned, which is another instance's when it kept its count first. A kept figure that
    cannot be read (a role not granted the table yet) is counted; the reader's transaction stays
    usable (PostgreSQL: the read runs in a savepoint)."""
    found = _load_safely(conn, load, what)
    if found is not None:
        return found[0]
    counted = count(conn)
    if keep is None:
        return counted
    try:
        with keep().connect() as writer, writer.begin(), _waiting_briefly(writer):
            if writer.dialect.name == "postgresql":
                writer.exec_driver_sql(f"SET LOCAL lock_timeout = '{KEEP_WAIT_MS}ms'")
            store(writer, counted)
            kept = load(writer)
        if kept is not None:
            return kept[0]
    except sa.exc.SQLAlchemyError as e:
        log.warning("%s not kept: %s", what, _first_line(e))
    return counted


def _load_safely(conn: Connection, load: Callable[[Connection], tuple[T] | None], what: str) -> tuple[T] | None:
    try:
        if conn.dialect.name == "postgresql":
            with conn.begin_nested():
                return load(conn)
        return load(conn)
    except sa.exc.SQLAlchemyError as e:
        log.warning("kept %s not readable: %s", what, _first_line(e))
        return None


def figure(conn: Connection, name: str, as_of: datetime, count: Callable[[Connection], T], *,
           encode: Callable[[T], Any], decode: Callable[[Any], T], keep: Callable[[], Engine] | None) -> T:
    """The figure `name` as of `as_of` from kept_figures (read_or_count); `encode` makes its JSON
    form, `decode` the figure again — a figure read back equals the one counted (None included)."""
    def load(c: Connection) -> tuple[T] | None:
        body = c.execute(sa.select(table.c.body).where(table.c.name == name, table.c.as_of == as_of)).scalar()
        return None if body is None else (decode(json.loads(body)["value"]),)

    def store(c: Connection, value: T) -> None:
        now = datetime.now().replace(microsecond=0)
        insert_ignore(c, table, [{"name": name, "as_of": as_of, "computed_at": now,
                                  "body": json.dumps({"value": encode(value)}, ensure_ascii=False)}], ["name", "as_of"])
        # every figure counted more than KEEP ago, of any name (names carry ranges that move on)
        c.execute(table.delete().where(table.c.computed_at < now - KEEP))

    return read_or_count(conn, f"{name} of {as_of:%Y-%m-%d %H:%M}", load=load, count=count, store=store, keep=keep)


def warm_for_service(engine: Engine, stage: str, warm: Callable[[Engine, datetime], bool]) -> None:
    """`warm(engine, now)` for the feed service after a good cycle (it counts a figure ahead unless
    it is kept already, True when it counted): logged as `feed_run` with `source=derived` and
    `stage`, and a failure only logged (the pages count the figure themselves then)."""
    try:
        if warm(engine, datetime.now()):
            logs.event("feed_run", source="derived", stage=stage, status="ok")
    except sa.exc.SQLAlchemyError as e:
        logs.event("feed_run", logging.WARNING, source="derived", stage=stage, status="failed",
                   error=_first_line(e))


def forget(conn: Connection) -> None:
    """Drop every kept figure (the data they were counted from changed or was replaced), inside the
    caller's transaction. Best effort: where the writers' role has not been granted the table yet
    (PostgreSQL, before the GRANTs are run again after revision 0019) the write goes on without it
    and the kept figures stand until they age out."""
    if conn.dialect.name != "postgresql":
        conn.execute(table.delete())
        return
    try:
        with conn.begin_nested():
            conn.execute(table.delete())
    except sa.exc.SQLAlchemyError as e:
        log.warning("kept figures not forgotten: %s", _first_line(e))


@contextmanager
def _waiting_briefly(conn: Connection) -> Iterator[None]:
    """SQLite: give up on another writer's lock after KEEP_WAIT_MS instead of the connection's 30 s
    busy timeout (which would hold the page), restored before the connection goes back to the pool.
    (PostgreSQL: a lock_timeout local to the transaction, set by the caller.)"""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {KEEP_WAIT_MS}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(before or 0)}")


def _first_line(e: BaseException) -> str:
    """The error's first line for the log, scrubbed as every logged text (logs.scrub)."""
    return logs.scrub(logs.first_line(e))
