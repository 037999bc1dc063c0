"""Consistent backups while the app and imports run, and restores into an empty database
(docs/operations.md).

A backup is a folder: the database copy and manifest.json, written last, so a folder without a
manifest is an unfinished backup. The manifest holds the schema revision, the row count of every
table and every frozen month's hashes, all read in the same snapshot as the copy:

- SQLite: the online backup API copies the database in one step (one read transaction of the
  source, which writers in WAL mode do not block); the counts and hashes are read from the copy.
- PostgreSQL: a REPEATABLE READ transaction locks every table against schema changes, exports
  its snapshot, and `pg_dump --snapshot` dumps exactly what that transaction sees while it reads
  the counts and hashes.

A frozen month has two hashes: `content_hash`, stored when it was signed off, and `data_hash`,
computed again from the copy's rows the same way (dashboard.services.assessment.signoff). They
differ only when the month's data was changed after the sign-off; a restore must give both again.

`restore` refuses, writing nothing, unless the target is empty — no rows, except the reference
rows a fresh `init-db` seeds, which the backup's own replace — and the backup matches its manifest.
PostgreSQL loads the dump in one transaction and checks counts and hashes before committing it;
SQLite checks the backup file first, then copies it into the target in one step.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import psycopg
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from dashboard.infra import logs
from dashboard.infra.db import alembic_config, make_engine
from dashboard.services.assessment import signoff
from dashboard.services.bootstrap import init_db
from queries.schema import month_signoffs

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATA_FILES = {"sqlite": "hotline.sqlite3", "postgresql": "hotline.dump"}
LOCK_WAIT_SECONDS = 600        # for an import that is changing a table's indexes to finish
_COPY = re.compile(rb"^COPY .+ FROM stdin;\r?\n?$")


class BackupError(Exception):
    """A refused backup or restore; the message is Chinese, for the operator."""


# --- what a database holds: the manifest's facts -----------------------------------------------------

def _tables(conn: Connection) -> list[str]:
    return sorted(sa.inspect(conn).get_table_names())


def _count(conn: Connection, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {conn.dialect.identifier_preparer.quote(table)}").scalar_one())


def read_facts(conn: Connection) -> dict:
    """Schema revision, row count of every table, and each frozen month's stored and recomputed
    hashes, as `conn` sees them (run it inside the snapshot that is being copied)."""
    tables = _tables(conn)
    revision = None
    if "alembic_version" in tables:
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    frozen = {}
    if "month_signoffs" in tables:
        t = month_signoffs
        rows = conn.execute(sa.select(t.c.month, t.c.rules_version_id, t.c.content_hash, t.c.result_json)
                            .where(t.c.frozen).order_by(t.c.month)).all()
        for month, rules_version_id, stored, result_json in rows:
            data_hash = signoff.content_hash(conn, month, rules_version_id, json.loads(result_json)) \
                if result_json else None
            frozen[month] = {"content_hash": stored, "data_hash": data_hash}
    return {"schema_revision": revision, "tables": {t: _count(conn, t) for t in tables}, "frozen_months": frozen}


def mismatches(found: dict, manifest: dict) -> list[str]:
    """How `found` (read_facts) differs from the manifest, one Chinese line per difference."""
    out = []
    if found["schema_revision"] != manifest["schema_revision"]:
        out.append(f"结构版本 {found['schema_revision']}，清单为 {manifest['schema_revision']}")
    want, got = manifest["tables"], found["tables"]
    for table in sorted(set(want) | set(got)):
        if table not in got:
            out.append(f"缺少表 {table}")
        elif table not in want:
            out.append(f"多出表 {table}")
        elif got[table] != want[table]:
            out.append(f"表 {table} 有 {got[table]} 行，清单为 {want[table]} 行")
    want_m, got_m = manifest["frozen_months"], found["frozen_months"]
    for month in sorted(set(want_m) | set(got_m)):
        if month not in got_m:
            out.append(f"冻结月份 {month} 缺失")
        elif month not in want_m:
            out.append(f"多出冻结月份 {month}")
        else:
            if got_m[month]["content_hash"] != want_m[month]["content_hash"]:
                out.append(f"{month} 的签认哈希与清单不符")
            if got_m[month]["data_hash"] != want_m[month]["data_hash"]:
                out.append(f"{month} 的数据哈希与清单不符")
    return out


def changed_since_signoff(manifest: dict) -> list[str]:
    """Frozen months whose data no longer gives the hash stored at their sign-off."""
    return [m for m, h in manifest["frozen_months"].items() if h["data_hash"] != h["content_hash"]]


# --- backup -------------------------------------------------------------------------------------------

def backup(engine: Engine, out_dir: str | Path, *, now: datetime | None = None) -> dict:
    """Write the database copy and manifest.json into `out_dir` (new or empty); returns the manifest."""
    out = Path(out_dir)
    started = time.monotonic()
    kind = engine.dialect.name
    if kind not in DATA_FILES:
        raise BackupError(f"不支持备份 {kind} 数据库")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"备份目录已存在且不为空：{out}（请指定新目录，以免覆盖已有备份）")
    out.mkdir(parents=True, exist_ok=True)
    data = out / DATA_FILES[kind]
    part = data.with_name(data.name + ".part")
    try:
        facts = _backup_sqlite(engine, part) if kind == "sqlite" else _backup_postgresql(engine, part)
        os.replace(part, data)
    finally:
        part.unlink(missing_ok=True)
    manifest = {"format": FORMAT_VERSION, "engine": kind,
                "created_at": (now or datetime.now()).isoformat(sep=" ", timespec="seconds"),
                "file": data.name, "bytes": data.stat().st_size, "sha256": _sha256(data), **facts}
    _write_json(out / MANIFEST_NAME, manifest)
    logs.event("backup", engine=kind, dir=str(out), revision=manifest["schema_revision"],
               rows=sum(manifest["tables"].values()), frozen_months=len(manifest["frozen_months"]),
               seconds=round(time.monotonic() - started, 1))
    return manifest


def _backup_sqlite(engine: Engine, part: Path) -> dict:
    path = _sqlite_path(engine)
    if not Path(path).is_file():
        raise BackupError(f"数据库文件不存在：{path}")
    src = sqlite3.connect(path, timeout=30)
    try:
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)            # all pages in one step: one read transaction, one state
            dst.execute("PRAGMA journal_mode=DELETE")    # one self-contained file, readable read-only
        finally:
            dst.close()
    finally:
        src.close()
    with _sqlite_reader(part) as reader, reader.connect() as conn:
        return read_facts(conn)


def _backup_postgresql(engine: Engine, part: Path) -> dict:
    pg_dump = pg_tool("pg_dump", engine)
    with _snapshot(engine) as (conn, snapshot):
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={part}", f"--dbname={_libpq_url(engine)}"],
             engine, "pg_dump")
        return read_facts(conn)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A read-only REPEATABLE READ transaction whose snapshot is taken after it has locked every
    table against schema changes (ACCESS SHARE: ordinary reads and writes go on), and its id
    for pg_dump --snapshot. The locks are tried without waiting and tried again, so the backup
    never holds some tables while waiting for others (no deadlock with an import)."""
    with engine.connect() as probe:
        tables = _tables(probe)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        conn = engine.connect()
        trans = conn.begin()
        try:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if tables:
                names = ", ".join(conn.dialect.identifier_preparer.quote(t) for t in tables)
                conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS SHARE MODE NOWAIT")
            break
        except sa.exc.OperationalError as e:
            trans.rollback()
            conn.close()
            if getattr(e.orig, "sqlstate", None) != "55P03":
                raise
            if time.monotonic() > deadline:
                raise BackupError(f"等待 {LOCK_WAIT_SECONDS} 秒后仍有操作在修改表结构（如首次大批量导入），备份未进行，请稍后再试") from None
            time.sleep(1)
    try:
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        yield conn, str(snapshot)
    finally:
        trans.rollback()          # read only: nothing to keep
        conn.close()


# --- restore ------------------------------------------------------------------------------------------

def read_manifest(src_dir: str | Path) -> dict:
    path = Path(src_dir) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"不是完整的备份：{path} 不存在") from None
    except (OSError, ValueError) as e:
        raise BackupError(f"无法读取备份清单 {path}：{e}") from None
    keys = {"format", "engine", "file", "sha256", "schema_revision", "tables", "frozen_months"}
    if not isinstance(manifest, dict) or not keys <= set(manifest) or manifest["format"] != FORMAT_VERSION:
        raise BackupError(f"备份清单格式不符：{path}")
    return manifest


def restore(engine: Engine, src_dir: str | Path) -> dict:
    """Load the backup in `src_dir` into the empty database of `engine`, checked against its
    manifest; refuses (BackupError, nothing written) otherwise. Returns the manifest."""
    src = Path(src_dir)
    started = time.monotonic()
    manifest = read_manifest(src)
    kind = engine.dialect.name
    if manifest["engine"] != kind:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，不能恢复到 {kind} 数据库")
    data = src / Path(manifest["file"]).name
    if not data.is_file():
        raise BackupError(f"备份文件不存在：{data}")
    if _sha256(data) != manifest["sha256"]:
        raise BackupError(f"备份文件已损坏或被改动（SHA-256 与清单不符）：{data}")
    if manifest["schema_revision"] not in known_revisions():
        raise BackupError(f"备份的结构版本 {manifest['schema_revision']} 不是本程序已知的版本（备份来自更新的程序？），"
                          "请用备份时的程序版本恢复")
    ensure_empty(engine)
    if kind == "sqlite":
        _restore_sqlite(engine, data, manifest)
    else:
        _restore_postgresql(engine, data, manifest)
    logs.event("restore", engine=kind, dir=str(src), revision=manifest["schema_revision"],
               rows=sum(manifest["tables"].values()), frozen_months=len(manifest["frozen_months"]),
               seconds=round(time.monotonic() - started, 1))
    return manifest


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


@lru_cache(maxsize=1)
def seeded_counts() -> dict[str, int]:
    """The rows per table of a freshly initialised database (reference data, schema version)."""
    scratch = make_engine("sqlite://")
    try:
        init_db(scratch)
        with scratch.connect() as conn:
            return {t: n for t in _tables(conn) if (n := _count(conn, t))}
    finally:
        scratch.dispose()


def ensure_empty(engine: Engine) -> None:
    """Refuse a target holding anything beyond what a fresh init-db seeds."""
    seeded = seeded_counts()
    with engine.connect() as conn:
        held = [(t, n) for t in _tables(conn) if (n := _count(conn, t)) > seeded.get(t, 0)]
    held.sort(key=lambda item: -item[1])          # the largest tables say most about what it holds
    if held:
        listed = "、".join(f"{t}（{n} 行）" for t, n in held[:6]) + ("等" if len(held) > 6 else "")
        raise BackupError(f"目标数据库不是空的：{listed}。只能恢复到空数据库（无数据，或只运行过 init-db），未写入任何数据")


def _restore_sqlite(engine: Engine, data: Path, manifest: dict) -> None:
    with _sqlite_reader(data) as reader, reader.connect() as conn:
        wrong = mismatches(read_facts(conn), manifest)
    if wrong:
        raise BackupError("备份内容与清单不符，未写入任何数据：" + "；".join(wrong[:10]))
    target = _sqlite_path(engine)
    engine.dispose()
    src = sqlite3.connect(f"file:{quote(str(data.resolve()))}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)        # replaces the whole target in one write transaction
        finally:
            dst.close()
    finally:
        src.close()
    with engine.connect() as conn:
        counts = {t: _count(conn, t) for t in _tables(conn)}
    if counts != manifest["tables"]:
        raise BackupError("恢复后的行数与清单不符，请检查目标数据库（可能有其他程序同时写入）")


def _restore_postgresql(engine: Engine, data: Path, manifest: dict) -> None:
    pg_restore = pg_tool("pg_restore", engine)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        try:
            with conn.begin():
                # a newer schema's tables the backup does not have (its own are replaced by --clean)
                for table in set(_tables(conn)) - set(manifest["tables"]):
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {conn.dialect.identifier_preparer.quote(table)} CASCADE")
                with tempfile.TemporaryFile() as errors:
                    proc = subprocess.Popen([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                                             "--file=-", str(data)], stdout=subprocess.PIPE, stderr=errors)
                    assert proc.stdout is not None
                    try:
                        run_script(raw, proc.stdout)
                    finally:
                        proc.stdout.close()
                        code = proc.wait()
                    if code != 0:
                        errors.seek(0)
                        raise BackupError(f"pg_restore 失败，未写入任何数据：{_tail(errors.read())}")
                conn.exec_driver_sql("RESET ALL")     # the script's session settings (search_path '')
                wrong = mismatches(read_facts(conn), manifest)
                if wrong:
                    raise BackupError("恢复结果与清单不符，已撤销，未写入任何数据：" + "；".join(wrong[:10]))
        except (sa.exc.DBAPIError, psycopg.Error) as e:
            raise BackupError(f"恢复失败，已撤销，未写入任何数据：{_first_line(e)}") from None


def run_script(raw, lines: Iterable[bytes]) -> None:
    """Execute a pg_restore SQL script on the psycopg connection `raw`, in its transaction: plain
    statements as they come, `COPY … FROM stdin` blocks through COPY, psql's own commands skipped."""
    cur = raw.cursor()
    pending: list[bytes] = []
    it = iter(lines)
    for line in it:
        if _COPY.match(line):
            _execute(cur, pending)
            with cur.copy(line.rstrip().rstrip(b";").decode("utf-8")) as copy:
                chunk = bytearray()
                for row in it:
                    if row.rstrip(b"\r\n") == b"\\.":
                        break
                    chunk += row
                    if len(chunk) >= 1 << 20:
                        copy.write(bytes(chunk))
                        chunk.clear()
                if chunk:
                    copy.write(bytes(chunk))
        elif line.startswith(b"\\"):      # \restrict, \unrestrict and other psql meta-commands
            continue
        else:
            pending.append(line)
    _execute(cur, pending)


def _execute(cur, pending: list[bytes]) -> None:
    text = b"".join(pending).decode("utf-8")
    pending.clear()
    if any(s.strip() and not s.lstrip().startswith("--") for s in text.splitlines()):
        cur.execute(text)


# --- helpers -------------------------------------------------------------------------------------------

def pg_tool(name: str, engine: Engine | None = None) -> str:
    """pg_dump / pg_restore: HOTLINE_PG_BINDIR, else the server's own major version's, else
    pg_config's, else the newest installed, else the PATH's."""
    candidates: list[Path] = []
    if os.environ.get("HOTLINE_PG_BINDIR"):
        candidates.append(Path(os.environ["HOTLINE_PG_BINDIR"]) / name)
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0, reverse=True)
    if engine is not None:
        with engine.connect() as conn:
            major = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
        candidates += [p for p in installed if p.parent.parent.name == str(major)]
    try:
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
        if bindir:
            candidates.append(Path(bindir) / name)
    except (OSError, subprocess.SubprocessError):
        pass
    candidates += installed
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise BackupError(f"找不到 {name}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端，或用 HOTLINE_PG_BINDIR 指明其目录")


def _libpq_url(engine: Engine) -> str:
    """The URL for pg_dump (libpq), without the driver name and without the password (PGPASSWORD)."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(argv: list[str], engine: Engine, what: str) -> None:
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    proc = subprocess.run(argv, env=env, capture_output=True)
    if proc.returncode != 0:
        raise BackupError(f"{what} 失败：{_tail(proc.stderr)}")


def _tail(stderr: bytes) -> str:
    lines = [s for s in stderr.decode("utf-8", "replace").strip().splitlines() if s.strip()]
    return logs.scrub(" / ".join(lines[-3:])) if lines else "（无输出）"


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return logs.scrub(text.splitlines()[0]) if text else type(error).__name__


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("内存数据库不能备份或恢复，请指定数据库文件")
    return path


@contextmanager
def _sqlite_reader(path: Path) -> Iterator[Engine]:
    """A read-only engine on a SQLite file (the backup is never changed by reading it)."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_json(path: Path, obj: dict) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(part, path)
