"""`python -m dashboard health`: 0 healthy; 1 with one line per problem (database unreachable,
schema not at the newest migration); 2 with one line per warning when only the working-day
calendar lacks some of the next 60 days."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from dashboard.cli.main import main
from dashboard.infra.db import alembic_config, make_engine
from dashboard.services import health

DOWN = "postgresql+psycopg://127.0.0.1:1/hotline_down"
IN_A_KNOWN_YEAR = "2026-06-01 09:00:00"      # the next 60 days are all in 2026, which the package knows


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_health(capsys, url: str, now: str) -> tuple[int, list[str]]:
    code = main(["--db", url, "health", "--now", now])
    return code, capsys.readouterr().out.strip().splitlines()


def test_healthy_database_exits_0(engine, capsys):
    code, lines = run_health(capsys, url_of(engine), IN_A_KNOWN_YEAR)
    assert code == 0
    assert lines == [f"正常：数据库可连接，结构版本 {health.head_revision()} 为最新，工作日历覆盖未来 60 天"]
    assert health.head_revision() == "0021"


def test_unreachable_database_exits_1_with_one_line(capsys):
    code, lines = run_health(capsys, DOWN, IN_A_KNOWN_YEAR)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("问题：数据库无法连接：") and "port 1" in lines[0]


def test_missing_sqlite_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "none.db"
    code, lines = run_health(capsys, f"sqlite:///{path}", IN_A_KNOWN_YEAR)
    assert code == 1 and lines == [f"问题：数据库无法连接：SQLite 数据库文件不存在（{path}）"]
    assert not path.exists()


def test_schema_behind_exits_1(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0007")
    engine.dispose()
    code, lines = run_health(capsys, url, IN_A_KNOWN_YEAR)
    assert code == 1
    assert lines == ["问题：数据库结构版本为 0007，不是本程序的最新版本 0021：请运行 python -m dashboard init-db"]


def test_uninitialised_database_exits_1(tmp_path, capsys):
    path = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{path}").connect().close()     # the file exists, with no tables
    code, lines = run_health(capsys, f"sqlite:///{path}", IN_A_KNOWN_YEAR)
    assert code == 1 and lines == ["问题：数据库尚未初始化（没有结构版本，应为 0021）：请运行 python -m dashboard init-db"]


def test_calendar_running_out_exits_2_naming_it(engine, capsys):
    code, lines = run_health(capsys, url_of(engine), "2026-12-06 09:00:00")
    assert code == 2
    assert lines == ["警告：工作日历缺少 2027 年的节假日安排（未来 60 天内的 2027-01-01 至 2027-02-04，共 35 天）："
                     "这些日期暂按周一至周五计算工作日（日历未确认），请用 python -m dashboard calendar import "
                     "导入国务院当年的放假通知"]


def test_a_problem_outranks_the_calendar_warning(capsys):
    code, lines = run_health(capsys, DOWN, "2026-12-06")
    assert code == 1
    assert [line[:3] for line in lines] == ["问题：", "警告："] and "2027 年" in lines[1]


@pytest.mark.parametrize("today, years", [
    (date(2026, 11, 1), []),                 # today + 60 days = 2026-12-31
    (date(2026, 11, 2), [2027]),             # 2027-01-01 is 60 days away
    (date(2027, 3, 1), [2027]),
    (date(2003, 12, 1), [2003]),             # before the package's first year too
])
def test_calendar_window_is_sixty_days(today, years):
    gaps = health.calendar_gaps(today)
    assert all(f.severity == health.WARNING for f in gaps)
    assert [int(f.message.split("缺少 ")[1][:4]) for f in gaps] == years


def test_calendar_check_takes_another_source_of_known_days():
    known_through_2027 = lambda d: d.year <= 2027
    assert health.calendar_gaps(date(2027, 12, 1), known_through_2027)[0].message.startswith("工作日历缺少 2028 年")
    assert health.calendar_gaps(date(2026, 12, 6), known_through_2027) == []


def test_a_further_database_check_plugs_in(engine, monkeypatch):
    def late_feed(conn, now):
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        return [health.Finding(health.PROBLEM, f"数据源 demo 自 {now:%H:%M} 起未成功")]

    monkeypatch.setattr(health, "DATABASE_CHECKS", [*health.DATABASE_CHECKS, late_feed])
    result = health.check(engine, datetime(2026, 6, 1, 9, 0))
    assert result.exit_code == 1 and result.problems == ["数据源 demo 自 09:00 起未成功"]


def test_totp_secrets_in_clear_are_a_warning_until_sealed(engine, monkeypatch, tmp_path):
    from dashboard.infra import settings
    from dashboard.services import second_factor, users

    monkeypatch.delenv("HOTLINE_PII_KEY", raising=False)
    monkeypatch.setattr(settings, "PII_KEY_FILE", tmp_path / "no-key-here")
    with engine.begin() as conn:
        users.add(conn, "h_admin", "admin", "correct horse battery")
        second_factor.start_enrolment(conn, "h_admin")
    result = health.check(engine, datetime(2026, 6, 1, 9, 0))
    assert result.exit_code == 2
    assert result.warnings == ["未配置加密密钥 HOTLINE_PII_KEY（或不足 32 字节）：1 个账号的动态验证码密钥以明文保存在数据库中"]
    monkeypatch.setenv("HOTLINE_PII_KEY", "health-test-key-" + "h" * 32)
    assert health.check(engine, datetime(2026, 6, 1, 9, 0)).warnings == [
        "1 个账号的动态验证码密钥尚未加密保存：将在其下次输入验证码时加密"]
    with engine.begin() as conn:
        second_factor.reset(conn, "h_admin", actor="test")
        second_factor.start_enrolment(conn, "h_admin")          # enrolled with the key: sealed
    assert health.check(engine, datetime(2026, 6, 1, 9, 0)).exit_code == 0
    monkeypatch.setenv("HOTLINE_PII_KEY", "a-changed-key-" + "c" * 32)   # the key changed: locked out
    result = health.check(engine, datetime(2026, 6, 1, 9, 0))
    assert result.exit_code == 1 and result.problems[0].startswith("1 个账号的动态验证码密钥无法用当前的加密密钥")
