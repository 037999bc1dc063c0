"""Streamlit building blocks shared by the pages: header, tiles, freshness, downloads, errors."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.services.exports.safe import to_csv_bytes, to_xlsx_bytes
from dashboard.web.live import is_timeout

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str) -> str:
    """User text (file names, names, messages quoting cell values) shown inside Markdown elements
    (st.error, st.subheader, …) as the literal characters, never as links, images or emphasis."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"   # normal / inverse / off
    help: str | None = None
    # False when the second line is not a change (a note, a count of people, a time): drawn without
    # an arrow, which only a change carries
    delta_is_change: bool = True

    @property
    def delta_arrow(self) -> str:
        """st.metric's delta_arrow for this tile: "auto" for a change, "off" for a note."""
        return "auto" if self.delta_is_change else "off"


def page_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def tiles(items: list[Tile], columns: int | None = None) -> None:
    cols = st.columns(columns or len(items))
    for col, t in zip(cols * ((len(items) // len(cols)) + 1), items):
        with col:
            st.metric(t.label, t.value, delta=t.delta, delta_color=t.delta_color, help=t.help, border=True,
                      delta_arrow=t.delta_arrow)


def file_uploader(label: str, *, types: list[str], key: str, help: str | None = None):
    """st.file_uploader whose box speaks Chinese: Streamlit writes "Drag and drop file here", "Limit …
    per file" and "Browse files" itself; a style scoped to this uploader (by its key; static text,
    no user text) hides those and shows ours instead."""
    limit = st.get_option("server.maxUploadSize")
    kinds = "、".join(t.upper() for t in types)
    scope = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    st.html(
        "<style>"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] span,"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] small{{display:none!important}}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] > div::before"
        "{content:'将文件拖放到此处';display:block}"
        f"{scope} [data-testid='stFileUploaderDropzoneInstructions'] > div::after"
        f"{{content:'{kinds} 文件，单个不超过 {int(limit)} MB';display:block;font-size:0.8rem;opacity:0.7}}"
        f"{scope} button [data-testid='stMarkdownContainer'] p{{display:none!important}}"
        f"{scope} button [data-testid='stMarkdownContainer']::after{{content:'选择文件'}}"
        "</style>")
    return st.file_uploader(label, type=types, key=key, help=help)


ROW_PX, HEADER_PX = 35, 38


def table_height(rows: int) -> int:
    """The height (px) of a st.dataframe that shows all its `rows` without a scroll bar inside."""
    return HEADER_PX + ROW_PX * max(int(rows), 1) + 3


BLANK = "—"
TIMESTAMP = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"
# the number format of a count column: the reader's locale, i.e. thousands separators (1,963)
COUNT_FORMAT = "localized"
# the tokens of a column config's date format (moment.js) in strftime's words
# the column configs whose cells `shown` may write as text (a link, an image, a chart or a check box
# keeps its values: a 「—」 is no link)
SHOWN_KINDS = (None, "number", "text", "datetime", "date", "time")
# columns of whole numbers that are not counts (a year reads 2026, not 2,026)
NOT_COUNT_NAMES = ("年", "年份", "年度")
_MOMENT = (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))


def _is_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _is_count(v) -> bool:
    """An int, or a float holding a whole number (a column of ints that a blank turned into floats);
    not a bool and not a Decimal (scores, money and rates keep their digits)."""
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return isinstance(v, (float, np.floating)) and float(v).is_integer()


def _text(v) -> str:
    """A cell of a column shown as text: counts and other numbers with thousands separators."""
    if isinstance(v, str):
        return v
    if _is_count(v):
        return f"{int(v):,}"
    if isinstance(v, (Decimal, float, np.floating)):
        return f"{v:,}"
    return str(v)


def _strftime_of(config) -> str | None:
    fmt = ((config or {}).get("type_config") or {}).get("format") if isinstance(config, dict) else None
    if not fmt:
        return None
    for moment, code in _MOMENT:
        fmt = fmt.replace(moment, code)
    return fmt


def _as_text(config, label: str):
    """A column config turned into a text column's, keeping what the caller said of it otherwise."""
    if isinstance(config, dict):
        return {**config, "type_config": {"type": "text"}}
    return {"label": config if isinstance(config, str) else label, "type_config": {"type": "text"}}


def shown(df: pd.DataFrame, column_config: dict | None = None,
          timestamp: str = TIMESTAMP) -> tuple[pd.DataFrame, dict]:
    """A table as a reader sees it, and the column config that goes with it (the caller's, amended):

    - a column of counts (ints, or whole-number floats that a blank made of them) shows ints with
      thousands separators (1,963), never "11607.0";
    - a blank cell (None, NaN, NaT) reads 「—」, never "None"/"nan"/"NaT": a column that has blanks
      becomes text (counts as "1,963", times in the column's own format or `timestamp`, dates as
      YYYY-MM-DD, other numbers with separators, any other value as written), and so does a
      column that mixes words and numbers (a 「无数据」 among scores), and a column of exact
      figures (Decimal) of different precisions or of 1,000 and more (each as its own digits);
    - columns without blanks and other than counts keep their type (sorting, alignment).
    A column the caller configured as a link, image, chart, list, progress bar or check box is left as given."""
    out = df.copy()
    config = dict(column_config or {})
    for col in out.columns:
        values = out[col]
        if isinstance(values, pd.DataFrame):       # a name used twice: left as it is
            continue
        given = config.get(col)
        if col in config and given is None:        # a hidden column
            continue
        kind = ((given or {}).get("type_config") or {}).get("type") if isinstance(given, dict) else None
        if pd.api.types.is_bool_dtype(values) or kind not in SHOWN_KINDS:
            continue
        blank = [_is_blank(v) for v in values]
        present = [v for v, b in zip(values, blank) if not b]
        any_blank = any(blank)
        if present and all(_is_count(v) for v in present) and kind in (None, "number") \
                and not str(col).endswith(NOT_COUNT_NAMES) \
                and (kind is None or given.get("type_config", {}).get("format") in (None, "", COUNT_FORMAT, "%d")):
            if any_blank:
                out[col] = [BLANK if b else f"{int(v):,}" for v, b in zip(values, blank)]
                config[col] = {**_as_text(given, str(col)), "alignment": "right"}
            else:
                out[col] = values.astype("int64")
                if not isinstance(given, dict):
                    config[col] = {"type_config": {"type": "number", "format": COUNT_FORMAT}}
                    if isinstance(given, str):
                        config[col]["label"] = given
                else:
                    config[col] = {**given, "type_config": {**given.get("type_config", {}), "format": COUNT_FORMAT}}
            continue
        mixed = any(isinstance(v, str) for v in present) and not all(isinstance(v, str) for v in present)
        if present and all(isinstance(v, Decimal) for v in present) and kind is None and (
                len({v.as_tuple().exponent for v in present}) > 1 or any(abs(v) >= 1000 for v in present)):
            # exact figures (scores, factors, amounts) each with its own digits and separators: a grid
            # would write every one with the column's most digits (9.5400) and no separators
            out[col] = [BLANK if b else _text(v) for v, b in zip(values, blank)]
            config[col] = {**_as_text(given, str(col)), "alignment": "right"}
            continue
        if not any_blank and not mixed:
            continue
        if pd.api.types.is_datetime64_any_dtype(values) or any(hasattr(v, "strftime") for v in present[:1]):
            fmt = _strftime_of(given) or timestamp
            out[col] = [BLANK if b else (pd.Timestamp(v).strftime(fmt) if isinstance(v, (datetime, pd.Timestamp,
                        np.datetime64)) else v.strftime(DAY) if hasattr(v, "strftime") else _text(v))
                        for v, b in zip(values, blank)]
        else:
            out[col] = [BLANK if b else _text(v) for v, b in zip(values, blank)]
            if all(isinstance(v, (int, float, Decimal, np.number)) for v in present):
                config[col] = {**_as_text(given, str(col)), "alignment": "right"}   # numbers read right-aligned
                continue
        if kind is not None and kind != "text":
            config[col] = _as_text(given, str(col))
    return out, config


def without_blanks(df: pd.DataFrame, timestamp: str = TIMESTAMP) -> pd.DataFrame:
    """The frame of `shown` (counts with separators, blanks as 「—」), for a caller that shows it
    without a column config of its own."""
    return shown(df, timestamp=timestamp)[0]


def dataframe(data, *, column_config: dict | None = None, **kwargs):
    """st.dataframe of a table as `shown` makes it (a Styler or a list is shown as given)."""
    if isinstance(data, pd.DataFrame):
        data, column_config = shown(data, column_config)
    return st.dataframe(data, column_config=column_config or None, **kwargs)


def two_per_row_on_phone(key: str) -> None:
    """Tiles inside the container `key` go two a row on a phone (under 640 px) instead of one;
    a static style scoped to that container."""
    scope = f".st-key-{key}"
    st.html("<style>@media (max-width: 640px) {"
            f"{scope} [data-testid='stHorizontalBlock']{{flex-wrap:wrap!important;gap:.5rem!important}}"
            f"{scope} [data-testid='stColumn']{{flex:1 1 calc(50% - .5rem)!important;"
            "min-width:calc(50% - .5rem)!important;width:calc(50% - .5rem)!important}"
            f"{scope} [data-testid='stMetricValue']{{font-size:1.6rem!important}}"
            f"{scope} [data-testid='stMetric']{{padding:.5rem .7rem!important}}}}</style>")


@dataclass(frozen=True)
class Freshness:
    latest: datetime | None
    level: str           # ok / amber / red
    minutes: int | None

    @property
    def label(self) -> str:
        if self.latest is None:
            return "暂无数据"
        return f"数据截至 {self.latest:%m-%d %H:%M}"


def freshness(latest: datetime | None, now: datetime, amber_minutes: int, red_minutes: int, *,
              feed_late: bool = False) -> Freshness:
    """The data's age against the rules' minutes; a data feed that is late (it has not succeeded
    within its lateness window) makes fresh-looking data amber, since nothing newer is arriving."""
    if latest is None:
        return Freshness(None, "red", None)
    minutes = int((now - latest).total_seconds() // 60)
    level = "red" if minutes >= red_minutes else "amber" if minutes >= amber_minutes or feed_late else "ok"
    return Freshness(latest, level, minutes)


def freshness_badge(f: Freshness) -> None:
    color = {"ok": "green", "amber": "orange", "red": "red"}[f.level]
    icon = {"ok": ":material/check_circle:", "amber": ":material/schedule:", "red": ":material/error:"}[f.level]
    suffix = "" if f.minutes is None or f.level == "ok" else f"（已 {f.minutes} 分钟未更新）"
    if suffix:   # a narrow column (the sidebar) must not cut off how far behind the data is
        st.html("<style>.stMarkdownBadge,.stMarkdownBadge span{white-space:normal!important;"
                "overflow:visible!important;text-overflow:clip!important}</style>")
    st.badge(f.label + suffix, icon=icon, color=color)


def downloads(df: pd.DataFrame, basename: str, *, key: str, sheet: str = "数据") -> None:
    """CSV and Excel buttons for one table; every cell goes through the formula guard."""
    c1, c2, _ = st.columns([1, 1, 6])
    with c1:
        st.download_button("导出 Excel", to_xlsx_bytes({sheet: df}), file_name=f"{basename}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key=f"{key}-xlsx", icon=":material/download:")
    with c2:
        st.download_button("导出 CSV", to_csv_bytes(df), file_name=f"{basename}.csv", mime="text/csv",
                           key=f"{key}-csv", icon=":material/download:")


def database_unavailable(showing_last: bool = False, read_at: datetime | None = None, into=None) -> None:
    """The red outage banner. showing_last: the page shows remembered figures, read at `read_at`
    (the oldest of them) when known. into: a placeholder (st.empty) to write it in."""
    if read_at is not None:
        when = f"{read_at:%H:%M:%S}" if read_at.date() == datetime.now().date() else f"{read_at:%Y-%m-%d %H:%M:%S}"
        kept = f"以下为 {when} 读取的数据，"
    else:
        kept = "页面显示的是最近一次成功读取的数据，" if showing_last else ""
    (into or st).error(f"数据库暂时无法连接，{kept}系统会在下次刷新时自动重试。如持续出现，请联系系统管理员。",
                       icon=":material/cloud_off:")


def is_query_timeout(error: BaseException) -> bool:
    """PostgreSQL cancelled the statement (statement_timeout) rather than the database being down."""
    return is_timeout(error)


def database_error(error: BaseException, showing_last: bool = False, read_at: datetime | None = None) -> None:
    if is_query_timeout(error):
        st.error("查询超时：本次查询超过了系统设定的时限，已被取消。请缩小日期范围或筛选条件后重试。",
                 icon=":material/hourglass_disabled:")
    else:
        database_unavailable(showing_last, read_at)
