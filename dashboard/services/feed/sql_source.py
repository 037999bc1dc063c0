"""The SQL source feed (docs/feed.md): pull each kind's new and changed rows by watermark from a
read-only source database into ours, through the import pipeline, one transaction per batch.

How a kind is pulled. Our database keeps its watermark W: every source row with a watermark at
or below W has been taken. A pull asks the kind's query for rows from `since` (W, or W minus the
overlap window for a timestamp watermark, so late commits behind W are read again) and `limit`
(the kind's batch). The rows are ordered by watermark, so:
- a pull that is not full has shown every row up to the source's newest: all are written and W
  becomes the last row's watermark (the kind is caught up);
- a full pull may have cut the rows sharing its last watermark value V in two: its rows are
  written and W becomes the greatest value below V, so the next pull reads all of V again;
- a full pull with no value above W below V (thousands of rows stamped with one time by a bulk
  update, or an overlap window fuller than a batch) cannot move W: it is asked again with twice
  the limit until it either is not full or reaches a second value, so the feed never stalls and
  never skips rows whatever order the source gives rows of equal watermark.
Rows read twice are harmless: the writers compare with what is stored (tickets, staff, shifts and
reports by key; events on all six fields), so nothing is doubled.

Every batch is one transaction in our database writing the rows, their derived data, the rejects
and the new watermark together: a process killed at any moment loses nothing and doubles nothing.
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import logs
from dashboard.infra.collector import collector_paused
from dashboard.services import audit, breach_history, day_figures, kept_figures
from dashboard.services.assessment import settled_counts
from dashboard.services.feed import state
from dashboard.services.feed.config import FeedConfig, KindSource
from dashboard.services.ingest import writing
from dashboard.services.ingest.core import ImportResult, write_prepared
from dashboard.services.ingest.parsing import BEIJING
from dashboard.services.ingest.reading import FileRefused
from dashboard.services.ingest.spec import KEYS
from dashboard.services.ingest.validation import Prepared, prepare

log = logging.getLogger(__name__)
FEED_USER = "feed"
WATERMARK_COLUMN = "_watermark"
FIRST_SINCE = {"timestamp": datetime(1970, 1, 1), "integer": 0}
CONNECT_TIMEOUT_SECONDS = 10
BACKOFF_FIRST_SECONDS = 5
BACKOFF_MAX_SECONDS = 300
UNKNOWN_TICKET = "不存在（数据库中没有"     # the words of the import's unknown-ticket reason
# batches read before they are checked together and written one by one: checking a batch costs
# about as much for a few rows as for thousands
READ_AHEAD_BATCHES = 8
SWITCH_SECONDS = 0.0005


class SourceError(Exception):
    """The source could not be read (down, slow, a broken query); the message is for the operator."""


# --- the source -------------------------------------------------------------------------------------

def source_engine(cfg: FeedConfig) -> Engine:
    """An engine on the source that cannot write: every connection is read-only (MariaDB/MySQL
    `SET SESSION TRANSACTION READ ONLY`, PostgreSQL default_transaction_read_only, SQLite
    query_only) and cancels a statement running longer than the file's timeout where the engine can."""
    url = sa.engine.make_url(cfg.url)
    backend = url.get_backend_name()
    connect_args: dict = {}
    if backend in ("mysql", "mariadb"):
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "read_timeout": cfg.timeout + 30}
    elif backend == "postgresql":
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                        "options": f"-c default_transaction_read_only=on -c statement_timeout={cfg.timeout * 1000}"}
    elif backend == "sqlite":
        connect_args = {"timeout": 30}
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0, connect_args=connect_args) \
        if backend != "sqlite" else sa.create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        try:
            if backend in ("mysql", "mariadb"):
                cur.execute("SET SESSION TRANSACTION READ ONLY")
                try:
                    cur.execute(f"SET SESSION max_statement_time = {int(cfg.timeout)}")      # MariaDB
                except Exception:  # noqa: BLE001 - MySQL names it differently
                    cur.execute(f"SET SESSION max_execution_time = {int(cfg.timeout) * 1000}")
            elif backend == "sqlite":
                cur.execute("PRAGMA query_only = ON")
        finally:
            cur.close()

    return engine


def fetch(engine: Engine, ks: KindSource, since, limit: int) -> tuple[list[str], list]:
    """The kind's query with :since and :limit: (column names, rows as sequences)."""
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(ks.query), {"since": since, "limit": limit})
            names = list(result.keys())
            rows = result.all()
            conn.rollback()
    except sa.exc.SQLAlchemyError as e:
        raise SourceError(f"数据源查询失败（{ks.kind}）：{_first_line(e)}") from e
    if WATERMARK_COLUMN not in names:
        raise SourceError(f"数据源的 {ks.kind} 查询没有返回 {WATERMARK_COLUMN} 列")
    return names, rows


def since_for(mark: state.Watermark | None, ks: KindSource, overlap: int, dialect: str):
    """The :since of the next pull, in the source's own form."""
    if mark is None:
        first = FIRST_SINCE[ks.watermark]
        # SQLite keeps timestamps as text: compared as text, so bound as text
        return first.isoformat(sep=" ") if isinstance(first, datetime) and dialect == "sqlite" else first
    v = mark.value
    if ks.watermark != "timestamp" or not overlap:
        return v
    if isinstance(v, datetime):
        return v - timedelta(seconds=overlap)
    if isinstance(v, str):
        try:
            parsed = datetime.fromisoformat(v.strip())
        except ValueError:
            return v          # text the feed cannot read as a time: no overlap window
        back = parsed - timedelta(seconds=overlap)
        text = back.isoformat(sep="T" if "T" in v else " ", timespec="microseconds" if "." in v else "seconds")
        return text
    return v


# --- source rows → import cells ------------------------------------------------------------------

def cell_text(v) -> str:
    """A source value as the text an import file would hold (value maps match this form)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v).decode("utf-8", errors="replace")
    return str(v)


def to_frame(names: list[str], rows: list) -> pd.DataFrame:
    """The rows as an import file's table of text cells (without the watermark), in pandas' text
    type as a CSV file is read (the checks run on it at the speed they run on a file's)."""
    columns = list(zip(*rows)) if rows else [()] * len(names)
    data = {}
    for name, values in zip(names, columns):
        if name == WATERMARK_COLUMN:
            continue
        data[name] = pd.array(_text_cells(values), dtype="str")
    return pd.DataFrame(data, columns=[n for n in names if n != WATERMARK_COLUMN])


def _text_cells(values: tuple) -> pa.Array:
    """One column's values as text, blanks as "" (as a CSV cell)."""
    try:        # most columns are text already: pyarrow takes them without a look at each value
        return pc.fill_null(pa.array(values, type=pa.large_string()), "")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds == {int}:                      # integer codes (value maps match their text)
        try:
            return pc.fill_null(pc.cast(pa.array(values, type=pa.int64()), pa.large_string()), "")
        except (pa.ArrowInvalid, OverflowError):        # beyond 64 bits
            cells = ["" if v is None else str(v) for v in values]
    elif kinds == {datetime}:
        cells = ["" if v is None else v.isoformat(sep=" ") for v in values]
    else:
        cells = [cell_text(v) for v in values]
    return pa.array(cells, type=pa.large_string())


# --- one batch into our database -----------------------------------------------------------------

@dataclass
class BatchResult:
    rows: int = 0
    rejects: int = 0


def write_batch(conn: Connection, cfg: FeedConfig, ks: KindSource, run_id: int, p: Prepared,
                marks: list, new_mark: state.Watermark | None, lag_seconds: int | None,
                *, last: bool = True) -> BatchResult:
    """One transaction on `conn`: the batch's checked rows (quarantine: bad ones kept aside), their
    derived data, the rejects, the new watermark and the run's counts. Only the last batch of a
    pull counts the settled days again (core.write_prepared's refill_settled): the others only drop
    the days they touched."""
    now = datetime.now().replace(microsecond=0)
    res = ImportResult(ks.kind, f"feed:{cfg.name}", "")
    with conn.begin():
        _commit_without_waiting_for_disk(conn)
        write_prepared(conn, p, res, quarantine=True, username=FEED_USER, wait=True, refill_settled=last)
        new_rejects = state.add_rejects(conn, cfg.name, ks.kind, run_id, now, _rejected(p, ks.kind, marks))
        if new_mark is not None:
            state.set_watermark(conn, cfg.name, ks.kind, new_mark, now)
        # rows that changed our database (a row read again unchanged is not counted twice)
        changed = res.inserted + res.updated
        state.add_to_run(conn, run_id, rows=changed, rejects=new_rejects, lag_seconds=lag_seconds)
    return BatchResult(changed, new_rejects)


def _commit_without_waiting_for_disk(conn: Connection) -> None:
    """PostgreSQL: the batch's commit returns before its log is on disk (synchronous_commit off for
    this transaction; the server writes the log a moment later). A server crash in that moment
    loses the last batches whole — their rows and their watermark together — and the next pull
    reads them again: nothing is lost or doubled, and the feed does not wait on the disk once per
    batch. Imports by hand keep waiting: their user is told the file is in."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.set_config("synchronous_commit", "off", True)))


def check(cfg: FeedConfig, ks: KindSource, names: list[str], batches: list[list]) -> list[Prepared]:
    """The batches' rows checked and parsed at once (the checks cost as much for a few rows as for
    thousands), then parted again into one table per batch."""
    rows = [r for batch in batches for r in batch]
    starts, at = [], 0
    for batch in batches:
        starts.append(at)
        at += len(batch)
    try:
        whole = prepare(ks.kind, to_frame(names, rows), ks.mapping, part_starts=starts)
    except FileRefused as e:
        raise SourceError(f"数据源的 {ks.kind} 查询结果不能导入：{e}") from None
    for w in whole.warnings:
        log.warning("feed %s %s: %s", cfg.name, ks.kind, w)
    return [whole.part(lo, lo + len(batch)) for lo, batch in zip(starts, batches)]


def _rejected(p, kind: str, marks: list) -> list[dict]:
    reasons: dict[int, list[str]] = {}
    for i, header, reason in p.errors:
        reasons.setdefault(i, []).append(f"{header}：{reason}")
    key = (KEYS.get(kind) or ["ticket_no"])[0]
    key_values = p.values.get(key)
    out = []
    for i in sorted(reasons):
        texts = reasons[i]
        key_text = "" if key_values is None or pd.isna(key_values.iloc[i]) else str(key_values.iloc[i])
        out.append({"row_key": key_text, "watermark": state.Watermark(marks[i]).text if marks else "",
                    "reason": "；".join(texts), "cells": {str(k): v for k, v in p.raw.iloc[i].items()},
                    # an event whose only problem is its ticket not having arrived yet waits for it
                    "waiting": kind == "events" and all(UNKNOWN_TICKET in t for t in texts)})
    return out


def retry_waiting(engine: Engine, cfg: FeedConfig, ks: KindSource, run_id: int) -> int:
    """Events kept aside because their ticket had not arrived: written now when it has (and
    dropped from the rejects); the others keep waiting. Returns how many were written."""
    with engine.connect() as conn, conn.begin():
        waiting = state.waiting_rows(conn, cfg.name, ks.kind)
        if not waiting:
            return 0
        frame = pd.DataFrame([cells for _, cells in waiting], dtype=object).fillna("")
        # the kept cells are the source's own values: mapped again like any pulled row
        p = prepare(ks.kind, frame, ks.mapping)
        res = ImportResult(ks.kind, f"feed:{cfg.name}", "")
        write_prepared(conn, p, res, quarantine=True, username=FEED_USER, wait=True)
        bad = p.bad_index()
        done = [rid for i, (rid, _) in enumerate(waiting) if i not in bad]
        state.drop_rejects(conn, done)
        if done:
            state.add_to_run(conn, run_id, rows=len(done), rejects=0)
    return len(done)


# --- pulling a kind until caught up ---------------------------------------------------------------

@dataclass
class KindOutcome:
    kind: str
    rows: int = 0
    rejects: int = 0
    batches: int = 0
    error: str = ""


@dataclass
class Pulled:
    """One pull's rows and what the kind's watermark becomes once they are written."""
    names: list[str]
    rows: list
    marks: list
    mark_before: state.Watermark | None
    new_mark: state.Watermark | None
    caught_up: bool


def pull(source: Engine, ks: KindSource, mark: state.Watermark | None, overlap: int) -> Pulled:
    """The next batch after `mark` (see the module's notes)."""
    since = since_for(mark, ks, overlap, source.dialect.name)
    limit = ks.batch
    while True:
        names, rows = fetch(source, ks, since, limit)
        wi = names.index(WATERMARK_COLUMN)
        marks = [r[wi] for r in rows]
        if any(m is None for m in marks):
            raise SourceError(f"数据源的 {ks.kind} 查询返回了空的 {WATERMARK_COLUMN}")
        if len(rows) < limit:
            return Pulled(names, rows, marks, mark, _max_mark(mark, marks[-1] if marks else None), True)
        below_last = [m for m in marks if m < marks[-1]]
        complete = max(below_last) if below_last else None
        if complete is not None and (mark is None or complete > mark.value):
            return Pulled(names, rows, marks, mark, state.Watermark(complete), False)
        limit *= 2       # one value fills the whole pull: ask for more until it is complete


def read_ahead(source: Engine, ks: KindSource, mark: state.Watermark | None, overlap: int
               ) -> tuple[list[Pulled], SourceError | None]:
    """Batches after `mark`, each pulled from where the one before will leave the watermark, until
    caught up or READ_AHEAD_BATCHES are read. A source failure after the first batch ends the
    reading and is returned beside the batches read, so they are written before it is raised."""
    pulled: list[Pulled] = []
    seen: set | None = set()
    while True:
        try:
            batch = pull(source, ks, mark, overlap)
        except SourceError as e:
            if not pulled:
                raise
            return pulled, e
        seen = _drop_rows_read_before(batch, seen)
        pulled.append(batch)
        if batch.caught_up or len(pulled) >= READ_AHEAD_BATCHES:
            return pulled, None
        mark = batch.new_mark


def _drop_rows_read_before(batch: Pulled, seen: set | None) -> set | None:
    """Leave out the rows of `batch` that an earlier batch of the same read-ahead held as they are,
    watermark and all (the overlap window read again moments later, found unchanged): they would
    only be checked and found unchanged again. A row changed in between has a new watermark, or
    other cells, and stays; a batch that would be left with no row keeps them all (its watermark is
    written with them). Returns the rows seen so far, None once a value cannot be compared this
    way (a memoryview: nothing is left out then)."""
    if seen is None:
        return None
    try:
        rows = [tuple(r) for r in batch.rows]
        keep = [i for i, row in enumerate(rows) if row not in seen]
        seen.update(rows)
    except TypeError:
        return None
    if keep and len(keep) < len(rows):
        batch.rows = [batch.rows[i] for i in keep]
        batch.marks = [batch.marks[i] for i in keep]
    return seen


@dataclass
class ReadAhead:
    """Batches read ahead and checked (read_and_check): the pulls, the checked table of each pull
    that brought rows, and the source's failure after the first batch, if any."""
    pulled: list[Pulled]
    full: list[Pulled]
    checked: list[Prepared]
    failure: SourceError | None


def read_and_check(source: Engine, cfg: FeedConfig, ks: KindSource, mark: state.Watermark | None) -> ReadAhead:
    """The batches after `mark` (read_ahead), checked at once. Touches the source only, never our
    database: it may run while earlier batches are written."""
    with collector_paused():
        pulled, failure = read_ahead(source, ks, mark, cfg.overlap)
        full = [b for b in pulled if b.rows]
        checked = check(cfg, ks, full[0].names, [b.rows for b in full]) if full else []
        for b in full:
            b.rows = []          # checked: their cells live on in `checked`
    return ReadAhead(pulled, full, checked, failure)


def pull_kind(engine: Engine, source: Engine, cfg: FeedConfig, ks: KindSource, run_id: int,
              outcome: KindOutcome, *, on_batch: Callable[[KindOutcome], None] | None = None) -> None:
    """Batches of the kind until a pull brings no row beyond the stored watermark: read a few
    batches ahead, check them at once, and write each in its own transaction. Into a database
    server (PostgreSQL) the next few batches are read and checked in a second thread while these
    are written: writing waits on the server most of its time, reading on the source and on
    Python, so the two overlap (with the faster COPY, a catch-up a third faster). SQLite writes in this process, and
    a second thread only took turns with it on the interpreter lock (more CPU, no faster): there
    the next batches are read once these are written. Reading starts from the watermark the
    batches being written leave, and each read-ahead is written only when the stored watermark is
    still the one it was read from; when a write fails, what was read ahead is dropped (the next
    run reads it again)."""
    refill_owed = False
    with engine.connect() as conn:
        mark = state.watermark(conn, cfg.name, ks.kind)
    beside = engine.dialect.name != "sqlite"
    with (ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"feed-read-{ks.kind}") if beside
          else nullcontext()) as reader, (_switching_often() if beside else nullcontext()):

        def read_next(after: state.Watermark | None):
            if reader is None:
                return _ReadWhenAsked(read_and_check, source, cfg, ks, after)
            return reader.submit(read_and_check, source, cfg, ks, after)

        coming = read_next(mark)
        while True:
            group = coming.result()
            last = group.pulled[-1]
            if group.failure is None and not last.caught_up:
                coming = read_next(last.new_mark)
            now = datetime.now()
            # one connection for the batches read together (SQLite copies its write-ahead log into
            # the database file once after them: writing.checkpoint_after)
            with engine.connect() as conn, writing.checkpoint_after(conn):
                with conn.begin():
                    stored = state.watermark(conn, cfg.name, ks.kind)
                if stored != group.pulled[0].mark_before:
                    # not where these were read from: the last commits lost in a crash of our
                    # database (or a failover) took the watermark back with their rows. What was
                    # read ahead is dropped and read again from the stored watermark.
                    log.warning("feed %s %s: stored watermark moved back, reading again from it", cfg.name, ks.kind)
                    coming = read_next(stored)
                    continue
                for b, p in zip(group.full, group.checked):
                    beyond = [m for m in b.marks if b.mark_before is None or m > b.mark_before.value]
                    result = write_batch(conn, cfg, ks, run_id, p, b.marks,
                                         b.new_mark if b.new_mark != b.mark_before else None,
                                         _lag(beyond, ks, now=now), last=b.caught_up)
                    refill_owed = not b.caught_up
                    outcome.rows += result.rows
                    outcome.rejects += result.rejects
                    outcome.batches += 1
                    if on_batch is not None:
                        on_batch(outcome)
            if group.failure is not None:
                raise group.failure
            if last.caught_up:
                if refill_owed:          # the pull ended on an empty batch
                    with engine.begin() as conn:
                        settled_counts.refill(conn)
                return


class _ReadWhenAsked:
    """A read that runs when its result is asked for (as a Future's result, in this thread)."""

    def __init__(self, read: Callable[..., ReadAhead], *args):
        self.read, self.args = read, args

    def result(self) -> ReadAhead:
        return self.read(*self.args)


@contextmanager
def _switching_often() -> Iterator[None]:
    """The interpreter hands its lock between the reading and the writing thread every
    SWITCH_SECONDS instead of 5 ms while both run: the writer wakes up after each of its hundreds
    of statements and would otherwise wait up to 5 ms for the reader to let go (5 % of a catch-up)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _max_mark(mark: state.Watermark | None, value) -> state.Watermark | None:
    if value is None:
        return mark
    if mark is None or value > mark.value:
        return state.Watermark(value)
    return mark


def _lag(beyond: list, ks: KindSource, *, now: datetime) -> int | None:
    """Seconds the oldest new row had waited in the source (timestamp watermarks read as Beijing
    time unless the kind names its zone), or None."""
    if ks.watermark != "timestamp" or not beyond:
        return None
    oldest = min(beyond)
    if isinstance(oldest, str):
        try:
            oldest = datetime.fromisoformat(oldest.strip())
        except ValueError:
            return None
    if not isinstance(oldest, datetime):
        return None
    if oldest.tzinfo is not None:
        oldest = oldest.astimezone(ZoneInfo(BEIJING)).replace(tzinfo=None)
    elif ks.mapping is not None and ks.mapping.timezone:
        oldest = oldest.replace(tzinfo=ZoneInfo(ks.mapping.timezone)).astimezone(ZoneInfo(BEIJING)).replace(tzinfo=None)
    return max(0, int((now - oldest).total_seconds()))


# --- a cycle: every kind once, until caught up ------------------------------------------------------

@dataclass
class Cycle:
    outcomes: list[KindOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(not o.error for o in self.outcomes)

    @property
    def error(self) -> str:
        return next((o.error for o in self.outcomes if o.error), "")


def start(engine: Engine, cfg: FeedConfig) -> None:
    """The feed's row in our database; runs a killed process left open are closed as failed."""
    now = datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        state.ensure_feed(conn, cfg.name, source=cfg.shown_url, every=cfg.every, now=now)
        state.close_interrupted(conn, cfg.name, now)


def run_cycle(engine: Engine, source: Engine, cfg: FeedConfig) -> Cycle:
    """Pull every kind until caught up (tickets first, so their events find them). The first
    failure ends the cycle (recorded as a failed run); the next cycle starts where it stopped."""
    cycle = Cycle()
    for kind, ks in cfg.kinds.items():
        outcome = KindOutcome(kind)
        cycle.outcomes.append(outcome)
        started = time.monotonic()
        run_id = None
        try:
            with engine.begin() as conn:
                run_id = state.start_run(conn, cfg.name, kind, datetime.now().replace(microsecond=0))
            pull_kind(engine, source, cfg, ks, run_id, outcome)
            if kind == "events":
                outcome.rows += retry_waiting(engine, cfg, ks, run_id)
        except Exception as e:  # noqa: BLE001 - any failure is recorded and retried, never fatal
            outcome.error = str(e) if isinstance(e, SourceError) else f"{type(e).__name__}: {_first_line(e)}"
            if not isinstance(e, SourceError | sa.exc.OperationalError):
                log.exception("feed %s %s failed", cfg.name, kind)
        _finish(engine, cfg, run_id, outcome, time.monotonic() - started)
        if outcome.error:
            break
    if cycle.ok:
        with engine.begin() as conn:
            state.succeeded(conn, cfg.name, datetime.now().replace(microsecond=0))
    return cycle


def _finish(engine: Engine, cfg: FeedConfig, run_id: int | None, outcome: KindOutcome, seconds: float) -> None:
    error = logs.scrub(outcome.error)[:2000]
    try:
        with engine.begin() as conn:
            lag = None
            if run_id is not None:
                state.finish_run(conn, run_id, datetime.now().replace(microsecond=0), error=error)
                lag = state.run_row(conn, run_id)["lag_seconds"]
            audit.record(conn, username=FEED_USER, action="feed_run", target=f"{cfg.name}:{outcome.kind}",
                         detail=f"{'failed' if error else 'ok'}; rows={outcome.rows}; rejects={outcome.rejects}"
                                + (f"; error={error}" if error else ""))
    except sa.exc.SQLAlchemyError as e:      # our own database is down: the log still says so
        lag = None
        error = error or f"本库写入失败：{_first_line(e)}"
        outcome.error = outcome.error or error
    logs.event("feed_run", level=logging.WARNING if error else logging.INFO, feed=cfg.name, kind=outcome.kind,
               status="failed" if error else "ok", rows=outcome.rows, rejects=outcome.rejects,
               batches=outcome.batches, lag_seconds=lag, seconds=round(seconds, 2), error=error or None)


def run(engine: Engine, cfg: FeedConfig, *, once: bool = False, sleep: Callable[[float], None] = time.sleep,
        cycles: int | None = None, after_cycle: Callable[[], None] | None = None) -> int:
    """`feed SOURCE.yaml`: with once, pull until caught up and return 0 (1 when it failed);
    else forever: sleep `every` after a good cycle, back off exponentially after a failed one."""
    try:
        source = source_engine(cfg)
    except (sa.exc.ArgumentError, ImportError) as e:     # an unknown dialect or a driver not installed
        raise SourceError(f"无法使用数据源 {cfg.shown_url}：{_first_line(e)}（数据库驱动是否已安装？）") from None
    failures = 0
    done = 0
    try:
        while True:
            try:
                start(engine, cfg)
                with engine.connect() as conn:
                    before = state.last_success(conn, cfg.name)
                cycle = run_cycle(engine, source, cfg)
                ok = cycle.ok
                if ok:      # what the pages read once an hour or a day, counted ahead (docs/feed.md)
                    if caught_up_across_midnight(before, cycle):
                        # rows of the days before today arrived after today's figures may have been
                        # counted without them (a feed behind since before 00:00): counted again
                        with engine.begin() as conn:
                            kept_figures.forget(conn)
                    breach_history.warm_for_service(engine)
                    day_figures.warm_for_service(engine)
            except sa.exc.SQLAlchemyError as e:      # our database is down before a run could be recorded
                logs.event("feed_run", level=logging.WARNING, feed=cfg.name, kind="-", status="failed",
                           error=logs.scrub(_first_line(e)))
                ok = False
            done += 1
            if after_cycle is not None:
                after_cycle()
            if once:
                return 0 if ok else 1
            if cycles is not None and done >= cycles:
                return 0 if ok else 1
            if ok:
                failures = 0
                sleep(cfg.every)
            else:
                failures += 1
                source.dispose()         # a fresh connection after the source comes back
                sleep(backoff_seconds(failures, cfg.every))
    finally:
        source.dispose()


def caught_up_across_midnight(last_success: datetime | None, cycle: Cycle, *, now: datetime | None = None) -> bool:
    """Did this good cycle bring rows while the feed had been behind since before today 00:00?"""
    today = (now or datetime.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = sum(o.rows for o in cycle.outcomes)
    return rows > 0 and (last_success is None or last_success < today)


def backoff_seconds(failures: int, every: int) -> float:
    """5 s after the first failure, doubling, at most max(every, BACKOFF_MAX_SECONDS)."""
    return float(min(BACKOFF_FIRST_SECONDS * 2 ** (failures - 1), max(every, BACKOFF_MAX_SECONDS)))


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
