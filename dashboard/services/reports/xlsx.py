"""Shared formatting of the report workbooks: a title block, a styled table written through the
formula guard (dashboard.services.exports.safe), number formats, widths, frozen panes, print setup,
native Excel charts, and a deterministic save (same content and `now` → same bytes).

Usage: wb = new_workbook(now); ws = wb.create_sheet("概况"); top = title_block(ws, ...);
table = write_table(ws, df, formats=...); bar_chart(ws, table, ...); print_setup(ws, table);
data = save(wb, now).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter  # noqa: F401 - re-exported for builders
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.services.exports.safe import cell_value, write_sheet
from dashboard.services.reports.content import CHANGE, RATIO, is_rate_column
from domain.evidence import PERCENTAGE_POINTS

APP_NAME = "接诉即办运行监管平台"
FONT_NAME = "微软雅黑"
BRAND = "1F4E79"
FORMATS = {
    "count": "#,##0",
    "rate": "0.00%",
    "score": "0.00",
    "decimal": "#,##0.00##",
    "one": "0.0",
    "money": "#,##0.00",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
    "text": "@",
    # a summary's change of a rate, written in points (the fraction × 100): +1.26 个百分点
    "points": f'+0.00" {PERCENTAGE_POINTS}";-0.00" {PERCENTAGE_POINTS}";+0.00" {PERCENTAGE_POINTS}"',
    # a summary's percentage change (环比, a fraction): +1.41% / -1.41%
    "ratio": "+0.00%;-0.00%;+0.00%",
}
SCORE_WORDS = ("综合成绩", "得分", "权重", "失分")
TITLE_FONT = Font(name=FONT_NAME, size=15, bold=True, color=BRAND)
SUBTITLE_FONT = Font(name=FONT_NAME, size=10, color="595959")
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
BODY_FONT = Font(name=FONT_NAME, size=10)
TOTAL_FONT = Font(name=FONT_NAME, size=10, bold=True)
HEADER_FILL = PatternFill("solid", fgColor=BRAND)
BAND_FILL = PatternFill("solid", fgColor="F2F6FA")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Table:
    """Where write_table put a frame: header row, first/last data row, number of columns."""
    header_row: int
    first_row: int
    last_row: int
    ncols: int
    columns: tuple[str, ...]

    def col(self, name: str) -> int:
        return self.columns.index(name) + 1


def new_workbook(now: datetime, *, title: str = "") -> Workbook:
    """An empty workbook whose document properties carry `now`, not the wall clock."""
    wb = Workbook()
    wb.remove(wb.active)
    stamp = now.replace(microsecond=0)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = APP_NAME
    wb.properties.lastModifiedBy = APP_NAME
    wb.properties.title = title or None
    return wb


def sheet_name(text: str) -> str:
    bad = '[]:*?/\\'
    return "".join("_" if ch in bad else ch for ch in text)[:31] or "Sheet"


def title_block(ws: Worksheet, title: str, lines: list[str], width: int) -> int:
    """Title and subtitle rows merged across `width` columns; returns the next free row."""
    ws.append([cell_value(title)])
    ws.cell(row=ws.max_row, column=1).font = TITLE_FONT
    ws.row_dimensions[ws.max_row].height = 26
    for line in lines:
        if not line:
            continue
        ws.append([cell_value(line)])
        ws.cell(row=ws.max_row, column=1).font = SUBTITLE_FONT
    last = ws.max_row
    if width > 1:
        for r in range(1, last + 1):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    for r in range(1, last + 1):
        ws.cell(row=r, column=1).alignment = Alignment(vertical="center", wrap_text=False)
    ws.append([])
    return ws._current_row + 1


def infer_format(name: str, series: pd.Series) -> str | None:
    """The number format of a column from its name and values (rates are fractions → 0.00%)."""
    values = [v for v in series if v is not None and not (isinstance(v, float) and pd.isna(v))]
    if is_rate_column(name):
        return FORMATS["rate"]
    if any(w in name for w in SCORE_WORDS):
        return FORMATS["decimal"] if name == "得分" else FORMATS["score"]
    if "元" in name or "金额" in name:
        return FORMATS["money"]
    if "分钟" in name or "小时" in name:
        return FORMATS["one"]
    if values and all(isinstance(v, (datetime, pd.Timestamp)) for v in values):
        return FORMATS["datetime"]
    if values and all(isinstance(v, date) for v in values):
        return FORMATS["date"]
    if values and all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in values):
        return FORMATS["count"] if all(isinstance(v, int) or v == v.to_integral_value() for v in values) \
            else FORMATS["decimal"]
    if pd.api.types.is_integer_dtype(series):
        return FORMATS["count"]
    return None


def write_table(ws: Worksheet, df: pd.DataFrame, *, formats: dict[str, str] | None = None,
                row_formats: list[str] | None = None, row_format_columns: tuple[str, ...] = (),
                total_label: str | None = "合计", text_columns: set[str] | None = None) -> Table:
    """The frame as a styled table below what the sheet holds (cells through the formula guard).

    formats: column → number format (else inferred); row_formats: per data row a FORMATS key
    applied to `row_format_columns` (a summary whose rows mix counts and rates); in such a summary
    a rate row's 变化 is written in percentage points and 环比 as a signed percentage, as the page reads.
    """
    header_row = ws._current_row + 1   # write_sheet appends below the last appended row
    if row_formats and CHANGE in row_format_columns and CHANGE in df.columns:
        # a rate's change is read in percentage points, as on the page: the cell holds the points
        df = df.copy()
        df[CHANGE] = [v * 100 if f == "rate" and isinstance(v, (int, Decimal)) else v
                      for v, f in zip(df[CHANGE], row_formats)]
    write_sheet(ws, df, text_columns=text_columns)
    cols = tuple(str(c) for c in df.columns)
    first, last = header_row + 1, header_row + len(df)
    for j in range(1, len(cols) + 1):
        c = ws.cell(row=header_row, column=j)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[header_row].height = 30
    fmt = {}
    for name in cols:
        f = (formats or {}).get(name) or infer_format(name, df[name])
        if f:
            fmt[name] = f
    for i, r in enumerate(range(first, last + 1)):
        is_total = total_label is not None and str(df.iloc[i, 0]) == total_label
        for j, name in enumerate(cols, start=1):
            c = ws.cell(row=r, column=j)
            c.font = TOTAL_FONT if is_total else BODY_FONT
            c.border = BORDER
            if i % 2 == 1:
                c.fill = BAND_FILL
            if c.number_format != "@":
                if row_formats and name == CHANGE and name in row_format_columns and row_formats[i] == "rate":
                    c.number_format = FORMATS["points"]
                elif row_formats and name in row_format_columns:
                    c.number_format = FORMATS[row_formats[i]]
                elif row_formats and name == RATIO:
                    c.number_format = FORMATS["ratio"]
                elif name in fmt:
                    c.number_format = fmt[name]
            if isinstance(c.value, (int, float, Decimal)) and not isinstance(c.value, bool):
                c.alignment = Alignment(horizontal="right")
    return Table(header_row, first, last, len(cols), cols)


def set_widths(ws: Worksheet, df: pd.DataFrame, *, minimum: int = 8, maximum: int = 48) -> None:
    """Column widths from the header and the first rows (CJK characters count double)."""
    def w(text) -> int:
        s = str(text)
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    for i, col in enumerate(df.columns, start=1):
        sample = [w(col) + 2] + [w(v) + 2 for v in df[col].head(200) if v is not None]
        width = max(sample) if sample else minimum
        if any(isinstance(v, (datetime, pd.Timestamp)) for v in df[col].head(5)):
            width = max(width, 18)
        ws.column_dimensions[get_column_letter(i)].width = max(minimum, min(width, maximum))


def freeze_below(ws: Worksheet, table: Table, columns: int = 0) -> None:
    ws.freeze_panes = ws.cell(row=table.header_row + 1, column=columns + 1)


def print_setup(ws: Worksheet, table: Table | None, *, landscape: bool = True, footer: str = "") -> None:
    """A4, fit to one page wide, header row repeated, centred, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if table is not None:
        ws.print_title_rows = f"{table.header_row}:{table.header_row}"
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    if footer:
        ws.oddFooter.left.text = footer.replace("&", "&&")
    ws.sheet_view.showGridLines = False


def _chart_common(chart, title: str, x_title: str, y_title: str, rate: bool) -> None:
    chart.title = title
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.height, chart.width = 8.5, 22
    chart.y_axis.numFmt = FORMATS["rate"] if rate else "#,##0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"


def bar_chart(ws: Worksheet, table: Table, *, x: str, y: list[str], title: str, anchor: str,
              rows: int | None = None, x_title: str = "", y_title: str = "") -> BarChart | None:
    """A native clustered column chart of columns `y` against categories `x` (first `rows` rows)."""
    n = table.last_row - table.first_row + 1 if rows is None else rows
    if n <= 0:
        return None
    chart = BarChart()
    chart.type = "col"
    rate = all(name.endswith("率") for name in y)
    _chart_common(chart, title, x_title or x, y_title or ("比例" if rate else "工单数"), rate)
    for name in y:
        col = table.col(name)
        data = Reference(ws, min_col=col, min_row=table.header_row, max_row=table.first_row + n - 1)
        chart.add_data(data, titles_from_data=True)
    cats = Reference(ws, min_col=table.col(x), min_row=table.first_row, max_row=table.first_row + n - 1)
    chart.set_categories(cats)
    ws.add_chart(chart, anchor)
    return chart


def line_chart(ws: Worksheet, table: Table, *, x: str, y: list[str], title: str, anchor: str,
               x_title: str = "", y_title: str = "") -> LineChart | None:
    n = table.last_row - table.first_row + 1
    if n <= 0:
        return None
    chart = LineChart()
    _chart_common(chart, title, x_title or x, y_title or "工单数", False)
    for name in y:
        data = Reference(ws, min_col=table.col(name), min_row=table.header_row, max_row=table.last_row)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=table.col(x), min_row=table.first_row, max_row=table.last_row))
    for s in chart.series:
        s.smooth = False
    ws.add_chart(chart, anchor)
    return chart


def save(wb: Workbook, now: datetime) -> bytes:
    """The workbook's bytes with every zip entry stamped `now`, so equal content → equal bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    stamp = max(now, datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps `modified` with the wall clock on save; the report's moment is `now`
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + f"{now:%Y-%m-%dT%H:%M:%S}Z".encode() + rb"\g<2>", body)
            dst.writestr(entry, body)
    return out.getvalue()
