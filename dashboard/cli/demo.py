"""`python -m dashboard demo`: replace the operational data with a synthetic window, create demo
accounts (one per role) and print their passwords once."""
from __future__ import annotations

import os
import secrets
import string
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from dashboard.cli.main import CliError, engine_for
from dashboard.infra import settings
from dashboard.services import audit, users
from dashboard.services.demo.generator import DemoError, generate
from domain.access import ROLES
from queries.schema import users as users_table

LOGINS_FILE = Path("data/demo-logins.txt")
_ALPHABET = string.ascii_letters + string.digits


def _password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(16))


def create_demo_users(engine) -> list[tuple[str, str, str]]:
    """One `demo_<role>` user per role with a fresh random password; replaces earlier demo users."""
    created = []
    with engine.begin() as conn:
        existing = [r[0] for r in conn.execute(sa.select(users_table.c.username)
                                               .where(users_table.c.username.like("demo\\_%", escape="\\")))]
        if existing:
            conn.execute(users_table.delete().where(users_table.c.username.in_(existing)))
            for name in existing:
                audit.record(conn, username="demo", action="user_delete", target=name, detail="demo reset")
        for role, label in ROLES.items():
            password = _password()
            users.add(conn, f"demo_{role}", role, password, display_name=f"演示 {label}", actor="demo")
            created.append((f"demo_{role}", role, password))
    return created


def _write_logins(rows: list[tuple[str, str, str]]) -> Path:
    LOGINS_FILE.parent.mkdir(parents=True, exist_ok=True)
    if LOGINS_FILE.exists():
        LOGINS_FILE.unlink()
    fd = os.open(LOGINS_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"# 演示账号（生成于 {datetime.now():%Y-%m-%d %H:%M:%S}）\n")
        for name, role, password in rows:
            f.write(f"{name}\t{role}\t{password}\n")
    os.chmod(LOGINS_FILE, 0o600)
    return LOGINS_FILE


def run(args) -> int:
    end = None
    if getattr(args, "end", None):
        try:
            end = date.fromisoformat(args.end)
        except ValueError:
            raise CliError(f"日期格式不正确：{args.end}（应为 YYYY-MM-DD）") from None
        if end > date.today():
            raise CliError("结束日期 --end 不能晚于今天")
    engine = engine_for(args)

    def progress(day, n_tickets, n_events):
        print(f"  … 已生成至 {day}：工单 {n_tickets:,}，流转记录 {n_events:,}", flush=True)

    try:
        result = generate(engine, days=args.days, tickets_per_day=args.tickets_per_day, seed=args.seed,
                          end=end, progress=progress)
    except DemoError as e:
        raise CliError(str(e)) from None

    print(f"演示数据已生成：{result.start} 至 {result.end}（数据截至 {result.now}）")
    print(f"  工单 {result.tickets:,} 张，流转记录 {result.events:,} 条，人员 {result.staff} 人，"
          f"排班 {result.shifts:,} 条，报表 {result.reports} 份，用时 {result.seconds:.1f} 秒")

    settings.ensure_local_cookie_key()
    if not getattr(args, "no_users", False):
        rows = create_demo_users(engine)
        path = _write_logins(rows)
        print(f"演示账号（密码只显示这一次，另存于 {path}，权限 600）：")
        print(f"  {'用户名':<18}{'角色':<12}密码")
        for name, role, password in rows:
            print(f"  {name:<21}{role:<14}{password}")
    return 0
