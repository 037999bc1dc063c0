"""Operational logs (dashboard.infra.logs): one line per event on stderr, key=value or JSON, for
sign-in, failed sign-in, sign-out, refusal, import, sign-off and reopen, database outages, the
connection breaker and slow queries; never a password, cookie, token or phone number."""
from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.infra import breaker, logs
from dashboard.infra.db import make_engine
from dashboard.services.assessment import signoff
from dashboard.services.ingest import run_import
from dashboard.web import live
from dashboard.web.reads import fresh
from tests.support.app_database import PASSWORD
from tests.support.apptest import app_as, password_sign_in

DOWN = "postgresql+psycopg://127.0.0.1:1/hotline_down"
PHONE = "13912345678"
HEADER = "工单编号,接收时间,诉求类型,一级分类,标题,主要内容,被反映街乡镇,承办单位,是否纳入考核"


def tickets_csv(month: str, n: int, *, prefix: str = "L") -> bytes:
    rows = [f"{prefix}{i:05d},{month}-{1 + i % 28:02d} {8 + i % 10:02d}:00:00,投诉,住房,物业,"
            f"请回电 {PHONE} 楼道灯坏了,新华街道,新华街道,是" for i in range(n)]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def log_lines(monkeypatch, capsys):
    """Events from info on, key=value; read() → the event lines written since, as dicts."""
    monkeypatch.delenv("HOTLINE_LOG_FORMAT", raising=False)
    monkeypatch.delenv("HOTLINE_LOG_LEVEL", raising=False)
    logs.configure(logging.INFO)
    capsys.readouterr()
    seen: list[str] = []

    def read() -> list[dict]:
        err = capsys.readouterr().err
        seen.append(err)
        return [parse_kv(line) for line in err.splitlines() if line.startswith("ts=")]

    read.text = lambda: "".join(seen)  # type: ignore[attr-defined]
    yield read
    logs.configure(logging.INFO)


def parse_kv(line: str) -> dict:
    """A key=value line back into a dict (values in double quotes may hold spaces and \\-escapes)."""
    out, i = {}, 0
    while i < len(line):
        eq = line.index("=", i)
        key = line[i:eq]
        if line[eq + 1:eq + 2] == '"':
            j, value = eq + 2, []
            while line[j] != '"':
                if line[j] == "\\":
                    j += 1
                    value.append({"n": "\n", "r": "\r"}.get(line[j], line[j]))
                else:
                    value.append(line[j])
                j += 1
            out[key] = "".join(value)
            i = j + 2
        else:
            end = line.find(" ", eq)
            end = len(line) if end < 0 else end
            out[key] = line[eq + 1:end]
            i = end + 1
    return out


def events(lines: list[dict], name: str) -> list[dict]:
    return [e for e in lines if e.get("event") == name]


# --- formatting ------------------------------------------------------------------------------------

def test_key_value_line_quotes_and_masks():
    record = logging.LogRecord("dashboard.events", logging.INFO, __file__, 1, "x", None, None)
    record.hotline_event = "sign_in"
    record.hotline_fields = {"user": "u_leader", "password": "hunter2", "cookie_key": "abc", "note": f"电话 {PHONE}",
                             "page": "月度考核", "text": "call 010-69541234 now"}
    line = logs.EventFormatter().format(record)
    assert line.startswith("ts=") and "\n" not in line
    fields = parse_kv(line)
    assert fields["event"] == "sign_in" and fields["level"] == "info" and fields["user"] == "u_leader"
    assert fields["password"] == fields["cookie_key"] == "***"
    assert fields["note"] == "电话 ***" and fields["text"] == "call *** now" and fields["page"] == "月度考核"
    assert "hunter2" not in line and PHONE not in line and "69541234" not in line


def test_json_lines(monkeypatch, capsys):
    monkeypatch.setenv("HOTLINE_LOG_FORMAT", "json")
    logs.configure(logging.INFO)
    try:
        capsys.readouterr()
        logs.event("refused", user="u_display", role="display", page="月度考核", token="t0ken")
        line = capsys.readouterr().err.strip()
    finally:
        monkeypatch.delenv("HOTLINE_LOG_FORMAT")
        logs.configure(logging.INFO)
    data = json.loads(line)
    assert data["event"] == "refused" and data["level"] == "warning" and data["page"] == "月度考核"
    assert data["token"] == "***" and "t0ken" not in line


def test_level_from_environment(monkeypatch, capsys):
    monkeypatch.setenv("HOTLINE_LOG_LEVEL", "warning")
    logs.configure(logging.INFO)
    try:
        capsys.readouterr()
        logs.event("sign_in", user="a")
        logs.event("sign_in_failed", user="b")
        err = capsys.readouterr().err
    finally:
        monkeypatch.delenv("HOTLINE_LOG_LEVEL")
        logs.configure(logging.INFO)
    assert "event=sign_in_failed" in err and "event=sign_in " not in err


def test_sql_parameters_are_cut_from_errors():
    text = "(sqlite3.IntegrityError) UNIQUE failed\n[SQL: INSERT INTO t VALUES (?)]\n[parameters: ('x', '13812345678')]"
    assert logs.scrub(text).endswith("[parameters: ***]") and "1381234" not in logs.scrub(text)


# --- sign-in, failed sign-in, sign-out, refusal (through the app) ------------------------------------

def _login(username, password):
    return password_sign_in(app_as(None), username, password)


@pytest.mark.usefixtures("through_app")
def test_sign_in_failed_sign_in_and_sign_out(app_db, log_lines):
    at = _login("u_leader", PASSWORD)
    assert not at.exception
    lines = log_lines()
    (signed_in,) = events(lines, "sign_in")
    assert signed_in["user"] == "u_leader" and signed_in["role"] == "leader" and signed_in["level"] == "info"

    at.button(key="sign_out_button").click().run()
    (signed_out,) = events(log_lines(), "sign_out")
    assert signed_out["user"] == "u_leader"

    _login("u_analyst", "not the password at all")
    _login(PASSWORD, "x" * 12)           # a password typed into the user name field
    failed = events(log_lines(), "sign_in_failed")
    assert [(f.get("user"), f.get("user_known"), f["reason"], f["level"]) for f in failed] == [
        ("u_analyst", None, "credentials", "warning"), (None, "false", "credentials", "warning")]
    text = log_lines.text()
    assert PASSWORD not in text and "not the password" not in text and "x" * 12 not in text


def test_refusal(app_db, log_lines):
    at = app_as("display", "pages/assessment.py")
    assert at.error and "无权访问" in at.error[0].value
    refused = events(log_lines(), "refused")
    assert [(r["user"], r["role"], r["page"], r["level"]) for r in refused] == [("u_display", "display", "月度考核", "warning")]


# --- import, sign-off, reopen --------------------------------------------------------------------------

def test_import_logged_without_citizen_text(engine, log_lines):
    res = run_import(engine, "tickets", "dec.csv", tickets_csv("2025-12", 12), username="analyst1")
    assert res.status == "ok", res.message
    bad = run_import(engine, "tickets", "bad.csv", "工单编号,标题\nX1,无接收时间\n".encode(), username="analyst1")
    assert bad.status == "refused"
    imports = events(log_lines(), "import")
    assert [(e["kind"], e["file"], e["rows"], e["inserted"], e["result"], e["user"]) for e in imports] == [
        ("tickets", "dec.csv", "12", "12", "ok", "analyst1"), ("tickets", "bad.csv", "0", "0", "refused", "analyst1")]
    assert PHONE not in log_lines.text() and "楼道灯" not in log_lines.text()


def test_signoff_and_reopen(engine, log_lines):
    assert run_import(engine, "tickets", "dec.csv", tickets_csv("2025-12", 5)).status == "ok"
    now = datetime(2026, 1, 3, 9, 0, 0)
    with engine.begin() as conn:
        signoff.vendor_confirm(conn, "2025-12", "pm", "manager", now=now)
        frozen = signoff.approve(conn, "2025-12", "rev", "reviewer", now=now)
        signoff.unfreeze(conn, "2025-12", "root", "admin", "更正一张工单")
    lines = log_lines()
    steps = [(e["month"], e["step"], e["user"], e.get("sha256")) for e in events(lines, "signoff")]
    assert steps == [("2025-12", "vendor_confirmed", "pm", None), ("2025-12", "frozen", "rev", frozen["content_hash"])]
    (reopened,) = events(lines, "reopen")
    assert (reopened["month"], reopened["user"], reopened["old_sha256"]) == ("2025-12", "root", frozen["content_hash"])
    assert "更正一张工单" not in log_lines.text()


# --- database outage and the breaker -----------------------------------------------------------------

@pytest.fixture
def fresh_watch(monkeypatch):
    monkeypatch.setattr(logs, "outage", logs.OutageWatch())
    breaker.reset_all()
    live.forget()
    live.last_good.clear()
    yield
    breaker.reset_all()
    live.forget()
    live.last_good.clear()


def test_simulated_outage_begin_breaker_and_end(sqlite_engine, log_lines, fresh_watch):
    down = make_engine(DOWN)
    target = {"engine": sqlite_engine}

    def count_units():
        with target["engine"].connect() as conn:
            return conn.execute(sa.text("SELECT COUNT(*) FROM units")).scalar()

    assert live.fetch("units", count_units).ok
    target["engine"] = down                      # the database goes away
    for _ in range(4):
        got = live.fetch("units", count_units)
        assert not got.ok and got.value == 52     # the wall keeps its last figure
    target["engine"] = sqlite_engine             # and comes back
    assert live.fetch("units", count_units).ok
    lines = log_lines()
    names = [e["event"] for e in lines if e["event"] in ("db_outage_begin", "db_outage_end", "breaker")]
    assert names == ["db_outage_begin", "breaker", "db_outage_end"]
    (begin,) = events(lines, "db_outage_begin")
    assert begin["level"] == "error" and "127.0.0.1" in begin["error"]
    (change,) = events(lines, "breaker")
    assert (change["old"], change["new"], change["level"]) == ("closed", "open", "warning") and "hotline_down" in change["db"]
    down.dispose()


def test_desk_reads_log_the_outage_once(sqlite_engine, log_lines, fresh_watch):
    state = {"up": True}

    @fresh
    def backlog_total():
        if not state["up"]:
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
        return 7

    assert backlog_total() == 7
    state["up"] = False
    with live.desk_run() as run:
        assert backlog_total() == 7 and backlog_total() == 7     # the last good answer, twice
    assert run.served == 2
    state["up"] = True
    assert backlog_total() == 7
    names = [e["event"] for e in log_lines() if e["event"].startswith("db_outage")]
    assert names == ["db_outage_begin", "db_outage_end"]


def test_statement_timeout_is_not_an_outage(log_lines, fresh_watch):
    class QueryCanceled(Exception):
        pass

    error = sa.exc.OperationalError("SELECT 1", {}, QueryCanceled("canceling statement due to statement timeout"))
    live.fetch("slow", lambda: (_ for _ in ()).throw(error))
    assert not events(log_lines(), "db_outage_begin")


# --- slow queries ---------------------------------------------------------------------------------------

def test_slow_query_logged_without_parameters(sqlite_engine, log_lines, monkeypatch):
    monkeypatch.setattr(logs, "SLOW_QUERY_SECONDS", 0.0)
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT   COUNT(*)\n FROM units WHERE name <> :p"), {"p": PHONE}).scalar() == 52
    slow = [e for e in events(log_lines(), "slow_query") if "FROM units" in e["statement"]]
    assert slow and slow[0]["statement"] == "SELECT COUNT(*) FROM units WHERE name <> ?" and slow[0]["db"] == "sqlite"
    assert PHONE not in log_lines.text()


def test_a_query_over_one_second_on_postgresql(pg_engine, log_lines):
    assert logs.SLOW_QUERY_SECONDS == 1.0
    with pg_engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_sleep(0.2), :p"), {"p": PHONE})
        conn.execute(sa.text("SELECT pg_sleep(1.05), :p"), {"p": PHONE})
    slow = events(log_lines(), "slow_query")
    assert [s["statement"] for s in slow] == ["SELECT pg_sleep(1.05), %(p)s"]
    assert int(slow[0]["ms"]) >= 1050 and slow[0]["level"] == "warning"
    assert PHONE not in log_lines.text()
