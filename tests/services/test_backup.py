"""`backup --out DIR` while an import is writing, then `restore DIR` into an empty database, on
both engines: the manifest's counts are one consistent state (the import in flight is wholly
absent), the restored database has exactly the manifest's counts and frozen-month hashes, and a
restore that does not match, or into a database that is not empty, is refused with nothing written."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.cli.main import main
from dashboard.infra.db import make_engine
from dashboard.services import backup
from dashboard.services.assessment import signoff
from dashboard.services.bootstrap import init_db
from dashboard.services.ingest import run_import
from queries.schema import month_signoffs, ticket_facts, tickets
from tests.conftest import PG_ADMIN_URL

HEADER = "工单编号,接收时间,诉求类型,一级分类,标题,主要内容,被反映街乡镇,承办单位,是否纳入考核"
DECEMBER, FEBRUARY = 40, 3000


def tickets_csv(month: str, n: int, prefix: str) -> bytes:
    rows = [f"{prefix}{i:05d},{month}-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}:00,投诉,住房,物业,楼道灯坏了,"
            f"新华街道,新华街道,是" for i in range(n)]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def count(engine, table) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def frozen_december(engine) -> str:
    assert run_import(engine, "tickets", "dec.csv", tickets_csv("2025-12", DECEMBER, "D")).status == "ok"
    now = datetime(2026, 1, 3, 9, 0, 0)
    with engine.begin() as conn:
        signoff.vendor_confirm(conn, "2025-12", "pm", "manager", now=now)
        return signoff.approve(conn, "2025-12", "rev", "reviewer", now=now)["content_hash"]


@pytest.fixture
def empty_target(engine, tmp_path):
    """An empty database on the engine under test: SQLite, a file that does not exist yet;
    PostgreSQL, a new database after init-db (its seeded reference rows are allowed)."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"hotline_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    target = make_engine(url)
    init_db(target)
    target.dispose()
    yield url
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def backup_during_import(engine, out, monkeypatch) -> tuple[int, object, int]:
    """Run `backup` while an import of FEBRUARY tickets has written its rows but not committed;
    the import is let go and commits after the copy was taken and before the backup counts, so
    counts read anywhere but in the copy's snapshot would include it. Returns the backup's exit
    code, the import's result and the tickets the database held when the backup counted."""
    written, copied = threading.Event(), threading.Event()
    outcome = {}

    def progress(fraction, _text):
        if fraction >= 0.8:          # rows written, derived tables next, commit after
            written.set()
            copied.wait(120)

    def importer():
        own = make_engine(url_of(engine))
        try:
            outcome["result"] = run_import(own, "tickets", "feb.csv", tickets_csv("2026-02", FEBRUARY, "F"),
                                           progress=progress)
        finally:
            own.dispose()

    thread = threading.Thread(target=importer)
    read_facts = backup.read_facts

    def facts_after_the_import_committed(conn):
        copied.set()
        thread.join(120)
        outcome["held"] = count(engine, tickets)
        return read_facts(conn)

    monkeypatch.setattr(backup, "read_facts", facts_after_the_import_committed)
    thread.start()
    try:
        assert written.wait(120), "the import never reached its write step"
        code = main(["--db", url_of(engine), "backup", "--out", str(out)])
    finally:
        copied.set()
        thread.join(180)
    return code, outcome.get("result"), outcome.get("held")


def test_backup_while_importing_then_restore_into_empty_database(engine, empty_target, tmp_path, capsys,
                                                                  monkeypatch):
    december_hash = frozen_december(engine)
    out = tmp_path / "backup"
    code, imported, held = backup_during_import(engine, out, monkeypatch)
    assert code == 0, capsys.readouterr().err
    assert imported is not None and imported.status == "ok" and imported.inserted == FEBRUARY
    assert held == DECEMBER + FEBRUARY         # committed before the backup counted …

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", backup.DATA_FILES[engine.dialect.name]])
    assert manifest["engine"] == engine.dialect.name and manifest["schema_revision"] == "0014"
    # … yet the counts are the copy's: none of the import, all of what was committed before it
    assert manifest["tables"]["tickets"] == manifest["tables"]["ticket_facts"] == DECEMBER
    assert manifest["tables"]["month_signoffs"] == 1 and manifest["tables"]["units"] == 52
    assert manifest["frozen_months"] == {"2025-12": {"content_hash": december_hash, "data_hash": december_hash}}

    assert main(["--db", empty_target, "restore", str(out)]) == 0
    assert "行数与哈希均与清单一致" in capsys.readouterr().out
    restored = make_engine(empty_target)
    try:
        with restored.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            counts = {t: conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{t}"').scalar() for t in names}
            assert counts == manifest["tables"]
            assert conn.execute(sa.select(month_signoffs.c.content_hash)).scalars().all() == [december_hash]
            assert signoff.verify_hash(conn, "2025-12") is True
        assert count(restored, ticket_facts) == DECEMBER
    finally:
        restored.dispose()


def test_restore_refuses_a_database_that_is_not_empty(engine, tmp_path, capsys):
    frozen_december(engine)
    out = tmp_path / "b"
    assert main(["--db", url_of(engine), "backup", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["--db", url_of(engine), "restore", str(out)]) == 1
    err = capsys.readouterr().err
    assert "目标数据库不是空的" in err and "tickets（40 行）" in err and "未写入任何数据" in err
    assert count(engine, tickets) == DECEMBER


@pytest.mark.parametrize("tamper, words", [
    (lambda m: m["tables"].__setitem__("tickets", m["tables"]["tickets"] + 1), "表 tickets 有 40 行，清单为 41 行"),
    (lambda m: m["frozen_months"]["2025-12"].__setitem__("data_hash", "0" * 64), "2025-12 的数据哈希与清单不符"),
], ids=["count", "hash"])
def test_restore_refuses_a_mismatch_and_writes_nothing(engine, empty_target, tmp_path, capsys, tamper, words):
    frozen_december(engine)
    out = tmp_path / "b"
    assert main(["--db", url_of(engine), "backup", "--out", str(out)]) == 0
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    tamper(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", empty_target, "restore", str(out)]) == 1
    err = capsys.readouterr().err
    assert words in err and "未写入任何数据" in err
    target = make_engine(empty_target)
    try:
        backup.ensure_empty(target)          # still empty: a later restore may proceed
        with target.connect() as conn:
            assert sa.inspect(conn).has_table("tickets") == (engine.dialect.name == "postgresql")
    finally:
        target.dispose()


def test_restore_refuses_a_changed_file_or_another_engine(sqlite_engine, tmp_path, capsys):
    frozen_december(sqlite_engine)
    out = tmp_path / "b"
    assert main(["--db", url_of(sqlite_engine), "backup", "--out", str(out)]) == 0
    data = out / backup.DATA_FILES["sqlite"]
    data.write_bytes(data.read_bytes()[:-1] + b"\x01")
    capsys.readouterr()
    assert main(["--db", f"sqlite:///{tmp_path / 'new.db'}", "restore", str(out)]) == 1
    assert "SHA-256 与清单不符" in capsys.readouterr().err
    assert main(["--db", "postgresql+psycopg://127.0.0.1:1/hotline_down", "restore", str(out)]) == 1
    assert "备份来自 sqlite 数据库，不能恢复到 postgresql 数据库" in capsys.readouterr().err


def test_backup_refuses_a_folder_in_use(sqlite_engine, tmp_path, capsys):
    (tmp_path / "old.txt").write_text("x")
    assert main(["--db", url_of(sqlite_engine), "backup", "--out", str(tmp_path)]) == 1
    assert "备份目录已存在且不为空" in capsys.readouterr().err
    assert main(["--db", url_of(sqlite_engine), "restore", str(tmp_path / "nothing")]) == 1
    assert "不是完整的备份" in capsys.readouterr().err


def test_pg_tools_match_the_server(pg_engine):
    with pg_engine.connect() as conn:
        major = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    for tool in ("pg_dump", "pg_restore"):
        path = backup.pg_tool(tool, pg_engine)
        assert path.endswith(tool)
        if path.startswith("/usr/lib/postgresql/"):
            assert path.split("/")[4] == str(major)
