"""Bytes of an uploaded file → a DataFrame of text cells (docs/imports.md: CSV in UTF-8/BOM/GB18030, XLSX).

Every cell comes out as a string ('' for empty) so that validation sees exactly what the file
holds; XLSX date cells become 'YYYY-MM-DD HH:MM:SS[.ffffff]' text, numbers their plain digits.
Size and zip-bomb limits are checked before any parser touches the bytes.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

import pandas as pd

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
ZIP_SIGNATURE = b"PK\x03\x04"


class FileRefused(Exception):
    """The file as a whole cannot be read; the message is for the user (Chinese)."""


def read_table(filename: str, data: bytes) -> pd.DataFrame:
    if not data or not data.strip():
        raise FileRefused("文件为空")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"文件过大（{len(data) // (1024 * 1024)} MB），上限 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:4] == ZIP_SIGNATURE:
        df = _read_xlsx(data)
    elif name.endswith(".xls"):
        raise FileRefused("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV")
    else:
        df = _read_csv(data)
    if df.empty:
        raise FileRefused("文件中没有数据行（只有表头或为空）")
    return df


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030 only when the bytes are not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise FileRefused("不是可识别的表格文件（CSV 或 XLSX）")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRefused("无法识别的文件编码（支持 UTF-8、带 BOM 的 UTF-8、GB18030）") from None


def _read_csv(data: bytes) -> pd.DataFrame:
    text = decode_text(data)
    if "\x00" in text:
        raise FileRefused("不是可识别的表格文件（CSV 或 XLSX）")
    raw = text.encode("utf-8")
    df = _read_csv_arrow(raw)
    if df is not None:
        return df
    try:
        # UTF-8 bytes, not a StringIO: pandas re-encodes a text stream chunk by chunk and copies
        # the growing remainder each time (quadratic in the non-ASCII share of the file)
        df = pd.read_csv(io.BytesIO(raw), encoding="utf-8", dtype=str, keep_default_na=False,
                         na_filter=False, skipinitialspace=False, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise FileRefused("文件为空") from None
    except (pd.errors.ParserError, ValueError) as e:
        raise FileRefused(f"CSV 格式错误：{str(e).splitlines()[0]}") from None
    df.columns = [_header(c) for c in df.columns]
    return df


def _read_csv_arrow(raw: bytes) -> pd.DataFrame | None:
    """The same table as the pandas reader below, from Arrow's multi-threaded CSV parser (a fifth
    of the time at 200,000 rows), or None when the file is one the two could read differently
    (a parse error, a blank or repeated header): the pandas reader then decides and words the
    error for the user."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    try:
        parse = pa_csv.ParseOptions(newlines_in_values=True)
        names = pa_csv.open_csv(io.BytesIO(raw), parse_options=parse).schema.names
        if not names or len(set(names)) != len(names) or any(not _header(n) for n in names):
            return None
        table = pa_csv.read_csv(
            io.BytesIO(raw), parse_options=parse,
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError, OverflowError):
        return None
    df = table.to_pandas()
    df.columns = [_header(c) for c in df.columns]
    return df


def _read_xlsx(data: bytes) -> pd.DataFrame:
    if data[:4] != ZIP_SIGNATURE:
        raise FileRefused("不是有效的 XLSX 文件（文件内容不是 Excel 工作簿）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused("不是有效的 XLSX 文件（压缩包已损坏）") from None
    if total > MAX_UNZIPPED_BYTES:
        raise FileRefused(f"XLSX 解压后过大（{total // (1024 * 1024)} MB），上限 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB")
    if "xl/workbook.xml" not in names:
        raise FileRefused("不是有效的 XLSX 文件（缺少工作簿）")
    import defusedxml  # noqa: F401 - openpyxl uses it for XML parsing when installed
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any parser failure is "not a workbook" to the user
        raise FileRefused("不是有效的 XLSX 文件（无法打开工作簿）") from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileRefused("文件为空")
        width = len(header)
        while width and (header[width - 1] is None or str(header[width - 1]).strip() == ""):
            width -= 1
        if width == 0:
            raise FileRefused("文件第1行没有表头")
        body = []
        for r in rows:
            cells = [_cell_text(v) for v in r[:width]]
            cells += [""] * (width - len(cells))
            if any(c.strip() for c in cells):
                body.append(cells)
    finally:
        wb.close()
    return pd.DataFrame(body, columns=[_header(h) for h in header[:width]], dtype=object)


def _header(h) -> str:
    return "" if h is None else str(h).replace("\ufeff", "").strip()


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)
