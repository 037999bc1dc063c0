"""The inbox feed: which files are taken and when, done/ and failed/ with the reasons beside them,
quarantine, idempotence, and a run killed mid-file."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from dashboard.cli.main import main
from dashboard.services.feed import inbox
from queries.schema import audit_log, import_log, staff, ticket_events, tickets
from tests.support.december_files import count, url_of
from tests.support.paths import FIXTURES, ROOT

DEC_TICKETS = (FIXTURES / "dec_tickets.csv").read_text(encoding="utf-8")
TICKET_HEADER = "工单编号,接收时间,诉求类型,紧急程度,时限类型,一级分类,标题,被反映街乡镇"


def drop(folder: Path, name: str, text: str, *, age: float = 60.0) -> Path:
    """A file written `age` seconds ago (its size has not changed since)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def small_tickets(*rows: tuple[str, str, str]) -> str:
    """Ticket rows (工单编号, 接收时间, 标题)."""
    lines = [TICKET_HEADER] + [f"{no},{at},投诉,一般,一般,城乡建设,{title},新华街道" for no, at, title in rows]
    return "\n".join(lines) + "\n"


def run(engine, folder: Path, **kw) -> list[inbox.FileOutcome]:
    return inbox.process_ready(engine, folder, watch=inbox.SettleWatch(0.0), **kw)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_files_are_imported_in_name_order_and_moved_to_done(engine, tmp_path):
    # the later file updates the ticket the earlier one made: name order decides the title kept
    drop(tmp_path, "tickets-20261206-1300.csv", small_tickets(("N1", "2026-12-06 10:00:00", "第二次")))
    drop(tmp_path, "tickets-20261206-1200.csv", small_tickets(("N1", "2026-12-06 10:00:00", "第一次"),
                                                              ("N2", "2026-12-06 11:00:00", "路灯不亮")))
    outcomes = run(engine, tmp_path)
    assert [(o.name, o.status) for o in outcomes] == [("tickets-20261206-1200.csv", "done"),
                                                      ("tickets-20261206-1300.csv", "done")]
    assert listing(tmp_path) == ["done/tickets-20261206-1200.csv", "done/tickets-20261206-1300.csv"]
    with engine.connect() as c:
        assert c.execute(sa.select(tickets.c.ticket_no, tickets.c.title).order_by(tickets.c.ticket_no)).all() == [
            ("N1", "第二次"), ("N2", "路灯不亮")]
        # the import history shows them like uploads, by the inbox
        hist = c.execute(sa.select(import_log.c.file_name, import_log.c.username, import_log.c.status,
                                   import_log.c.rows_inserted, import_log.c.rows_updated)
                         .order_by(import_log.c.id)).all()
        assert hist == [("tickets-20261206-1200.csv", "收件箱", "ok", 2, 0),
                        ("tickets-20261206-1300.csv", "收件箱", "ok", 0, 1)]
        audited = c.execute(sa.select(audit_log.c.action, audit_log.c.target).where(audit_log.c.username == "收件箱")
                            .order_by(audit_log.c.id)).all()
        assert audited == [("import", "tickets:tickets-20261206-1200.csv"),
                           ("feed_inbox", "tickets-20261206-1200.csv"),
                           ("import", "tickets:tickets-20261206-1300.csv"),
                           ("feed_inbox", "tickets-20261206-1300.csv")]


def test_hidden_and_partly_written_names_are_left_alone(tmp_path):
    for name in (".tickets-1.csv", "tickets-2.csv.part", "tickets-3.csv.tmp", "tickets-4.CSV.PART"):
        drop(tmp_path, name, "x")
    (tmp_path / "tickets-5.csv").mkdir()
    drop(tmp_path, "staff-b.csv", "x")
    drop(tmp_path, "events-a.xlsx", "x")
    assert [p.name for p in inbox.candidates(tmp_path)] == ["events-a.xlsx", "staff-b.csv"]


def test_a_file_is_taken_once_its_size_has_not_changed_for_the_settle_time(tmp_path):
    clock = [time.time()]
    watch = inbox.SettleWatch(inbox.SETTLE_SECONDS, clock=lambda: clock[0])
    path = drop(tmp_path, "tickets-1.csv", "工单编号\n", age=0.0)
    assert not watch.ready(path)                    # just written
    clock[0] += inbox.SETTLE_SECONDS - 1
    assert not watch.ready(path)
    with path.open("a", encoding="utf-8") as f:     # the writer goes on: the count starts again
        f.write("N1\n")
    clock[0] += 2
    assert not watch.ready(path)
    clock[0] += inbox.SETTLE_SECONDS - 0.5
    assert not watch.ready(path)
    clock[0] += 0.5
    assert watch.ready(path)
    # a file that has not changed for a while is taken at the first look
    old = drop(tmp_path, "tickets-2.csv", "工单编号\n", age=inbox.SETTLE_SECONDS + 1)
    assert inbox.SettleWatch(inbox.SETTLE_SECONDS).ready(old)
    assert inbox.SETTLE_SECONDS == 5.0


def test_fresh_files_wait_for_a_later_round(sqlite_engine, tmp_path):
    drop(tmp_path, "tickets-1.csv", small_tickets(("N1", "2026-12-06 10:00:00", "路灯不亮")), age=0.0)
    assert inbox.process_ready(sqlite_engine, tmp_path) == []
    assert listing(tmp_path) == ["tickets-1.csv"]


def test_a_bad_file_goes_to_failed_with_its_reasons_in_chinese(sqlite_engine, tmp_path):
    drop(tmp_path, "staff-a.csv", (FIXTURES / "dec_staff.csv").read_text(encoding="utf-8"))
    drop(tmp_path, "tickets-1.csv", DEC_TICKETS.replace("2025/12/1 9:00:00", "2025-13-45 99:00"))
    outcomes = run(sqlite_engine, tmp_path)
    assert [o.status for o in outcomes] == ["done", "failed"]
    assert listing(tmp_path) == ["done/staff-a.csv", "failed/tickets-1.csv", "failed/tickets-1.csv.errors.csv"]
    errors = pd.read_csv(tmp_path / "failed" / "tickets-1.csv.errors.csv", dtype=str, encoding="utf-8-sig")
    assert list(errors.columns) == ["行号", "列", "原因"]
    assert errors.values.tolist() == [["3", "接收时间", '无法识别的时间 "2025-13-45 99:00"']]
    assert count(sqlite_engine, tickets) == 0 and count(sqlite_engine, ticket_events) == 0
    assert count(sqlite_engine, staff) == 4
    with sqlite_engine.connect() as c:
        assert c.execute(sa.select(import_log.c.status).order_by(import_log.c.id)).scalars().all() == ["ok", "refused"]


def test_an_unknown_kind_goes_to_failed_with_a_reason(sqlite_engine, tmp_path):
    drop(tmp_path, "orders-1.csv", small_tickets(("N1", "2026-12-06 10:00:00", "路灯不亮")))
    drop(tmp_path, "tickets.csv", small_tickets(("N1", "2026-12-06 10:00:00", "路灯不亮")))
    drop(tmp_path, "tickets-1.txt", "工单编号\nN1\n")
    outcomes = run(sqlite_engine, tmp_path)
    assert [(o.name, o.status) for o in outcomes] == [("orders-1.csv", "failed"), ("tickets-1.txt", "failed"),
                                                      ("tickets.csv", "failed")]
    reason = pd.read_csv(tmp_path / "failed" / "orders-1.csv.errors.csv", dtype=str, encoding="utf-8-sig")
    assert "文件名应以导入类型开头" in reason["原因"][0] and "orders-1.csv" in reason["原因"][0]
    txt = pd.read_csv(tmp_path / "failed" / "tickets-1.txt.errors.csv", dtype=str, encoding="utf-8-sig")
    assert txt["原因"][0] == "只接受 .csv 或 .xlsx 文件"
    assert count(sqlite_engine, tickets) == 0
    with sqlite_engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(audit_log)
                         .where(audit_log.c.action == "feed_inbox")).scalar_one() == 3


def test_quarantine_imports_the_valid_rows_and_keeps_the_rest_beside_the_file(sqlite_engine, tmp_path):
    drop(tmp_path, "tickets-q.csv", DEC_TICKETS.replace("T005,2025-12-15 10:00,举报", "T005,2025-12-15 10:00,吐槽"))
    [outcome] = run(sqlite_engine, tmp_path, quarantine=True)
    assert outcome.status == "done" and outcome.result.status == "partial"
    assert listing(tmp_path) == ["done/tickets-q.csv", "done/tickets-q.csv.rejects.csv"]
    assert count(sqlite_engine, tickets) == 12
    rejects = pd.read_csv(tmp_path / "done" / "tickets-q.csv.rejects.csv", dtype=str, encoding="utf-8-sig")
    assert list(rejects["行号"]) == ["6"] and list(rejects["工单编号"]) == ["T005"]
    assert "诉求类型" in rejects["原因"][0] and "吐槽" in rejects["原因"][0]


def test_the_same_file_twice_changes_nothing(sqlite_engine, tmp_path):
    drop(tmp_path, "tickets-1.csv", DEC_TICKETS)
    run(sqlite_engine, tmp_path)
    before = (count(sqlite_engine, tickets), count(sqlite_engine, ticket_events))
    drop(tmp_path, "tickets-1.csv", DEC_TICKETS)
    [again] = run(sqlite_engine, tmp_path)
    assert again.status == "done" and (again.result.inserted, again.result.updated) == (0, 0)
    assert again.result.unchanged == 13
    assert (count(sqlite_engine, tickets), count(sqlite_engine, ticket_events)) == before == (13, 16)
    # the first copy is kept; the second lies beside it
    assert listing(tmp_path) == ["done/tickets-1.csv", "done/tickets-1~2.csv"]


def test_a_database_that_is_away_leaves_the_files_in_the_inbox(tmp_path):
    from dashboard.infra.db import make_engine

    drop(tmp_path, "tickets-1.csv", small_tickets(("N1", "2026-12-06 10:00:00", "路灯不亮")))
    drop(tmp_path, "tickets-2.csv", small_tickets(("N2", "2026-12-06 10:00:00", "路灯不亮")))
    away = make_engine("postgresql+psycopg://127.0.0.1:1/hotline")    # nothing listens there
    assert run(away, tmp_path) == []
    assert listing(tmp_path) == ["tickets-1.csv", "tickets-2.csv"]


def test_cli_once_prints_what_became_of_each_file(sqlite_engine, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    drop(folder, "tickets-1.csv", small_tickets(("N1", "2026-12-06 10:00:00", "路灯不亮")))
    drop(folder, "manual-x.csv", "月份,类型,分值,事由\n2026-13,加分,1,好\n")
    assert main(["--db", url_of(sqlite_engine), "feed", "--inbox", str(folder), "--once"]) == 0
    out = capsys.readouterr().out
    assert "已导入 tickets-1.csv → done/tickets-1.csv：工单：共 1 行，新增 1" in out
    assert "未导入 manual-x.csv → failed/manual-x.csv，原因见 manual-x.csv.errors.csv" in out
    assert count(sqlite_engine, tickets) == 1


def test_cli_refuses_a_missing_inbox_a_missing_source_file_and_both_at_once(sqlite_engine, tmp_path, capsys):
    url = url_of(sqlite_engine)
    assert main(["--db", url, "feed", "--inbox", str(tmp_path / "nope"), "--once"]) == 1
    assert "收件箱目录不存在" in capsys.readouterr().err
    assert main(["feed", str(tmp_path / "source.yaml"), "--once", "--db", url]) == 1
    assert "无法读取数据源文件" in capsys.readouterr().err
    assert main(["feed", str(tmp_path / "source.yaml"), "--inbox", str(tmp_path), "--db", url]) == 2
    assert "请只指定一种数据来源" in capsys.readouterr().err
    assert main(["--db", url, "feed"]) == 2


def big_tickets(n: int) -> str:
    rows = [f"K{i:06d},2026-11-{1 + i % 28:02d} {i % 24:02d}:00:00,投诉,一般,一般,城乡建设,路灯不亮,新华街道"
            for i in range(n)]
    return TICKET_HEADER + "\n" + "\n".join(rows) + "\n"


def test_a_run_killed_mid_file_leaves_the_file_in_the_inbox_and_the_database_unchanged(tmp_path):
    db = f"sqlite:///{tmp_path / 'feed.db'}"
    folder = tmp_path / "in"
    folder.mkdir()
    drop(folder, "tickets-big.csv", big_tickets(60_000))
    assert main(["--db", db, "init-db"]) == 0
    cmd = [sys.executable, "-m", "dashboard", "--db", db, "feed", "--inbox", str(folder), "--once"]
    env = {**os.environ, "HOTLINE_LOG_FORMAT": "", "HOTLINE_LOG_LEVEL": "info"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:                       # the feed says when it starts on a file
            if "event=feed_run" in line and "stage=start" in line:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert listing(folder) == ["tickets-big.csv"]
    from dashboard.infra.db import make_engine

    eng = make_engine(db)
    assert count(eng, tickets) == 0 and count(eng, import_log) == 0
    # the next run takes it whole
    assert main(["--db", db, "feed", "--inbox", str(folder), "--once"]) == 0
    assert listing(folder) == ["done/tickets-big.csv"]
    assert count(eng, tickets) == 60_000
    eng.dispose()


def test_an_xlsx_file_is_imported_like_a_csv(sqlite_engine, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    staff_rows = pd.read_csv(FIXTURES / "dec_staff.csv", dtype=str, keep_default_na=False)
    ws.append(list(staff_rows.columns))
    for row in staff_rows.itertuples(index=False):
        ws.append(list(row))
    path = tmp_path / "staff-20261206.xlsx"
    wb.save(path)
    then = time.time() - 60
    os.utime(path, (then, then))
    [outcome] = run(sqlite_engine, tmp_path)
    assert (outcome.status, outcome.result.inserted) == ("done", 4)
    assert count(sqlite_engine, staff) == 4
    assert listing(tmp_path) == ["done/staff-20261206.xlsx"]
