"""`calendar import FILE` and the admin form: a year's State Council notice into the calendar table
(docs/cli.md, calendar). Columns 日期 and 类型 ∈ 休/班, the days that differ from Monday–Friday; a
file with any bad row is refused whole with every reason, nothing written. The year's rows are
replaced, the facts of the tickets whose working-day deadline can reach into the year re-derived,
and the import audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit, breach_history, calendar_days, facts, kept_figures
from dashboard.services.assessment import settled_counts
from dashboard.services.ingest.reading import FileRefused, read_table
from domain import calendar as cal
from queries.schema import calendar_days as calendar_table
from queries.schema import tickets

DATE_COLUMN, KIND_COLUMN = "日期", "类型"
KINDS = {cal.RESTING: False, cal.WORKING: True}
# a ticket received this long before the year can have a working-day deadline inside it
REACH_BACK_DAYS = 60


class CalendarRefused(Exception):
    """The file is not written; the message lists the reasons in Chinese, one a line."""


@dataclass(frozen=True)
class ImportResult:
    year: int
    resting: int          # weekdays listed 休
    working: int          # weekend days listed 班
    replaced: int         # rows of the year that were there before


def parse_notice(filename: str, data: bytes) -> tuple[int, dict[date, bool]]:
    """The year and the listed days of a notice file, or CalendarRefused with every bad row."""
    try:
        df = read_table(filename, data)
    except FileRefused as e:
        raise CalendarRefused(str(e)) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in (DATE_COLUMN, KIND_COLUMN) if c not in df.columns]
    if missing:
        raise CalendarRefused(f"缺少列：{'、'.join(missing)}（需要列 {DATE_COLUMN}、{KIND_COLUMN}，类型为 休 或 班）")
    reasons: list[str] = []
    listed: dict[date, bool] = {}
    for i, (raw_day, raw_kind) in enumerate(zip(df[DATE_COLUMN], df[KIND_COLUMN]), start=2):
        text, kind = str(raw_day).strip(), str(raw_kind).strip()
        try:
            day = date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
            if len(text) > 10 and text[10:].strip() not in ("", "00:00:00"):
                raise ValueError
        except ValueError:
            reasons.append(f"第 {i} 行：日期「{text}」无法识别（应为 YYYY-MM-DD）")
            continue
        if kind not in KINDS:
            reasons.append(f"第 {i} 行：类型「{kind}」无效（应为 休 或 班）")
            continue
        if day in listed:
            reasons.append(f"第 {i} 行：日期 {day} 重复出现")
            continue
        listed[day] = KINDS[kind]
    years = sorted({d.year for d in listed})
    if len(years) > 1:
        reasons.append(f"文件包含多个年份（{'、'.join(str(y) for y in years)}）：一个文件只能是一年的放假通知")
    if reasons:
        raise CalendarRefused("\n".join(reasons))
    if not listed:
        raise CalendarRefused("文件中没有日期行")
    return years[0], listed


def import_notice(conn: Connection, filename: str, data: bytes, *, username: str) -> ImportResult:
    """Replace the notice's year in the table (all or nothing) and audit it."""
    year, listed = parse_notice(filename, data)
    c = calendar_table.c
    replaced = conn.execute(calendar_table.delete().where(
        c.day >= date(year, 1, 1), c.day < date(year + 1, 1, 1))).rowcount or 0
    source = (calendar_days.IMPORT_SOURCE_PREFIX + (filename or "").rsplit("/", 1)[-1])[:200]
    conn.execute(calendar_table.insert(), [{"day": d, "working": w, "source": source} for d, w in sorted(listed.items())])
    exceptions = cal.exceptions_of(listed.items())
    result = ImportResult(year=year, resting=sum(1 for _, w in exceptions if not w),
                          working=sum(1 for _, w in exceptions if w), replaced=replaced)
    audit.record(conn, username=username, action="calendar_import", target=str(year),
                 detail=f"{filename}：休 {result.resting} 天（工作日放假），班 {result.working} 天（周末上班），"
                        f"替换原有 {replaced} 行")
    calendar_days.forget()
    calendar_days.load(conn)
    kept_figures.forget(conn)     # the intake forecasts were counted with the old day kinds
    _rederive(conn, year)
    return result


def _rederive(conn: Connection, year: int) -> None:
    """Facts and stored counts of the tickets whose deadline the year's days can move."""
    since = datetime(year, 1, 1) - timedelta(days=REACH_BACK_DAYS)
    nos = [r[0] for r in conn.execute(sa.select(tickets.c.ticket_no).where(
        tickets.c.received_at >= since, tickets.c.received_at < datetime(year + 1, 1, 1)))]
    if nos:
        facts.refresh(conn, nos)
        settled_counts.invalidate_since(conn, since)
        breach_history.forget(conn)     # counted with the deadlines the year's days moved
