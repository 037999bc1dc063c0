"""Vectorised cell parsers (the cell formats of docs/imports.md). Each returns (values, bad) where `bad` marks
non-empty cells that could not be read; empty cells are None/NaT and never bad."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

BEIJING = "Asia/Shanghai"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_CANONICAL = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$"
_ISO_NAIVE = r"^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$"
_ISO_OFFSET = r"^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?\s?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_DATE_DASH = r"^\d{4}-\d{1,2}-\d{1,2}$"
_SLASH_S = r"^\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2}$"
_SLASH_M = r"^\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}$"
_SLASH_D = r"^\d{4}/\d{1,2}/\d{1,2}$"
_US_S = r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} ?[AaPp][Mm]$"
_US_M = r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2} ?[AaPp][Mm]$"
_SERIAL = r"^\d{1,6}(?:\.\d+)?$"

TRUE_WORDS = {"是", "y", "yes", "true", "1", "t", "√", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "f", "×", "无"}


def _fmt(sub: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(sub, format=fmt, errors="coerce")


def _pad_iso(sub: pd.Series) -> pd.Series:
    # ISO parsing needs two-digit month/day/hour: '2025-1-5 8:00' → '2025-01-05 08:00'
    return sub.str.replace(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):", _pad_repl, regex=True)


def _pad_repl(m: re.Match) -> str:
    y, mo, d, h = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d} {int(h):02d}:"


def parse_timestamps(s: pd.Series, tz: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Text → naive Beijing datetime64. Offsets are converted; offset-less text is in `tz`
    (default Beijing). Numbers are Excel serial days."""
    s = s.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    empty = s == ""
    naive_parts = []
    # Fast path for the canonical form: one regex and one vectorised parse for most files.
    canon = s.str.match(_CANONICAL) & ~empty
    if canon.any():
        naive_parts.append((canon, pd.to_datetime(s[canon], format="ISO8601", errors="coerce")))
    todo = ~empty & ~canon

    def take(pattern: str):
        if not todo.any():
            return None
        m = todo & s.str.match(pattern)
        return m if m.any() else None

    if (m := take(_ISO_NAIVE)) is not None:
        naive_parts.append((m, pd.to_datetime(_pad_iso(s[m]), format="ISO8601", errors="coerce")))
    if (m := take(_DATE_DASH)) is not None:
        naive_parts.append((m, _fmt(s[m], "%Y-%m-%d")))
    if (m := take(_SLASH_S)) is not None:
        naive_parts.append((m, _fmt(s[m], "%Y/%m/%d %H:%M:%S")))
    if (m := take(_SLASH_M)) is not None:
        naive_parts.append((m, _fmt(s[m], "%Y/%m/%d %H:%M")))
    if (m := take(_SLASH_D)) is not None:
        naive_parts.append((m, _fmt(s[m], "%Y/%m/%d")))
    if (m := take(_US_S)) is not None:
        naive_parts.append((m, _fmt(s[m].str.replace(r"(\d)([AaPp][Mm])$", r"\1 \2", regex=True),
                                    "%m/%d/%Y %I:%M:%S %p")))
    if (m := take(_US_M)) is not None:
        naive_parts.append((m, _fmt(s[m].str.replace(r"(\d)([AaPp][Mm])$", r"\1 \2", regex=True),
                                    "%m/%d/%Y %I:%M %p")))
    for m, vals in naive_parts:
        vals = vals.astype("datetime64[us]")
        if tz and tz != BEIJING:
            vals = _zone_to_beijing(vals, tz)
        out[m] = vals
    if (m := take(_ISO_OFFSET)) is not None:
        sub = s[m].str.replace(r"\s(?=[Zz+-][\d:]*$)", "", regex=True)
        sub = sub.str.replace(r"([+-]\d{2})$", r"\1:00", regex=True)
        vals = pd.to_datetime(_pad_iso(sub), format="ISO8601", errors="coerce", utc=True)
        out[m] = vals.dt.tz_convert(BEIJING).dt.tz_localize(None).astype("datetime64[us]")
    if (m := take(_SERIAL)) is not None:
        days = pd.to_numeric(s[m], errors="coerce")
        ok = (days >= 1) & (days < 2958466)  # Excel's range: 1900-01-01 … 9999-12-31
        ms = (days.where(ok) * 86_400_000).round()
        vals = EXCEL_EPOCH + pd.to_timedelta(ms, unit="ms")
        out[m] = vals.astype("datetime64[us]")
    bad = ~empty & out.isna()
    return out, bad


def _zone_to_beijing(vals: pd.Series, tz: str) -> pd.Series:
    valid = vals.notna()
    res = vals.copy()
    if valid.any():
        local = vals[valid].dt.tz_localize(tz, ambiguous=np.zeros(int(valid.sum()), dtype=bool),
                                           nonexistent="shift_forward")
        res[valid] = local.dt.tz_convert(BEIJING).dt.tz_localize(None).astype("datetime64[us]")
    return res


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates: any timestamp form whose time part is midnight or absent."""
    ts, bad = parse_timestamps(s)
    return ts.dt.normalize(), bad


def to_py(ts: pd.Series) -> list:
    """datetime64 → list of datetime (None for NaT), the types the database drivers take."""
    arr = ts.astype(object)
    return [None if v is pd.NaT or v is None or (isinstance(v, float)) else v.to_pydatetime()
            for v in arr]


def parse_bools(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = s.astype(str).str.strip().str.lower()
    empty = low == ""
    t = low.isin(TRUE_WORDS)
    f = low.isin(FALSE_WORDS)
    vals = pd.Series(None, index=s.index, dtype=object)
    vals[t] = True
    vals[f] = False
    return vals, ~empty & ~t & ~f


def parse_ints(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    st = s.astype(str).str.strip()
    empty = st == ""
    ok = st.str.fullmatch(r"[+]?\d{1,9}(?:\.0+)?")
    vals = pd.Series(None, index=s.index, dtype=object)
    vals[ok] = [int(float(v)) if "." in v else int(v) for v in st[ok]]
    return vals, ~empty & ~ok


def parse_decimals(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Non-negative decimal strings, normalised ('2.50' → '2.5'); exact, never float."""
    st = s.astype(str).str.strip()
    empty = st == ""
    ok = st.str.fullmatch(r"[+]?\d{1,9}(?:\.\d{1,6})?")
    vals = pd.Series(None, index=s.index, dtype=object)
    vals[ok] = [_dec_str(v) for v in st[ok]]
    return vals, ~empty & ~ok


def _dec_str(v: str) -> str:
    try:
        d = Decimal(v.lstrip("+"))
    except InvalidOperation:
        return v
    t = format(d.normalize(), "f")
    return t
