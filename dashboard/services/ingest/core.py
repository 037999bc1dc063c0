"""The import pipeline's library API (CLI and the /import page call these two functions)."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import logs
from dashboard.services import audit, calendar_days, facts, kept_figures, repeats, rollups
from dashboard.services.assessment import settled_counts
from dashboard.services.ingest import writing
from dashboard.services.ingest.frozen import frozen_months
from dashboard.services.ingest.mapping import load_mapping
from dashboard.services.ingest.reading import FileRefused, read_table
from dashboard.services.ingest.spec import KIND_LABELS, KINDS, TICKET_EVENT_COLUMNS
from dashboard.services.ingest.validation import REJECT_COLUMNS, Prepared, prepare
from dashboard.services.rules_store import current_rules
from queries.schema import event_clocks, import_log, staff, ticket_facts, tickets

log = logging.getLogger(__name__)
PREVIEW_ROWS = 20
MONTH_COLUMN = {"tickets": "received_at", "events": "at", "shifts": "day", "reports": "due_at", "manual": "month"}


@dataclass
class Preview:
    kind: str
    file_name: str
    rows_total: int = 0
    head: pd.DataFrame = field(default_factory=pd.DataFrame)
    recognised: dict[str, str] = field(default_factory=dict)   # source header → canonical header
    unknown_columns: list[str] = field(default_factory=list)
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    warnings: list[str] = field(default_factory=list)
    message: str = ""                                          # set when the file as a whole is refused

    @property
    def ok(self) -> bool:
        return not self.message and self.errors.empty


@dataclass
class ImportResult:
    kind: str
    file_name: str
    sha256: str
    status: str = "refused"            # ok / partial / refused
    rows_total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    rejected_rows: pd.DataFrame = field(default_factory=pd.DataFrame)   # the bad rows with 行号/原因
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    message: str = ""
    log_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "partial")

    def summary(self) -> str:
        return (f"{KIND_LABELS.get(self.kind, self.kind)}：共 {self.rows_total} 行，新增 {self.inserted}，"
                f"更新 {self.updated}，未变 {self.unchanged}，拒绝 {self.rejected}")


class _Refused(Exception):
    pass


def preview(kind: str, filename: str, data: bytes, mapping=None, *, conn: Connection | None = None) -> Preview:
    """What an import of this file would do, without writing (database checks when conn is given)."""
    pv = Preview(kind, filename)
    try:
        _check_kind(kind)
        p = prepare(kind, read_table(filename, data), load_mapping(mapping))
        if conn is not None:
            check_database(conn, p)
    except FileRefused as e:
        pv.message = str(e)
        return pv
    pv.rows_total = p.n
    pv.head = p.raw.head(PREVIEW_ROWS)
    pv.recognised, pv.unknown_columns = p.recognised, p.unknown_columns
    pv.errors, pv.warnings = p.rejects(), list(p.warnings)
    if p.unknown_columns:
        pv.warnings.append(_unknown_message(p.unknown_columns))
    return pv


def run_import(engine: Engine, kind: str, filename: str, data: bytes, *, mapping=None, quarantine: bool = False,
               username: str = "", progress: Callable[[float, str], None] | None = None) -> ImportResult:
    """Validate and write one file in one transaction; every attempt is logged (import_log, audit_log)."""
    res = ImportResult(kind, filename, hashlib.sha256(data or b"").hexdigest())
    step = progress or (lambda _f, _t: None)
    try:
        _check_kind(kind)
        step(0.05, "读取文件")
        m = load_mapping(mapping)
        df = read_table(filename, data)
        step(0.2, "校验数据")
        p = prepare(kind, df, m)
        res.rows_total = p.n
        res.unknown_columns = p.unknown_columns
        res.warnings = list(p.warnings) + ([_unknown_message(p.unknown_columns)] if p.unknown_columns else [])
        with engine.connect() as conn, writing.checkpoint_after(conn), conn.begin():
            write_prepared(conn, p, res, quarantine=quarantine, username=username, step=step)
            if _changes_earlier_days(p, res):
                # a file about earlier days is a correction as often as news: the figures kept
                # from those days are counted again
                kept_figures.forget(conn)
            _log(conn, res, username)
        step(1.0, "完成")
        logs.event("import", **_logged(res, username))
        return res
    except FileRefused as e:
        res.message = str(e)
    except _Refused:
        res.message = f"{res.rejected} 行有错误，整个文件未导入（可选择“导入有效行，隔离其余行”）"
    except Exception as e:  # noqa: BLE001 - the user gets a message, the log gets the traceback
        log.exception("import failed: %s %s", kind, filename)
        res.message = f"导入失败，未写入任何数据（{type(e).__name__}）"
    res.status = "refused"
    res.inserted = res.updated = res.unchanged = 0
    try:
        with engine.begin() as conn:
            _log(conn, res, username)
    except Exception:  # noqa: BLE001 - logging must not hide the refusal itself
        log.exception("could not write import_log")
    logs.event("import", **_logged(res, username))
    return res


def write_prepared(conn: Connection, p: Prepared, res: ImportResult, *, quarantine: bool, username: str = "",
                   step: Callable[[float, str], None] | None = None, wait: bool = False,
                   refill_settled: bool = True) -> None:
    """Check and write prepared rows inside the caller's transaction, with everything derived from
    them (facts, rollups, settled counts); fills res (counts, rejects, status, message). Raises
    _Refused when rows are bad and quarantine is off. wait: block on another ticket writer
    (PostgreSQL) instead of refusing at once (the unattended feed waits its turn).
    refill_settled=False drops the stored counts of the days written without counting them again
    (readers count a missing day live): a writer with more batches to come refills after its last."""
    step = step or (lambda _f, _t: None)
    _one_ticket_writer_at_a_time(conn, p.kind, wait=wait)
    check_database(conn, p)
    bad = p.bad_index()
    _fill_rejects(res, p, bad)
    if bad and not quarantine:
        raise _Refused()
    step(0.4, "写入数据库")
    with writing.bulk_session(conn):
        keep = [i for i in range(p.n) if i not in bad] if bad else list(range(p.n))
        # look-ups of a whole batch of keys and the repeat rule's ranges are one statement each,
        # planned for their values; the writes of rows by key keep generic plans (write)
        stored = _stored_tickets(conn, p, keep)
        days = _received_days_before(conn, p, keep, stored)
        # only files whose tickets are all new: refreshing stored tickets looks their
        # facts and clocks up by ticket number, which needs the indexes
        bulk = len(keep) if p.kind == "tickets" and not stored else 0
        with writing.indexes_built_after(conn, BULK_TABLES, compared_with="tickets", rows_coming=bulk):
            counts = write(conn, p, keep, username=username, stored=stored)
            step(0.8, "更新工单派生数据")
            with writing.generic_plans(conn):
                refresh_facts(conn, counts)
        if p.kind == "tickets":
            # rollups sum tickets per received day: the days tickets left and joined
            rollups.refresh_days(conn, days | _received_days_of_file(p, keep))
        _refresh_settled_counts(conn, p, keep, counts, days, refill=refill_settled)
    res.inserted, res.updated, res.unchanged = counts.inserted, counts.updated, counts.unchanged
    res.status = "partial" if bad else "ok"
    res.message = res.summary()


def _changes_earlier_days(p: Prepared, res: ImportResult) -> bool:
    """Did a tickets or events file change rows received or done before today 00:00 (what the
    kept figures are counted from, dashboard.services.kept_figures)?"""
    column = {"tickets": "received_at", "events": "at"}.get(p.kind)
    if column is None or not (res.inserted or res.updated) or column not in p.values:
        return False
    earliest = p.values[column].min()
    today = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return not pd.isna(earliest) and earliest < pd.Timestamp(today)


def _logged(res: ImportResult, username: str) -> dict:
    """An import's fields in the operational log (counts, never row contents)."""
    return {"kind": res.kind, "file": res.file_name, "rows": res.rows_total, "inserted": res.inserted,
            "updated": res.updated, "unchanged": res.unchanged, "rejected": res.rejected, "result": res.status,
            "user": username}


# PostgreSQL advisory lock of the imports that write tickets or events (any 64-bit constant)
TICKET_WRITERS_LOCK = 12345_0008
# the refusal while another import writes tickets or events: nothing is wrong with the file
BUSY_MESSAGE = "另一份工单或流转记录文件正在导入，请等它完成后再试（本文件未写入任何数据）"


def _one_ticket_writer_at_a_time(conn: Connection, kind: str, *, wait: bool = False) -> None:
    """PostgreSQL: two imports writing tickets or events at once would take the per-day counts'
    rows (ticket_day_counts, revision 0008) and the derived tables' rows in different orders
    and could deadlock; the second is refused at once (SQLite has one writer anyway), or with
    wait=True waits until the first has committed."""
    if conn.dialect.name != "postgresql" or kind not in ("tickets", "events"):
        return
    if wait:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(TICKET_WRITERS_LOCK)))
        return
    if not conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(TICKET_WRITERS_LOCK))).scalar():
        raise FileRefused(BUSY_MESSAGE)


# what a tickets file writes: their non-unique indexes are built after a load larger than the
# tickets already held (writing.indexes_built_after)
BULK_TABLES = ("tickets", "ticket_events", "ticket_facts", "event_clocks")


def _stored_tickets(conn: Connection, p: Prepared, idx: list[int]) -> set | None:
    """The file's ticket numbers already in the database (tickets files only). Only these can
    have events, facts or clocks (foreign keys), so the other look-ups ask for these alone."""
    if p.kind != "tickets" or not idx:
        return None
    if conn.execute(sa.select(tickets.c.ticket_no).limit(1)).first() is None:
        return set()      # a first load: 200,000 keys need not be looked up one chunk at a time
    nos = _values(p, "ticket_no", idx).astype(object).tolist()
    return {no for (no,) in writing.rows_by_keys(conn, tickets, "ticket_no", nos, ["ticket_no"])}


def _received_days_before(conn: Connection, p: Prepared, idx: list[int], stored: set | None) -> set:
    """The received days the facts table holds for the file's tickets (rollups.received_days,
    through the engine-aware look-up: a file's keys are 100,000s of bound values)."""
    if p.kind != "tickets" or not idx:
        return set()
    rollups.ensure_once(conn)
    return {d for (d,) in writing.rows_by_keys(conn, ticket_facts, "ticket_no", stored or (), ["received_day"])}


def _values(p: Prepared, key: str, idx: list[int]) -> pd.Series:
    return p.values[key] if len(idx) == p.n else p.values[key].iloc[idx]


def _received_days_of_file(p: Prepared, idx: list[int]) -> set:
    s = _values(p, "received_at", idx)
    return set(s.dropna().dt.date.unique().tolist())


def refresh_facts(conn: Connection, counts: writing.Counts) -> None:
    """dashboard.services.facts for every ticket the file touched. New tickets are derived column-wise
    from what was just written (facts.new_ticket_columns: the same values as facts.refresh,
    without reading them back; prepared while the events are written); the rest through
    facts.refresh."""
    fresh_nos: set = set()
    if counts.fresh_columns:
        if counts.fresh_inserts is None:
            _prepare_fresh_facts(conn, counts, current_rules(conn))
        for ins in counts.fresh_inserts:
            ins.run(conn)
        fresh_nos = set(counts.fresh_columns["ticket_no"])
    rest = counts.ticket_nos - fresh_nos
    if rest:
        facts.refresh(conn, rest)


def _prepare_fresh_facts(conn: Connection, counts: writing.Counts, rules) -> None:
    """The ticket_facts and event_clocks inserts of the new tickets, ready to run. Pure Python
    (the dialect only): runs while the connection writes the events."""
    if not counts.fresh_columns:
        return
    facts_cols, clock_cols = facts.new_ticket_columns(counts.fresh_columns, counts.fresh_times, rules)
    counts.fresh_inserts = [writing.prepare_insert(conn, ticket_facts, facts_cols, counts.memo),
                            writing.prepare_insert(conn, event_clocks, clock_cols, counts.memo)]


def _refresh_settled_counts(conn: Connection, p: Prepared, keep: list[int], counts: writing.Counts, days: set,
                            *, refill: bool = True) -> None:
    """Drop the stored counts of every day the file can have changed, then (refill) store the
    settled ones again (dashboard.services.assessment.settled_counts), in the import's transaction."""
    if p.kind == "manual" or not keep:
        return
    if p.kind == "staff":
        settled_counts.invalidate_all(conn)
    else:
        column = {"shifts": "day", "reports": "due_at"}.get(p.kind)
        starts = [min(days)] if days else []
        if column:
            starts += [x for x in [p.values[column].iloc[keep].min()] if not pd.isna(x)]
        else:
            # a new ticket's earliest receipt or clock start is its receipt (its events are not
            # earlier: validation refuses that), so only the tickets stored before are looked up
            fresh = counts.fresh_columns.get("received_at")
            if fresh is not None and len(fresh):
                starts.append(fresh.min())
            before = counts.ticket_nos.difference(counts.fresh_columns.get("ticket_no", ()))
            starts += [x for x in [settled_counts.earliest_for_tickets(conn, before)] if x is not None]
        if not starts:
            return
        settled_counts.invalidate_since(conn, min(pd.Timestamp(x) for x in starts))
    if refill:
        settled_counts.refill(conn)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise FileRefused(f"未知的导入类型：{kind}（应为 {'/'.join(KINDS)}）")


def _unknown_message(cols: list[str]) -> str:
    return f"已忽略未识别的列：{'、'.join(cols)}"


def _fill_rejects(res: ImportResult, p: Prepared, bad: set[int]) -> None:
    res.rejected = len(bad)
    res.rejects = p.rejects()
    if bad:
        idx = sorted(bad)
        reasons = {}
        for i, h, r in p.errors:
            reasons.setdefault(i, []).append(f"{h}：{r}")
        rows = p.raw.iloc[idx].copy()
        rows.insert(0, "原因", ["；".join(reasons[i]) for i in idx])
        rows.insert(0, "行号", [i + 2 for i in idx])
        res.rejected_rows = rows.reset_index(drop=True)


def _log(conn: Connection, res: ImportResult, username: str) -> None:
    r = conn.execute(import_log.insert().values(
        at=datetime.now().replace(microsecond=0), username=username or "", kind=res.kind,
        file_name=(res.file_name or "")[:255], file_sha256=res.sha256, rows_total=res.rows_total,
        rows_inserted=res.inserted, rows_updated=res.updated, rows_unchanged=res.unchanged,
        rows_rejected=res.rejected, status=res.status, message=res.message))
    res.log_id = int(r.inserted_primary_key[0])
    audit.record(conn, username=username, action="import", target=f"{res.kind}:{res.file_name}",
                 detail=f"{res.status}; {res.message}; sha256={res.sha256}")


def check_database(conn: Connection, p: Prepared) -> None:
    """Row problems that need the database: frozen months, unknown tickets/staff."""
    v = p.values
    frozen = frozen_months(conn)
    mcol = MONTH_COLUMN.get(p.kind)
    if frozen and mcol in v:
        s = v[mcol]
        months = s if p.kind == "manual" else s.dt.strftime("%Y-%m")
        hit = months.isin(frozen)
        hdr = p.cols[mcol].header
        p.error(hit, hdr, lambda i: f"所属月份 {months[i]} 已签核冻结，不能修改")
    if p.kind == "events":
        _unknown_refs(conn, p, "ticket_no", tickets, "工单", "工单编号")
    if p.kind == "shifts":
        _unknown_refs(conn, p, "staff_no", staff, "人员", "工号")


def _unknown_refs(conn, p: Prepared, key: str, table, what: str, header: str) -> None:
    s = p.values[key]
    wanted = {x for x in s if isinstance(x, str)}
    known = {k for (k,) in writing.rows_by_keys(conn, table, key, wanted, [key])}
    missing = s.notna() & ~s.isin(known)
    p.error(missing, header, lambda i: f"{what} \"{s[i]}\" 不存在（数据库中没有，请先导入{what}）")


def _column_lists(p: Prepared, keys: list[str], idx: list[int], *, arrays: bool = False) -> dict[str, list]:
    """Columns of the kept rows as Python values (None for blanks); with arrays=True timestamps
    stay datetime64[us] arrays (writing.insert_columns puts them in storage form column-wise)."""
    out = {}
    for k in keys:
        s = _values(p, k, idx)
        col = p.cols[k]
        if arrays and col.type == "ts":
            out[k] = s.to_numpy(dtype="datetime64[us]")
        elif col.type in ("ts", "date"):
            # datetime64[us] → datetime objects (NaT → None) in one vectorised step
            vals = s.to_numpy(dtype="datetime64[us]").astype(object)
            out[k] = [None if v is None else v.date() for v in vals] if col.type == "date" else vals.tolist()
        else:
            out[k] = s.astype(object).where(s.notna(), None).tolist()
    return out


def _rows(lists: dict[str, list]) -> list[dict]:
    keys = list(lists)
    return [dict(zip(keys, vals)) for vals in zip(*lists.values())]


def write(conn: Connection, p: Prepared, idx: list[int], *, username: str = "",
          stored: set | None = None) -> writing.Counts:
    counts = writing.Counts()
    if not idx:
        return counts
    keys = list(p.values)
    calendar_days.load(conn)    # the working-day limits count the table's days, also while writing
    if p.kind == "tickets":
        ev_keys = [k for k in keys if k in TICKET_EVENT_COLUMNS]
        cols = _column_lists(p, keys, idx, arrays=True)
        event_times = {k: cols.pop(k) for k in ev_keys}
        rules = current_rules(conn)
        repeat_changes = repeats.derive_for_file(conn, cols, stored)     # sets cols["repeat_source_no"]
        with writing.generic_plans(conn):
            writing.write_tickets(conn, cols, event_times, counts, stored=stored,
                                  while_writing=lambda c: _prepare_fresh_facts(conn, c, rules))
            repeats.apply(conn, repeat_changes)
        return counts
    with writing.generic_plans(conn):
        if p.kind == "events":
            rows = _rows(_column_lists(p, keys, idx))
            for r in rows:
                for f in ("staff_no", "unit", "detail"):
                    r[f] = r.get(f) or ""
            writing.write_events(conn, rows, counts)
        elif p.kind == "staff":
            writing.write_staff(conn, _rows(_column_lists(p, keys, idx)), counts)
        elif p.kind == "shifts":
            writing.write_shifts(conn, _rows(_column_lists(p, keys, idx)), counts)
        elif p.kind == "reports":
            writing.write_reports(conn, _rows(_column_lists(p, keys, idx)), counts)
        elif p.kind == "manual":
            rows = _rows(_column_lists(p, keys, idx))
            for r in rows:
                r["entered_by"] = r.get("entered_by") or username or "导入"
            writing.write_manual(conn, rows, counts)
    return counts
