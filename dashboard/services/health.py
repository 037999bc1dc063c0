"""Is the service healthy? The checks behind `python -m dashboard health` (docs/operations.md).

A finding is a problem (the service is broken: exit 1) or a warning (it runs, degraded: exit 2).
Problems: the database does not answer; its schema is not at the newest migration. Warnings: the
calendar table does not know some of the next CALENDAR_HORIZON_DAYS days, so working-day limits
for them fall back to Monday–Friday; TOTP secrets lie in the database unencrypted (a problem when
sealed ones no longer open: second_factor_secrets).

The checks that read the database are the functions of DATABASE_CHECKS, each
`(conn, now) -> list[Finding]`, run in order on one connection once the database answers; one
of them is the data feeds' (late_feeds: a feed recorded in the database that has not succeeded
within FEED_LATE_FACTOR × its interval is a problem).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import secret_box
from dashboard.infra.db import alembic_config
from dashboard.services import calendar_days
from domain.repeats import MIN_PII_KEY_BYTES
from domain.rules import FEED_LATE_FACTOR

PROBLEM, WARNING = "problem", "warning"
CALENDAR_HORIZON_DAYS = 60


@dataclass(frozen=True)
class Finding:
    severity: str      # PROBLEM or WARNING
    message: str       # one line, Chinese, for the operator


@dataclass
class Health:
    findings: list[Finding] = field(default_factory=list)
    revision: str | None = None      # the database's schema revision, when it answered

    @property
    def problems(self) -> list[str]:
        return [f.message for f in self.findings if f.severity == PROBLEM]

    @property
    def warnings(self) -> list[str]:
        return [f.message for f in self.findings if f.severity == WARNING]

    @property
    def exit_code(self) -> int:
        """0 healthy, 1 a problem (whatever the warnings), 2 warnings only."""
        if self.problems:
            return 1
        return 2 if self.warnings else 0


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def schema_at_head(conn: Connection, _now: datetime) -> list[Finding]:
    current = MigrationContext.configure(conn).get_current_revision()
    head = head_revision()
    if current == head:
        return []
    if current is None:
        return [Finding(PROBLEM, f"数据库尚未初始化（没有结构版本，应为 {head}）：请运行 python -m dashboard init-db")]
    return [Finding(PROBLEM, f"数据库结构版本为 {current}，不是本程序的最新版本 {head}：请运行 python -m dashboard init-db")]


def known_to_calendar_package(day: date) -> bool:
    """Does the `chinesecalendar` package know `day`'s year (what init-db seeds the table with)?"""
    return day.year in calendar_days.package_years()


def calendar_table_gaps(conn: Connection, now: datetime) -> list[Finding]:
    """calendar_gaps against the calendar table, the days every working-day figure counts."""
    if not sa.inspect(conn).has_table(calendar_days.calendar_days.name):
        # not migrated yet (schema_at_head says so): what init-db will seed
        return calendar_gaps(now.date())
    return calendar_gaps(now.date(), calendar_days.load(conn).knows)


def late_feeds(conn: Connection, now: datetime) -> list[Finding]:
    """One problem per feed whose last success (or, never successful, its first start) is more
    than FEED_LATE_FACTOR × its interval ago."""
    from queries import feeds as feed_state
    from queries.schema import feed_runs, feeds

    if not sa.inspect(conn).has_table(feeds.name):
        return []          # not migrated yet: schema_at_head says so
    out = []
    for name, every, created, last in feed_state.late(conn, now=now):
        error = conn.execute(sa.select(feed_runs.c.error).where(feed_runs.c.feed == name, feed_runs.c.error != "")
                             .order_by(feed_runs.c.id.desc()).limit(1)).scalar()
        what = f"最近一次成功为 {last:%Y-%m-%d %H:%M:%S}" if last else f"自 {created:%Y-%m-%d %H:%M:%S} 启动以来从未成功"
        reason = f"；最近的错误：{error.splitlines()[0][:200]}" if error else ""
        out.append(Finding(PROBLEM, f"数据接入 {name} 已超过 {FEED_LATE_FACTOR} 倍拉取间隔（{FEED_LATE_FACTOR * int(every)} 秒）"
                                    f"未成功：{what}{reason}"))
    return out


def second_factor_secrets(conn: Connection, _now: datetime) -> list[Finding]:
    """A problem when sealed TOTP secrets do not open with the key this process has (it is missing
    or was changed: those users get in only with recovery codes); a warning while any lies in the
    database unencrypted."""
    from queries.schema import user_totp

    if not sa.inspect(conn).has_table(user_totp.name):
        return []
    plain = locked = 0
    for r in conn.execute(sa.select(user_totp.c.username, user_totp.c.secret)):
        if not secret_box.is_sealed(r.secret):
            plain += 1
            continue
        try:
            secret_box.unseal(r.secret, r.username)
        except secret_box.SecretKeyError:
            locked += 1
    out = []
    if locked:
        out.append(Finding(PROBLEM, f"{locked} 个账号的动态验证码密钥无法用当前的加密密钥 HOTLINE_PII_KEY 解开（未配置或已更换）："
                                    "这些账号只能用恢复码登录；请恢复原密钥，或运行 python -m dashboard users totp-reset 后重新绑定"))
    if plain and secret_box.available():
        out.append(Finding(WARNING, f"{plain} 个账号的动态验证码密钥尚未加密保存：将在其下次输入验证码时加密"))
    elif plain:
        out.append(Finding(WARNING, f"未配置加密密钥 HOTLINE_PII_KEY（或不足 {MIN_PII_KEY_BYTES} 字节）："
                                    f"{plain} 个账号的动态验证码密钥以明文保存在数据库中"))
    return out


# Checks run once the database answers, in this order (see the module's docstring).
DATABASE_CHECKS: list[Callable[[Connection, datetime], list[Finding]]] = [
    schema_at_head, calendar_table_gaps, late_feeds, second_factor_secrets]


def calendar_gaps(today: date, known: Callable[[date], bool] = known_to_calendar_package,
                  horizon: int = CALENDAR_HORIZON_DAYS) -> list[Finding]:
    """One warning per year of which some of the days from today to today + horizon are unknown."""
    missing = [d for d in _days(today, horizon) if not known(d)]
    by_year: dict[int, list[date]] = {}
    for d in missing:
        by_year.setdefault(d.year, []).append(d)
    return [Finding(WARNING, f"工作日历缺少 {year} 年的节假日安排（未来 {horizon} 天内的 {days[0]} 至 {days[-1]}，"
                             f"共 {len(days)} 天）：这些日期暂按周一至周五计算工作日（日历未确认），"
                             f"请用 python -m dashboard calendar import 导入国务院当年的放假通知")
            for year, days in sorted(by_year.items())]


def _days(today: date, horizon: int) -> Iterable[date]:
    return (today + timedelta(days=i) for i in range(horizon + 1))


def database_answers(engine: Engine) -> Finding | None:
    """None when a trivial query succeeds, else the problem in one line."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:") and not Path(url.database).exists():
        # connecting would create an empty file: the database is not there
        return Finding(PROBLEM, f"数据库无法连接：SQLite 数据库文件不存在（{url.database}）")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1")).scalar()
    except sa.exc.SQLAlchemyError as e:
        return Finding(PROBLEM, f"数据库无法连接：{_first_line(e)}")
    return None


def check(engine: Engine, now: datetime | None = None) -> Health:
    """Every check; the database ones only when the database answers."""
    now = now or datetime.now()
    health = Health()
    unreachable = database_answers(engine)
    if unreachable is not None:
        health.findings.append(unreachable)
        # the table cannot be read: what init-db seeds it with, so the operator still hears of a gap
        health.findings += calendar_gaps(now.date())
    else:
        try:
            with engine.connect() as conn:
                health.revision = MigrationContext.configure(conn).get_current_revision()
                for database_check in DATABASE_CHECKS:
                    health.findings += database_check(conn, now)
        except sa.exc.SQLAlchemyError as e:
            health.findings.append(Finding(PROBLEM, f"数据库检查失败：{_first_line(e)}"))
    return health


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__
