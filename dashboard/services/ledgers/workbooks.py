"""The ledger and QC report workbooks (质检日报/周报/月报, 质检台账, 疑难、未解决、特殊工单台账, 工作日志与交接班),
in the look of the periodic reports (dashboard.services.reports.xlsx): a title block per sheet, styled
tables written through the formula guard, native charts, and the same bytes for the same data and
`now`. Each builder is (conn, *, day, now, **options) -> bytes, as `report` calls it.
"""
from __future__ import annotations

from datetime import date, datetime

from openpyxl.styles import Font, PatternFill
from sqlalchemy.engine import Connection

from dashboard.services.ledgers import handover, measures, qc_reports, special
from dashboard.services.reports import xlsx
from dashboard.services.reports.content import Section
from domain.ledgers import qc_period
from domain.staffing import shift_bounds
from domain.vocabulary import QC_REPORT_TITLES

ORG = "通州区12345接诉即办"
OVERDUE_FILL = PatternFill("solid", fgColor="FDE2E1")
OVERDUE_FONT = Font(name=xlsx.FONT_NAME, size=10, color="C00000")


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now().replace(microsecond=0)


def _sheet(wb, section: Section, *, title: str, lines: list[str], footer: str) -> None:
    ws = wb.create_sheet(xlsx.sheet_name(section.name))
    df = section.frame
    xlsx.title_block(ws, f"{ORG}{title} · {section.name}", [*lines, section.note], max(len(df.columns), 1))
    table = xlsx.write_table(ws, df, row_formats=section.row_formats, row_format_columns=("本期", "上期", "变化"),
                             total_label=None)
    xlsx.set_widths(ws, df)
    if section.name == "概况":
        ws.column_dimensions["A"].width = 26
    xlsx.freeze_below(ws, table, columns=1 if section.row_formats else 0)
    xlsx.print_setup(ws, table, landscape=len(df.columns) > 5, footer=footer)
    if "是否逾期" in df.columns:
        _mark_overdue(ws, table, df)
    chart = section.chart
    if chart and len(df):
        anchor = f"{xlsx.get_column_letter(table.ncols + 2)}{table.header_row}"
        xlsx.bar_chart(ws, table, x=chart["x"], y=chart["y"], title=chart["title"], anchor=anchor, rows=chart.get("rows"))


def _mark_overdue(ws, table: xlsx.Table, df) -> None:
    """Overdue measures stand out: the whole row in red."""
    col = table.col("是否逾期")
    for r in range(table.first_row, table.last_row + 1):
        if ws.cell(row=r, column=col).value == "是":
            for j in range(1, table.ncols + 1):
                ws.cell(row=r, column=j).fill = OVERDUE_FILL
                ws.cell(row=r, column=j).font = OVERDUE_FONT


def _render(sections: list[Section], *, title: str, lines: list[str], now: datetime, footer: str) -> bytes:
    wb = xlsx.new_workbook(now, title=title)
    for section in sections:
        _sheet(wb, section, title=title, lines=lines, footer=footer)
    return xlsx.save(wb, now)


def _qc(conn: Connection, kind: str, day: date, now: datetime | None) -> bytes:
    now = _now(now)
    rep = qc_reports.qc_report(conn, kind=kind, day=day, now=now,
                               measures=measures.measures_frame(conn, now=now))
    p_start, p_end, p_cut = rep.prev
    prev_label = qc_reports.period_label(kind, p_start, p_end) + ("（同期截至 " + f"{p_cut:%Y-%m-%d %H:%M}）"
                                                                if rep.in_progress else "")
    lines = [f"统计范围：{rep.window_label}　对比上期：{prev_label}", f"数据时点：{now:%Y-%m-%d %H:%M}"]
    return _render(rep.sections, title=f"{rep.title} {rep.window_label}", lines=lines, now=now,
                   footer=f"{ORG}{rep.title} · {rep.window_label}")


def build_qc_daily(conn: Connection, *, day: date, now: datetime | None = None, **_) -> bytes:
    return _qc(conn, "qc-daily", day, now)


def build_qc_weekly(conn: Connection, *, day: date, now: datetime | None = None, **_) -> bytes:
    return _qc(conn, "qc-weekly", day, now)


def build_qc_monthly(conn: Connection, *, day: date, now: datetime | None = None, **_) -> bytes:
    return _qc(conn, "qc-monthly", day, now)


def build_qc_ledger(conn: Connection, *, day: date, now: datetime | None = None, shift: str | None = None, **_) -> bytes:
    """质检台账 of the day of `day` (or of one of its shifts)."""
    now = _now(now)
    start, end = qc_period("qc-daily", day)
    label = f"{day:%Y-%m-%d}"
    if shift:
        start, end = shift_bounds(day, shift)
        label += f" {shift}"
    df = qc_reports.ledger_frame(conn, start=start, end=end, now=now)
    title = QC_REPORT_TITLES["qc-ledger"]
    section = Section("质检台账", df, note="每行一次质检（通过或退回）；是否及时按质检时限判定；后续被市级退回即漏检")
    return _render([section], title=f"{title} {label}", lines=[f"统计范围：{label}", f"数据时点：{now:%Y-%m-%d %H:%M}"],
                   now=now, footer=f"{ORG}{title} · {label}")


def build_special_ledger(conn: Connection, *, day: date, now: datetime | None = None, **_) -> bytes:
    """疑难、未解决、特殊工单台账 as of `now`, for the week containing `day`."""
    now = _now(now)
    start, end = qc_period("qc-weekly", day)
    sections = special.ledger_sections(conn, now=now, week=(start, end))
    title = QC_REPORT_TITLES["special-ledger"]
    label = qc_reports.period_label("qc-weekly", start, end)
    return _render(sections, title=f"{title} {label}", lines=[f"统计周：{label}", f"数据时点：{now:%Y-%m-%d %H:%M}"],
                   now=now, footer=f"{ORG}{title} · {label}")


def build_handover(conn: Connection, *, day: date, now: datetime | None = None, shift: str | None = None,
                   group: str | None = None, **_) -> bytes:
    now = _now(now)
    log = handover.shift_log(conn, day=day, shift=shift or "早班", group=group or "派单", now=now)
    title = QC_REPORT_TITLES["handover"]
    label = f"{day:%Y-%m-%d} {log.shift} {log.group}组"
    return _render(log.sections(), title=f"{title} {label}", lines=[f"班次：{label}", f"数据时点：{now:%Y-%m-%d %H:%M}"],
                   now=now, footer=f"{ORG}{title} · {label}")
