"""`python -m dashboard health [--now TS]`: exit 0 healthy, 1 with one line per problem, 2 with one
line per warning when only warnings remain (docs/operations.md)."""
from __future__ import annotations

from datetime import datetime

from dashboard.cli.main import CliError
from dashboard.infra import settings
from dashboard.infra.db import make_engine
from dashboard.services import health

# a database that takes longer than this to answer a trivial query is not healthy either
STATEMENT_TIMEOUT_MS = 10_000


def run(args) -> int:
    now = _parse_now(getattr(args, "now", None))
    engine = make_engine(settings.db_url(getattr(args, "db", None)), statement_timeout_ms=STATEMENT_TIMEOUT_MS)
    try:
        result = health.check(engine, now)
    finally:
        engine.dispose()
    for message in result.problems:
        print(f"问题：{message}")
    for message in result.warnings:
        print(f"警告：{message}")
    if result.exit_code == 0:
        print(f"正常：数据库可连接，结构版本 {result.revision} 为最新，工作日历覆盖未来 {health.CALENDAR_HORIZON_DAYS} 天")
    return result.exit_code


def _parse_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--now 格式应为 \"YYYY-MM-DD HH:MM:SS\"，收到：{text!r}") from None
