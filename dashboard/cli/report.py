"""`report KIND --date D --out F.xlsx` (docs/cli.md, report): each kind's builder returns the workbook bytes."""
from __future__ import annotations

import importlib
from datetime import date, datetime
from pathlib import Path

from dashboard.cli.main import CliError, engine_for
from domain.vocabulary import HANDOVER_GROUPS, SHIFTS_AS_LISTED

# kind → (module, builder); each builder is (conn, *, day, now, **options) -> bytes
BUILDERS = {
    "daily": ("dashboard.services.reports.periodic", "build_daily"),
    "weekly": ("dashboard.services.reports.periodic", "build_weekly"),
    "monthly": ("dashboard.services.reports.periodic", "build_monthly"),
    "topic": ("dashboard.services.reports.periodic", "build_topic"),
    "standup": ("dashboard.services.reports.standup", "build_standup_workbook"),
    "acceptance": ("dashboard.services.reports.acceptance", "build_acceptance_workbook"),
    "qc-daily": ("dashboard.services.ledgers.workbooks", "build_qc_daily"),
    "qc-weekly": ("dashboard.services.ledgers.workbooks", "build_qc_weekly"),
    "qc-monthly": ("dashboard.services.ledgers.workbooks", "build_qc_monthly"),
    "qc-ledger": ("dashboard.services.ledgers.workbooks", "build_qc_ledger"),
    "special-ledger": ("dashboard.services.ledgers.workbooks", "build_special_ledger"),
    "handover": ("dashboard.services.ledgers.workbooks", "build_handover"),
}
SHIFT_KINDS = ("qc-ledger", "handover")


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"无法识别的日期 {text!r}，应为 YYYY-MM-DD") from None


def parse_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"无法识别的时间 {text!r}，应为 \"YYYY-MM-DD HH:MM:SS\"") from None


def _ledger_options(args) -> dict:
    """--shift / --group of the ledger kinds, checked against the vocabulary."""
    shift, group = getattr(args, "shift", None), getattr(args, "group", None)
    if shift and shift not in SHIFTS_AS_LISTED:
        raise CliError(f"未知的班次 {shift!r}，应为 {'、'.join(SHIFTS_AS_LISTED)}")
    if group and group not in HANDOVER_GROUPS:
        raise CliError(f"未知的班组 {group!r}，应为 {'、'.join(HANDOVER_GROUPS)}")
    if args.kind == "handover":
        if not shift or not group:
            raise CliError("交接班报表需要 --shift 和 --group，例如 --shift 早班 --group 派单")
        return {"shift": shift, "group": group}
    if args.kind == "qc-ledger" and shift:
        return {"shift": shift}
    return {}


def run(args) -> int:
    day = parse_day(args.date)
    now = parse_now(getattr(args, "now", None))
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise CliError("报表只能输出为 .xlsx 文件")
    module_name, fn_name = BUILDERS[args.kind]
    try:
        builder = getattr(importlib.import_module(module_name), fn_name)
    except (ImportError, AttributeError):
        raise CliError(f"报表类型 {args.kind} 暂不可用") from None
    options = {}
    if args.kind == "topic":
        if not args.category:
            raise CliError("专报需要 --category，例如 --category 供暖")
        options["category"] = args.category
    if args.kind == "monthly":
        options["period"] = args.period
    options.update(_ledger_options(args))
    engine = engine_for(args)
    with engine.connect() as conn:
        data = builder(conn, day=day, now=now, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"已生成 {out}（{len(data):,} 字节）")
    return 0
