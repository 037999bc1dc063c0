"""`python -m dashboard calendar import FILE [--user NAME]` and `calendar show --year YYYY`
(docs/cli.md, calendar)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from dashboard.cli.main import CliError, engine_for
from dashboard.services import calendar_days, calendar_import
from dashboard.services.bootstrap import init_db
from domain.calendar import RESTING, WORKING, weekday_rule

WEEKDAYS = "一二三四五六日"


def run(args) -> int:
    action = getattr(args, "calendar_command", None)
    if action == "import":
        return _import(args)
    if action == "show":
        return _show(args)
    raise CliError("用法: calendar import FILE | calendar show --year YYYY", 2)


def _import(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"文件不存在：{path}")
    engine = engine_for(args)
    init_db(engine)
    try:
        with engine.begin() as conn:
            result = calendar_import.import_notice(conn, path.name, path.read_bytes(), username=args.user)
    except calendar_import.CalendarRefused as e:
        raise CliError(f"日历文件未导入，原因：\n{e}") from None
    print(f"已导入 {result.year} 年工作日历：工作日放假（休）{result.resting} 天，周末上班（班）{result.working} 天"
          f"（替换原有 {result.replaced} 行）")
    return 0


def _show(args) -> int:
    engine = engine_for(args)
    init_db(engine)
    with engine.connect() as conn:
        calendar = calendar_days.load(conn)
        rows = calendar_days.rows_of_year(conn, args.year)
    if not calendar.knows_all(_first(args.year), _first(args.year)):
        print(f"{args.year} 年：日历中没有数据，工作日暂按周一至周五计算（日历未确认）")
        return 0
    sources = sorted({r["source"] for r in rows})
    print(f"{args.year} 年：来源 {'、'.join(sources)}；与周一至周五不同的日期：")
    for r in rows:
        if r["working"] == weekday_rule(r["day"]):
            continue
        kind = WORKING if r["working"] else RESTING
        print(f"{r['day']:%Y-%m-%d}\t周{WEEKDAYS[r['day'].weekday()]}\t{kind}")
    return 0


def _first(year: int) -> date:
    return date(year, 1, 1)
