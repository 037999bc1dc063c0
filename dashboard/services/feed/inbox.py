"""The inbox feed: files dropped into a folder are imported like uploads (docs/feed-inbox.md).

A file `KIND-anything.csv|xlsx` is taken once its size has not changed for SETTLE_SECONDS, in
name order, through the same import pipeline as the 数据导入 page (one transaction per file).
Only after the transaction has committed is the file moved to `done/` (or `failed/` with
`FILE.errors.csv`), so a run killed mid-file leaves it in the inbox and the database as it was;
the next run imports it again, and importing the same file twice changes nothing.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dashboard.infra import logs
from dashboard.services import audit
from dashboard.services.exports.safe import to_csv_bytes
from dashboard.services.ingest import ImportResult, run_import
from dashboard.services.ingest.core import BUSY_MESSAGE
from dashboard.services.ingest.spec import KINDS
from dashboard.services.ingest.validation import REJECT_COLUMNS

# a file is taken when its size has not changed for this long (a writer may still be at it before)
SETTLE_SECONDS = 5.0
# the loop looks at the folder this often unless told otherwise
POLL_SECONDS = 10.0
SUFFIXES = (".csv", ".xlsx")
SKIPPED_SUFFIXES = (".part", ".tmp")
DONE = "done"
FAILED = "failed"
ERRORS_SUFFIX = ".errors.csv"
REJECTS_SUFFIX = ".rejects.csv"
# who the import history and the audit log name for the inbox's imports
INBOX_USER = "收件箱"


class TryLater(Exception):
    """The file is fine but could not be imported now (database down, another import writing):
    it stays in the inbox for the next round."""


@dataclass
class FileOutcome:
    """What became of one inbox file."""
    name: str
    kind: str | None
    status: str                      # done / failed
    moved_to: Path
    reasons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    result: ImportResult | None = None
    side_file: Path | None = None    # FILE.errors.csv (failed) or FILE.rejects.csv (done, quarantine)


def candidates(inbox: Path) -> list[Path]:
    """The inbox's files in name order, without hidden and partly written ones."""
    if not inbox.is_dir():
        return []
    out = []
    for path in inbox.iterdir():
        name = path.name
        if name.startswith(".") or name.lower().endswith(SKIPPED_SUFFIXES) or not path.is_file():
            continue
        out.append(path)
    return sorted(out, key=lambda p: p.name)


def kind_of(name: str) -> str | None:
    """KIND of `KIND-anything.csv|xlsx`, or None when the name does not say a known one."""
    head, dash, _ = name.partition("-")
    return head if dash and head in KINDS else None


class SettleWatch:
    """Whether a file's size has stayed the same for `settle` seconds.

    The first look trusts the file's modification time (a size change moves it); later looks
    also notice a size that changed since the previous look and start counting again.
    `clock` is the wall clock (time.time), given by tests instead of sleeping.
    """

    def __init__(self, settle: float = SETTLE_SECONDS, clock: Callable[[], float] = time.time):
        self.settle = settle
        self.clock = clock
        self._seen: dict[str, tuple[int, float]] = {}

    def ready(self, path: Path) -> bool:
        try:
            st = path.stat()
        except OSError:
            return False
        now = self.clock()
        key = str(path)
        seen = self._seen.get(key)
        if seen is None or seen[0] != st.st_size:
            since = st.st_mtime if seen is None else max(now, st.st_mtime)
            self._seen[key] = (st.st_size, since)
        else:
            since = max(seen[1], st.st_mtime)
        return now - since >= self.settle

    def forget(self, path: Path) -> None:
        self._seen.pop(str(path), None)


    def keep_only(self, paths: list[Path]) -> None:
        """Forget files that have left the folder."""
        wanted = {str(p) for p in paths}
        for key in [k for k in self._seen if k not in wanted]:
            del self._seen[key]


def ready_files(inbox: Path, watch: SettleWatch) -> list[Path]:
    files = candidates(inbox)
    watch.keep_only(files)
    return [p for p in files if watch.ready(p)]


def process_ready(engine: Engine, inbox: Path, *, quarantine: bool = False,
                  watch: SettleWatch | None = None) -> list[FileOutcome]:
    """Import every ready file of the inbox, in name order; returns what became of each."""
    inbox = Path(inbox)
    watch = watch or SettleWatch()
    outcomes = []
    for path in ready_files(inbox, watch):
        try:
            outcomes.append(process_file(engine, path, quarantine=quarantine))
        except TryLater as e:
            logs.event("feed_run", logging.WARNING, source="inbox", file=path.name, stage="retry_later",
                       reason=str(e))
            break       # name order: the later files wait for this one
        except OSError as e:   # taken away or not movable: the next round looks again
            logs.event("feed_run", logging.WARNING, source="inbox", file=path.name, stage="retry_later",
                       reason=f"{type(e).__name__}: {e}")
            break
        watch.forget(path)
    return outcomes


def process_file(engine: Engine, path: Path, *, quarantine: bool = False) -> FileOutcome:
    """Import one file, then move it (and write its errors or rejects beside it)."""
    name = path.name
    kind = kind_of(name)
    logs.event("feed_run", source="inbox", file=name, kind=kind or "-", stage="start")
    if kind is None:
        return _failed(engine, path, None, _file_reason(
            f"文件名应以导入类型开头（{'、'.join(f'{k}-' for k in KINDS)}），无法识别「{name}」的类型"))
    if not name.lower().endswith(SUFFIXES):
        return _failed(engine, path, kind, _file_reason("只接受 .csv 或 .xlsx 文件"))
    try:
        data = path.read_bytes()
    except OSError as e:
        return _failed(engine, path, kind, _file_reason(f"无法读取文件（{type(e).__name__}）"))
    res = run_import(engine, kind, name, data, quarantine=quarantine, username=INBOX_USER)
    if res.status == "refused":
        _unless_transient(engine, res)
        reasons = res.rejects if len(res.rejects) else _file_reason(res.message)
        return _failed(engine, path, kind, reasons, res)
    target = _move(path, path.parent / DONE)
    side = None
    if res.rejected:
        side = target.with_name(target.name + REJECTS_SUFFIX)
        _write_atomically(side, to_csv_bytes(res.rejected_rows))
    outcome = FileOutcome(name, kind, "done", target, res.rejects, res, side)
    _record(engine, outcome)
    return outcome


def _unless_transient(engine: Engine, res: ImportResult) -> None:
    """Raise TryLater when the refusal says nothing about the file itself."""
    if len(res.rejects):
        return
    if res.message == BUSY_MESSAGE:
        raise TryLater(res.message)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure to answer means the database is away
        raise TryLater(f"数据库暂不可用（{type(e).__name__}）") from None


def _file_reason(message: str) -> pd.DataFrame:
    """A reason about the whole file (no row, no column)."""
    return pd.DataFrame([["", "", message]], columns=REJECT_COLUMNS)


def _failed(engine: Engine, path: Path, kind: str | None, reasons: pd.DataFrame,
            res: ImportResult | None = None) -> FileOutcome:
    target = _move(path, path.parent / FAILED)
    side = target.with_name(target.name + ERRORS_SUFFIX)
    _write_atomically(side, to_csv_bytes(reasons))
    outcome = FileOutcome(path.name, kind, "failed", target, reasons, res, side)
    _record(engine, outcome)
    return outcome


def _move(path: Path, folder: Path) -> Path:
    """Move into `folder`, never over an earlier file of the same name (`name~2.csv`, …)."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        n += 1
        stem, dot, ext = path.name.rpartition(".")
        target = folder / (f"{stem}~{n}.{ext}" if dot else f"{path.name}~{n}")
    os.replace(path, target)
    return target


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _record(engine: Engine, outcome: FileOutcome) -> None:
    """The feed_run log line and the audit row of one file (the import wrote its own as well)."""
    res = outcome.result
    fields = {"source": "inbox", "file": outcome.name, "kind": outcome.kind or "-", "stage": "end",
              "result": outcome.status, "moved_to": str(outcome.moved_to),
              "rows": res.rows_total if res else 0,
              "imported": (res.inserted + res.updated + res.unchanged) if res else 0,
              "rejected": res.rejected if res else 0}
    reason = "" if outcome.status == "done" else "；".join(str(r) for r in outcome.reasons["原因"].head(3))
    logs.event("feed_run", **fields, **({"reason": reason} if reason else {}))
    detail = (f"{outcome.status}; moved_to={outcome.moved_to.parent.name}/{outcome.moved_to.name}"
              f"; rows={fields['rows']} rejected={fields['rejected']}" + (f"; {reason}" if reason else ""))
    try:
        with engine.begin() as conn:
            audit.record(conn, username=INBOX_USER, action="feed_inbox", target=outcome.name, detail=detail)
    except Exception:  # noqa: BLE001 - the file is already where it belongs; the log line says so
        logs.event("feed_run", source="inbox", file=outcome.name, stage="audit_failed")
