"""Streamlit building blocks shared by the pages: header, tiles, freshness, downloads, errors."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

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


def without_blanks(df: pd.DataFrame, timestamp: str = TIMESTAMP) -> pd.DataFrame:
    """A table as shown: a blank cell reads 「—」 (a grid shows a missing value as "None"); a time
    column that has blanks becomes text in `timestamp` format. Columns without blanks keep their type."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        if not values.isna().any():
            continue
        if pd.api.types.is_datetime64_any_dtype(values) or any(hasattr(v, "strftime") for v in values.dropna()[:1]):
            out[col] = [BLANK if pd.isna(v) else pd.Timestamp(v).strftime(timestamp) for v in values]
        else:
            out[col] = [BLANK if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else v for v in values]
    return out


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


def freshness(latest: datetime | None, now: datetime, amber_minutes: int, red_minutes: int) -> Freshness:
    if latest is None:
        return Freshness(None, "red", None)
    minutes = int((now - latest).total_seconds() // 60)
    level = "red" if minutes >= red_minutes else "amber" if minutes >= amber_minutes else "ok"
    return Freshness(latest, level, minutes)


def freshness_badge(f: Freshness) -> None:
    color = {"ok": "green", "amber": "orange", "red": "red"}[f.level]
    icon = {"ok": ":material/check_circle:", "amber": ":material/schedule:", "red": ":material/error:"}[f.level]
    suffix = "" if f.minutes is None or f.level == "ok" else f"（已 {f.minutes} 分钟未更新）"
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
