"""Formula-injection-safe cell values for CSV and XLSX exports (OWASP CSV injection).

Text that a spreadsheet would run as a formula gets a leading apostrophe; real numbers stay
numbers (a negative amount is a number, not text). Identifiers (ticket, ID, phone numbers) are
exported as text so Excel neither rounds nor reformats them.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
TEXT_ID_COLUMNS = {"工单编号", "ticket_no", "工号", "staff_no", "电话", "联系电话", "身份证号", "报表编号", "来电人电话"}


def neutralise(value):
    """A cell value that no spreadsheet will evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` with every text cell neutralised; numeric columns untouched."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel opens Chinese text correctly."""
    buf = io.StringIO()
    safe_frame(df).to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def cell_value(value):
    """A value openpyxl writes as data: no formulas, exact decimals, naive datetimes."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (datetime, date, int, float)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return neutralise(str(value))


def write_sheet(ws, df: pd.DataFrame, *, text_columns: set[str] | None = None) -> None:
    """Header row plus data rows; identifier columns written as text cells."""
    text_columns = (text_columns or set()) | TEXT_ID_COLUMNS
    ws.append([str(c) for c in df.columns])
    text_idx = [i for i, c in enumerate(df.columns) if c in text_columns]
    for row in df.itertuples(index=False):
        values = [cell_value(v) for v in row]
        for i in text_idx:
            if values[i] is not None:
                values[i] = neutralise(str(values[i]))
        ws.append(values)
    for i in text_idx:
        for cell in ws.iter_cols(min_col=i + 1, max_col=i + 1, min_row=2):
            for c in cell:
                c.number_format = "@"
                if c.data_type == "f":  # never a formula, whatever openpyxl guessed
                    c.data_type = "s"


def to_xlsx_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for title, df in frames.items():
        ws = wb.create_sheet(title=title[:31])
        write_sheet(ws, df)
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col)) * 2] + [min(len(str(v)), 40) for v in df[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
