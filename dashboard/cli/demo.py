"""`python -m dashboard demo`: replace the operational data with a synthetic window, create demo
accounts (one per role) and print their passwords. `--if-empty` builds only into a database without
tickets and otherwise prints logins that work in that database (see docs/cli.md)."""
from __future__ import annotations

import hashlib
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
from queries.schema import tickets as tickets_table
from queries.schema import users as users_table

LOGINS_DIR = Path("data")
# The first line of a logins file names the database it was made for; a file whose stamp differs
# from the database at hand (a copied or renamed file) is never printed.
STAMP_PREFIX = "# 数据库："
# Written by earlier versions for whichever database was built last; unstamped, so never trusted.
LEGACY_LOGINS_FILE = LOGINS_DIR / "demo-logins.txt"
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


def database_identity(url: str) -> str:
    """The database a URL points at, without its password; a relative SQLite path made absolute, so
    that the same file reached from another directory is the same database."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


def logins_file(url: str) -> Path:
    """Each database has its own logins file, named after a hash of its identity."""
    digest = hashlib.sha256(database_identity(url).encode("utf-8")).hexdigest()[:12]
    return LOGINS_DIR / f"demo-logins-{digest}.txt"


def _write_logins(url: str, rows: list[tuple[str, str, str]]) -> Path:
    path = logins_file(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{STAMP_PREFIX}{database_identity(url)}\n")
        f.write(f"# 演示账号（生成于 {datetime.now():%Y-%m-%d %H:%M:%S}）\n")
        for name, role, password in rows:
            f.write(f"{name}\t{role}\t{password}\n")
    os.chmod(path, 0o600)
    LEGACY_LOGINS_FILE.unlink(missing_ok=True)
    return path


def working_logins(engine, url: str) -> list[tuple[str, str, str]] | None:
    """The logins stored for this database, if its file is stamped with this database and every
    password signs in to an active account there; None otherwise."""
    path = logins_file(url)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    if not lines or lines[0] != f"{STAMP_PREFIX}{database_identity(url)}":
        return None
    rows = [tuple(ln.split("\t")) for ln in lines[1:] if ln and not ln.startswith("#")]
    if not rows or any(len(r) != 3 for r in rows):
        return None
    with engine.connect() as conn:
        for name, _, password in rows:
            user = users.get(conn, name)
            if not user or not user["active"] or not users.verify_password(password, user["password_hash"]):
                return None
    return [(r[0], r[1], r[2]) for r in rows]


def _has_tickets(engine) -> bool:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(tickets_table.name):   # never initialised: empty
            return False
        return conn.execute(sa.select(tickets_table.c.ticket_no).limit(1)).first() is not None


def _has_demo_users(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(users_table.c.username)
                            .where(users_table.c.username.like("demo\\_%", escape="\\")).limit(1)).first() is not None


def _print_logins(path: Path, rows: list[tuple[str, str, str]]) -> None:
    print(f"演示账号（另存于 {path}，权限 600）：")
    print(f"  {'用户名':<18}{'角色':<12}密码")
    for name, role, password in rows:
        print(f"  {name:<21}{role:<14}{password}")


def _existing_demo(engine, url: str) -> int:
    """`--if-empty` on a database that already holds tickets: print logins that work there, never
    another database's. Demo accounts whose stored passwords do not work (the file is missing or was
    made for another database) get fresh passwords; a database without demo accounts is not a demo
    database and gets none."""
    print("数据库中已有工单数据，不重新生成演示数据（重新生成：python -m dashboard demo）。")
    rows = working_logins(engine, url)
    if rows is None:
        if not _has_demo_users(engine):
            print("该数据库没有演示账号（不是由 demo 生成的）；请用 python -m dashboard users add 创建账号。")
            return 0
        print("本机没有该数据库可用的演示账号密码，已为演示账号重新设置密码。")
        rows = create_demo_users(engine)
        _write_logins(url, rows)
    _print_logins(logins_file(url), rows)
    return 0


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
    url = settings.db_url(getattr(args, "db", None))
    if getattr(args, "if_empty", False) and _has_tickets(engine):
        return _existing_demo(engine, url)

    if not os.environ.get("HOTLINE_PII_KEY"):
        key_file = settings.ensure_local_pii_key()
        print(f"未设置 HOTLINE_PII_KEY：演示数据中虚构的来电号码以本机生成的密钥（{key_file}，权限 600）加密保存；"
              "正式使用前请设置 HOTLINE_PII_KEY（至少 32 字节）。")

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

    if not getattr(args, "no_users", False):
        rows = create_demo_users(engine)
        _print_logins(_write_logins(url, rows), rows)
    return 0
