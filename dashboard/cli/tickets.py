"""`python -m dashboard tickets [--month YYYY-MM] [--now TS] --out FILE.csv|.xlsx` (docs/cli.md, tickets).

One row per ticket received by `now`, its state as of `now`: re-derived from the events at or
before `now` (the facts table holds the state as of all events, which is later than `now` when
`now` lies in the past). Listing tickets is not aggregation, so this reads ticket rows.
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.cli.main import CliError, engine_for
from dashboard.services import calendar_days
from dashboard.services.bootstrap import init_db
from dashboard.services.exports.safe import to_csv_bytes, to_xlsx_bytes
from dashboard.services.facts import ticket_input
from dashboard.services.ingest.parsing import parse_timestamps
from dashboard.services.rules_store import rules_for_month
from domain.calendar import CALENDAR_UNCONFIRMED, UNCONFIRMED_DEADLINE_NOTE
from domain.lifecycle import Event, close_deadline_confirmed, derive, is_overdue
from queries.schema import ticket_events, tickets

NOTE_SHEET = "说明"
EXPORT_COLUMNS = ["工单编号", "接收时间", "截止时间", "办结时间", "状态", "是否超期", "是否重复", "重复来源工单"]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month or ""):
        raise CliError(f"月份应为 YYYY-MM：{month}")
    y, m = int(month[:4]), int(month[5:])
    start = datetime(y, m, 1)
    end = datetime(y + (m == 12), m % 12 + 1, 1)
    return start, end


def parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now()

    vals, bad = parse_timestamps(pd.Series([text]))
    if bad.iloc[0] or pd.isna(vals.iloc[0]):
        raise CliError(f"无法识别的时间 --now \"{text}\"（例如 2025-12-20 12:00:00）")
    return vals.iloc[0].to_pydatetime()


def _fmt(ts: datetime | None) -> str:
    if ts is None:
        return ""
    return ts.strftime("%Y-%m-%d %H:%M:%S") + (f".{ts.microsecond:06d}".rstrip("0") if ts.microsecond else "")


def ticket_states(conn: Connection, *, now: datetime, month: str | None = None) -> pd.DataFrame:
    """EXPORT_COLUMNS, one row per ticket received at or before `now` (and in `month`), ordered by
    工单编号; 状态 and 是否超期 as of `now`; 是否重复 and 重复来源工单 as derived at import
    (dashboard.services.repeats: a source is always received earlier, so it is known at `now`)."""
    return ticket_states_and_calendar(conn, now=now, month=month)[0]


def ticket_states_and_calendar(conn: Connection, *, now: datetime, month: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """ticket_states, and the tickets whose working-day deadline counted a day the calendar lacks
    (「日历未确认」), in the same order."""
    calendar = calendar_days.load(conn)
    unconfirmed: list[str] = []
    cond = [tickets.c.received_at <= now]
    if month:
        start, end = month_bounds(month)
        cond += [tickets.c.received_at >= start, tickets.c.received_at < end]
    # sorted here, in code-point order, not by the database's collation (which may not be)
    trows = sorted(conn.execute(sa.select(tickets).where(*cond)).mappings().all(), key=lambda t: t["ticket_no"])
    events: dict[str, list[Event]] = defaultdict(list)
    estmt = (sa.select(ticket_events.c.ticket_no, ticket_events.c.at, ticket_events.c.action,
                       ticket_events.c.staff_no, ticket_events.c.unit, ticket_events.c.detail)
             .join(tickets, tickets.c.ticket_no == ticket_events.c.ticket_no)
             .where(*cond, ticket_events.c.at <= now)
             .order_by(ticket_events.c.ticket_no, ticket_events.c.at, ticket_events.c.id))
    for r in conn.execute(estmt):
        events[r.ticket_no].append(Event(r.at, r.action, r.staff_no, r.unit, r.detail))
    rules_cache = {}
    out = []
    for t in trows:
        m = t["received_at"].strftime("%Y-%m")
        if m not in rules_cache:
            rules_cache[m] = rules_for_month(conn, m)
        ticket = ticket_input(t)
        f = derive(ticket, events.get(t["ticket_no"], []), rules_cache[m], now=now)
        source = t["repeat_source_no"]
        if not close_deadline_confirmed(ticket, rules_cache[m], calendar):
            unconfirmed.append(t["ticket_no"])
        out.append((t["ticket_no"], _fmt(t["received_at"]), _fmt(f.deadline_at), _fmt(f.closed_at), f.stage,
                    "是" if is_overdue(f, now) else "否", "是" if source else "否", source or ""))
    return pd.DataFrame(out, columns=EXPORT_COLUMNS), unconfirmed


def calendar_note(unconfirmed: list[str]) -> str:
    """The line for stderr (both formats) when some deadlines counted unknown days."""
    return (f"{CALENDAR_UNCONFIRMED}：{len(unconfirmed):,} 张工单的截止时间按工作日计算，涉及日历中没有节假日安排的日期，"
            f"暂按周一至周五计算（如 {'、'.join(unconfirmed[:3])}）；导入该年国务院放假通知后重新导出即可更正。")


def note_sheet(unconfirmed: list[str]) -> pd.DataFrame:
    """The xlsx workbook's 说明 sheet: the note, then the tickets concerned (the 工单清单 sheet keeps
    exactly one row per ticket)."""
    return pd.DataFrame({"说明": [UNCONFIRMED_DEADLINE_NOTE, f"涉及工单 {len(unconfirmed):,} 张："] + unconfirmed})


def run(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise CliError("--out 应为 .csv 或 .xlsx 文件")
    now = parse_now(args.now)
    if args.month:
        month_bounds(args.month)

    engine = engine_for(args)
    init_db(engine)
    with engine.connect() as conn:
        df, unconfirmed = ticket_states_and_calendar(conn, now=now, month=args.month)
    if out.suffix.lower() == ".csv":
        data = to_csv_bytes(df)    # the contract's columns only: the calendar note goes to stderr
    else:
        data = to_xlsx_bytes({"工单清单": df, **({NOTE_SHEET: note_sheet(unconfirmed)} if unconfirmed else {})})
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as e:
        raise CliError(f"无法写入 {out}：{e.strerror}") from None
    overdue = int((df["是否超期"] == "是").sum())
    print(f"已导出 {len(df)} 张工单（超期 {overdue}）到 {out}，截至 {_fmt(now)}")
    if unconfirmed:
        print(calendar_note(unconfirmed), file=sys.stderr)
    return 0
