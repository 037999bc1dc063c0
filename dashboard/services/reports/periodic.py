"""日报 / 周报 / 月报 / 专报 as formatted XLSX, and recording a report as delivered.

The builders assemble the figures once (dashboard.services.reports.content) and write them with the shared
formatting of dashboard.services.reports.xlsx: one sheet per section, a title block naming the window, the
previous window and the moment of the figures, Chinese headers, number formats (rates 0.00%),
frozen header, print setup and native charts. Same data and same `now` → the same bytes.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit
from dashboard.services.assessment.signoff import SignoffError, ensure_not_frozen
from dashboard.services.reports import xlsx
from dashboard.services.reports.content import ReportContent, ReportError, ReportSpec, build_content, spec_for
from domain.access import can
from queries.schema import reports, staff

ORG = "通州区12345接诉即办"


def render(content: ReportContent) -> bytes:
    """The workbook of a report's content."""
    spec, now = content.spec, content.now
    wb = xlsx.new_workbook(now, title=f"{spec.title} {spec.window_label}")
    footer = f"{ORG}{spec.title} · {spec.report_no}"
    for section in content.sections:
        ws = wb.create_sheet(xlsx.sheet_name(section.name))
        df = section.frame
        lines = [f"报表编号：{spec.report_no}　统计范围：{content.window_text}　对比上期：{content.prev_text}",
                 f"数据时点：{content.as_of:%Y-%m-%d %H:%M}　生成时间：{now:%Y-%m-%d %H:%M}"
                 + (f"　分类：{spec.category}" if spec.category else ""),
                 section.note]
        xlsx.title_block(ws, f"{ORG}{spec.title} · {section.name}", lines, max(len(df.columns), 1))
        table = xlsx.write_table(ws, df, row_formats=section.row_formats,
                                 row_format_columns=("本期", "上期", "变化"))
        xlsx.set_widths(ws, df)
        if section.name == "概况":
            ws.column_dimensions["A"].width = 22
        xlsx.freeze_below(ws, table, columns=1 if section.name in ("概况", "时效") else 0)
        xlsx.print_setup(ws, table, landscape=len(df.columns) > 5, footer=footer)
        if section.chart and len(df):
            _chart(ws, table, section.chart)
    return xlsx.save(wb, now)


def _chart(ws, table: xlsx.Table, chart: dict) -> None:
    anchor = f"{xlsx.get_column_letter(table.ncols + 2)}{table.header_row}"
    if chart["type"] == "line":
        xlsx.line_chart(ws, table, x=chart["x"], y=chart["y"], title=chart["title"], anchor=anchor)
    else:
        xlsx.bar_chart(ws, table, x=chart["x"], y=chart["y"], title=chart["title"], anchor=anchor,
                       rows=chart.get("rows"))


def build(conn: Connection, spec: ReportSpec, *, now: datetime | None = None) -> bytes:
    return render(build_content(conn, spec, now=now))


def build_daily(conn: Connection, *, day: date, now: datetime | None = None, window_start_hour: int = 12) -> bytes:
    """日报: window_start_hour of the previous day to that hour on `day` (12:00 → 12:00 by default)."""
    return build(conn, spec_for("daily", day, window_start_hour=window_start_hour), now=now)


def build_weekly(conn: Connection, *, day: date, now: datetime | None = None) -> bytes:
    """周报: the Monday–Sunday week containing `day`."""
    return build(conn, spec_for("weekly", day), now=now)


def build_monthly(conn: Connection, *, day: date, now: datetime | None = None, period: str = "calendar") -> bytes:
    """月报: the calendar month of `day`, or (period="assessment") the 19th–18th 考核期 containing it."""
    return build(conn, spec_for("monthly", day, period=period or "calendar"), now=now)


def build_topic(conn: Connection, *, day: date, now: datetime | None = None, category: str) -> bytes:
    """专报: the 7 days ending `day`, tickets whose category l1 or l2 is `category`."""
    return build(conn, spec_for("topic", day, category=category), now=now)


# --- delivery (报表报送, the basis of 报表按时报送率, docs/assessment.md) ------------------------------

class DeliveryError(ValueError):
    """A refused delivery record (message in Chinese)."""


def staff_no_for(conn: Connection, username: str) -> str:
    """The 工号 of a user: the username itself when it is a known 工号 (accounts are often named
    after it), else the username — the reports row then still says who delivered."""
    row = conn.execute(sa.select(staff.c.staff_no).where(staff.c.staff_no == username)).first()
    return row[0] if row else username


def record_delivery(conn: Connection, spec: ReportSpec, *, username: str, role: str | None,
                    now: datetime) -> dict:
    """Record the report as delivered at `now` (inside the caller's transaction).

    Re-checks the role (report_delivery) and refuses when the month of the due time is frozen.
    A report already delivered keeps its first delivery time (re-sending a corrected file does
    not make a punctual delivery late); a row imported without a delivery time gets one.
    Returns the row and whether it was new / updated / unchanged.
    """
    if not can(role, "report_delivery"):
        raise audit.denied(conn, DeliveryError(f"无权登记报送：当前角色 {role or '未登录'} 不能登记报表报送"),
                           username=username, target=f"report:{spec.report_no}",
                           detail=f"action=report_delivery role={role}")
    try:
        ensure_not_frozen(conn, f"{spec.due_at:%Y-%m}")
    except SignoffError as e:
        raise DeliveryError(str(e)) from None
    delivered_at = now.replace(microsecond=0)
    who = staff_no_for(conn, username)
    row = conn.execute(sa.select(reports).where(reports.c.report_no == spec.report_no)).mappings().first()
    if row is None:
        conn.execute(reports.insert().values(report_no=spec.report_no, report_type=spec.type_label,
                                             due_at=spec.due_at, delivered_at=delivered_at, staff_no=who,
                                             has_error=False))
        outcome = "new"
    elif row["delivered_at"] is None:
        conn.execute(reports.update().where(reports.c.report_no == spec.report_no).values(
            delivered_at=delivered_at, staff_no=who))
        outcome = "updated"
    else:
        outcome = "unchanged"
    final = dict(conn.execute(sa.select(reports).where(reports.c.report_no == spec.report_no)).mappings().one())
    on_time = final["delivered_at"] is not None and final["delivered_at"] <= final["due_at"]
    audit.record(conn, username=username, action="report_delivered", target=spec.report_no,
                 detail=f"{outcome} type={spec.type_label} due={final['due_at']} delivered={final['delivered_at']}"
                        f" on_time={on_time}")
    final["outcome"] = outcome
    final["on_time"] = on_time
    return final


__all__ = ["build_daily", "build_weekly", "build_monthly", "build_topic", "render", "record_delivery",
           "DeliveryError", "ReportError", "spec_for"]
