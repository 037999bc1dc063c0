"""`python -m dashboard <command>` (docs/cli.md). Errors are one clear line and a non-zero exit."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from dashboard.infra import logs, settings
from dashboard.infra.db import make_engine
from dashboard.services import facts, repeats, second_factor, users
from dashboard.services.assessment import settled_counts
from dashboard.services.bootstrap import init_db
from dashboard.services.feed import inbox as inbox_feed

# command → module exposing run(args) -> int; each subject owns its module.
COMMAND_MODULES = {
    "demo": "dashboard.cli.demo",
    "import": "dashboard.cli.imports",
    "kpi": "dashboard.cli.kpi",
    "tickets": "dashboard.cli.tickets",
    "report": "dashboard.cli.report",
    "health": "dashboard.cli.health",
    "backup": "dashboard.cli.backup",
    "restore": "dashboard.cli.backup",
    "calendar": "dashboard.cli.calendar",
    "feed": "dashboard.cli.feed",
    "demo-source": "dashboard.cli.demo_source",
}
# commands that run unattended (units, timers) log their events from info; the others from warning
SERVICE_COMMANDS = {"feed", "backup", "restore"}


class CliError(Exception):
    """A refusal with a message for the operator (exit code 1 unless given)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


DB_HELP = "数据库 URL（默认 HOTLINE_DB_URL 或 sqlite:///data/hotline.db）"


def _db_option() -> argparse.ArgumentParser:
    """`--db URL` for a command's own parser, so it is accepted after the command name too.

    SUPPRESS as its default: when it is not typed after the command, the value typed before
    the command (or None) stays in the namespace.
    """
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    return parent


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboard", description="接诉即办运行监管平台 命令行")
    p.add_argument("--db", help=DB_HELP)
    db = _db_option()
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_parser_with(db))

    sub.add_parser("init-db", help="创建或升级数据库结构")
    sub.add_parser("rebuild-facts", help="由流转记录重建工单派生数据")

    d = sub.add_parser("demo", help="生成演示数据")
    d.add_argument("--days", type=int, default=None,
                   help="天数（默认：自合同开始日至 --end，即本合同年度至今）")
    d.add_argument("--tickets-per-day", type=int, default=None,
                   help="每日工单数（默认：指定 --days 时 1500；合同年度至今时 1000）")
    d.add_argument("--seed", type=int, default=12345)
    d.add_argument("--end", help="最后一天 YYYY-MM-DD（默认今天）")
    d.add_argument("--no-users", action="store_true", help="不创建演示账号")
    d.add_argument("--if-empty", action="store_true",
                   help="数据库已有工单时不重新生成，只显示该数据库可用的演示账号")

    i = sub.add_parser("import", help="导入文件")
    i.add_argument("kind", choices=["tickets", "events", "staff", "shifts", "reports", "manual"])
    i.add_argument("file")
    i.add_argument("--mapping")
    i.add_argument("--quarantine", action="store_true")
    i.add_argument("--rejects", help="隔离行写入的文件（默认 FILE.rejects.csv）")
    i.add_argument("--user", default="cli")

    k = sub.add_parser("kpi", help="月度考核结果")
    k.add_argument("--month", required=True)
    k.add_argument("--json", action="store_true")
    k.add_argument("--now")

    t = sub.add_parser("tickets", help="导出工单清单")
    t.add_argument("--month")
    t.add_argument("--now")
    t.add_argument("--out", required=True)

    r = sub.add_parser("report", help="生成报表")
    r.add_argument("kind", choices=["daily", "weekly", "monthly", "topic", "standup", "acceptance",
                                    "qc-daily", "qc-weekly", "qc-monthly", "qc-ledger", "special-ledger", "handover"])
    r.add_argument("--date", required=True)
    r.add_argument("--category")
    r.add_argument("--period", choices=["calendar", "assessment"], default="calendar")
    r.add_argument("--now")
    r.add_argument("--shift", help="班次（qc-ledger、handover）：早班、中班、夜班")
    r.add_argument("--group", help="班组（handover）：派单、退单、质检、协查、数据")
    r.add_argument("--out", required=True)

    ds = sub.add_parser("demo-source", help="演示用业务系统：建示例工单库并持续产生工单与流转记录，供 feed 拉取")
    ds.add_argument("source_url", metavar="SOURCE_URL", help="演示数据源的 SQLAlchemy URL（如 sqlite:///data/demo-source.db）")
    ds.add_argument("--config", required=True, help="写出的数据接入配置文件（feed 的 SOURCE.yaml）")
    ds.add_argument("--per-minute", type=int, default=3, help="每分钟新工单数（默认 3）")
    ds.add_argument("--history", type=int, default=0, help="先补充最近 N 小时的工单（默认 0）")
    ds.add_argument("--every", type=int, default=60, help="写入配置的拉取间隔秒数（默认 60）")
    ds.add_argument("--once", action="store_true", help="只产生一次数据后退出")

    h = sub.add_parser("health", help="健康检查：0 正常，1 故障，2 降级")
    h.add_argument("--now", help="检查时点 YYYY-MM-DD[ HH:MM:SS]（默认现在）")

    b = sub.add_parser("backup", help="运行中一致性备份（数据库副本与清单 manifest.json）")
    b.add_argument("--out", required=True, help="备份目录（不存在或为空）")

    rs = sub.add_parser("restore", help="把备份恢复到空数据库，并按清单核对行数与冻结月份哈希")
    rs.add_argument("dir", help="备份目录")

    f = sub.add_parser("feed", help="数据接入：从业务系统数据库持续拉取（SOURCE.yaml）或导入收件箱目录中的文件（--inbox），并按计划报送报表")
    f.add_argument("source", nargs="?", metavar="SOURCE.yaml", help="SQL 数据源配置文件（见 docs/feed.md）")
    f.add_argument("--inbox", metavar="DIR", help="收件箱目录：导入放入其中的 KIND-*.csv|xlsx 文件")
    f.add_argument("--once", action="store_true", help="拉取到最新（或处理完已就绪的文件）后退出，默认持续运行")
    f.add_argument("--quarantine", action="store_true", help="收件箱：只导入有效行，错误行写入 FILE.rejects.csv")
    f.add_argument("--every", type=float, help=f"轮询间隔秒数（默认 {inbox_feed.POLL_SECONDS:g}）")
    f.add_argument("--settle", type=float,
                   help=f"文件大小保持不变多少秒后才导入（默认 {inbox_feed.SETTLE_SECONDS:g}）")
    f.add_argument("--schedule", help="定时报表计划文件（默认 HOTLINE_REPORT_SCHEDULE）")

    cal = sub.add_parser("calendar", help="工作日历：导入某年国务院放假通知，查看某年安排")
    csub = cal.add_subparsers(dest="calendar_command", metavar="ACTION", parser_class=_parser_with(db))
    ci = csub.add_parser("import", help="导入放假通知（CSV/XLSX，列 日期、类型 ∈ 休/班）")
    ci.add_argument("file")
    ci.add_argument("--user", default="cli", help="记入审计日志的操作人（默认 cli）")
    cs = csub.add_parser("show", help="列出某年与周一至周五不同的日期")
    cs.add_argument("--year", type=int, required=True)

    u = sub.add_parser("users", help="账号管理")
    usub = u.add_subparsers(dest="users_command", metavar="ACTION", parser_class=_parser_with(db))
    ua = usub.add_parser("add")
    ua.add_argument("name")
    ua.add_argument("--role", required=True)
    ua.add_argument("--password-stdin", action="store_true",
                    help="从标准输入读取密码（只用统一身份认证登录的账号可以不设密码）")
    ua.add_argument("--display-name")
    ua.add_argument("--email", help="统一身份认证的身份标识（默认按 email 声明匹配，见 HOTLINE_OIDC_CLAIM）")
    ul = usub.add_parser("link", help="把账号关联到统一身份认证的身份标识")
    ul.add_argument("name")
    ul.add_argument("--email", required=True)
    ue = usub.add_parser("enable")
    ue.add_argument("name")
    ut = usub.add_parser("totp-reset", help="清除账号的动态验证码绑定（手机丢失且恢复码用完时），下次登录重新绑定")
    ut.add_argument("name")
    usub.add_parser("list")
    ud = usub.add_parser("disable")
    ud.add_argument("name")
    up = usub.add_parser("passwd")
    up.add_argument("name")
    up.add_argument("--password-stdin", action="store_true", required=True)
    return p


def _parser_with(parent: argparse.ArgumentParser) -> type[argparse.ArgumentParser]:
    """A parser class whose instances (every command's parser) take `parent`'s options."""

    class CommandParser(argparse.ArgumentParser):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("parents", [parent])
            super().__init__(*args, **kwargs)

    return CommandParser


def engine_for(args):
    # Batch commands (demo, imports of large files) may run long statements: no timeout here.
    return make_engine(settings.db_url(getattr(args, "db", None)), statement_timeout_ms=0)


def read_password_stdin() -> str:
    data = sys.stdin.readline()
    return data.rstrip("\r\n")


def cmd_init_db(args) -> int:
    engine = engine_for(args)
    revision = init_db(engine)
    print(f"数据库已就绪 (schema revision {revision}): {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_rebuild_facts(args) -> int:
    engine = engine_for(args)
    init_db(engine)
    with engine.begin() as conn:
        n = facts.rebuild_all(conn)
        settled_counts.refill(conn)
        repeats.rebuild(conn)
    print(f"已重建 {n} 张工单的派生数据")
    return 0


def cmd_users(args) -> int:
    engine = engine_for(args)
    init_db(engine)
    action = args.users_command
    if action is None:
        raise CliError("用法: users add|list|disable|enable|passwd|link|totp-reset", 2)
    try:
        with engine.begin() as conn:
            if action == "add":
                if not args.password_stdin and not args.email:
                    raise users.UserError("请用 --password-stdin 设置密码，或用 --email 关联统一身份认证 "
                                          "(give --password-stdin or --email)")
                password = read_password_stdin() if args.password_stdin else None
                users.add(conn, args.name, args.role, password, display_name=args.display_name, email=args.email)
                print(f"已创建用户 {args.name}（{args.role}）")
            elif action == "link":
                users.set_email(conn, args.name, args.email)
                print(f"已将用户 {args.name} 关联到统一身份认证 {args.email}")
            elif action == "enable":
                users.enable(conn, args.name)
                print(f"已启用用户 {args.name}")
            elif action == "totp-reset":
                if not users.get(conn, args.name):
                    raise users.UserError(f"用户 {args.name} 不存在 (no such user)")
                second_factor.reset(conn, args.name, actor="cli")
                print(f"已清除用户 {args.name} 的动态验证码绑定，下次登录时重新绑定")
            elif action == "list":
                rows = users.list_users(conn)
                print(f"{'用户名':<20}{'角色':<12}{'状态':<6}最近登录")
                for r in rows:
                    state = "启用" if r["active"] else "停用"
                    print(f"{r['username']:<20}{r['role']:<12}{state:<6}{r['last_login_at'] or '-'}")
            elif action == "disable":
                users.disable(conn, args.name)
                print(f"已停用用户 {args.name}")
            elif action == "passwd":
                users.set_password(conn, args.name, read_password_stdin())
                print(f"已修改用户 {args.name} 的密码")
    except users.UserError as e:
        raise CliError(str(e)) from None
    return 0


def dispatch(args) -> int:
    if args.command == "init-db":
        return cmd_init_db(args)
    if args.command == "rebuild-facts":
        return cmd_rebuild_facts(args)
    if args.command == "users":
        return cmd_users(args)
    module_name = COMMAND_MODULES.get(args.command)
    if module_name is None:
        raise CliError("请指定命令，见 python -m dashboard --help", 2)
    module = importlib.import_module(module_name)
    return int(module.run(args) or 0)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    logs.configure(logging.INFO if args.command in SERVICE_COMMANDS else logging.WARNING)
    try:
        return dispatch(args)
    except CliError as e:
        print(f"错误: {e}", file=sys.stderr)
        return e.code
    except settings.SettingsError as e:
        print(f"错误: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except Exception as e:  # the operator gets one line, never a traceback
        if os.environ.get("HOTLINE_DEBUG"):
            raise
        from sqlalchemy.exc import OperationalError

        if isinstance(e, OperationalError):
            print(f"错误: 无法连接或操作数据库 (database error): {str(e.orig).splitlines()[0] if e.orig else e}",
                  file=sys.stderr)
        else:
            print(f"错误: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
        return 1
