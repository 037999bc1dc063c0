"""Repeat complaints (重复诉求) on the pages: a section each for the backlog, the stand-up and a
ticket's chain of earlier tickets (docs/repeats.md). Each page calls one function."""
from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from urllib.parse import quote

import pandas as pd
import streamlit as st

from dashboard.web import ui
from dashboard.web.reads import repeats as data
from domain.formatting import count, pct
from domain.repeats import REPEAT_WINDOW_DAYS, masked

RULE_TEXT = (f"重复诉求：同一来电人，或同一地址的同类诉求，在前 {REPEAT_WINDOW_DAYS} 天内已有工单；"
             "重复来源为其中最近的一张。")
STANDUP_DAYS = data.RECENT_DAYS
DIMENSIONS = {"street": "街乡镇", "unit": "承办单位", "category": "分类"}


def _rate(repeats: int, tickets: int) -> str:
    return pct(Fraction(repeats, tickets)) if tickets else "—"


def _present(v) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v)) and v != ""


def ticket_link(ticket_no: str | None) -> str | None:
    """The 工单查询 page of a ticket (None when there is no ticket: pandas gives NaN for NULL)."""
    return f"/tickets?ticket={quote(str(ticket_no), safe='')}" if _present(ticket_no) else None


def _link_config(label: str) -> st.column_config.LinkColumn:
    return st.column_config.LinkColumn(label, display_text=r"ticket=(.*)$")


def _counts_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    df = df[df["repeats"] > 0]
    return pd.DataFrame({DIMENSIONS[by]: df["key"], "受理": df["tickets"].map(count), "重复": df["repeats"].map(count),
                         "重复率": [_rate(int(r), int(t)) for r, t in zip(df["repeats"], df["tickets"])]})


def _counts_columns(start: datetime, end: datetime, now: datetime,
                    frames: dict[str, pd.DataFrame] | None = None) -> None:
    """The first rows of each grouping with repeats (`frames`: read already, by grouping)."""
    cols = st.columns(len(DIMENSIONS))
    for col, by in zip(cols, DIMENSIONS):
        with col:
            frame = frames[by] if frames is not None else data.counts(start, end, by, now, data.TOP_ROWS)
            table = _counts_table(frame, by)
            if table.empty:
                st.caption(f"按{DIMENSIONS[by]}：没有重复诉求。")
            else:
                ui.dataframe(table, hide_index=True, width="stretch")


def backlog_section(now: datetime) -> None:
    """In-progress tickets that repeat an earlier one, and where repeats came from lately."""
    st.subheader("重复诉求")
    st.caption(RULE_TEXT)
    open_df, total = data.open_repeats(now, 50)
    start = now - timedelta(days=STANDUP_DAYS)
    totals = data.totals(start, now + timedelta(seconds=1), now)
    ui.tiles([
        ui.Tile("在办的重复诉求", count(total), help="在办工单中，属于重复诉求的工单"),
        ui.Tile(f"近 {STANDUP_DAYS} 天重复", count(totals["repeats"]),
                help=f"近 {STANDUP_DAYS} 天受理 {count(totals['tickets'])} 张"),
        ui.Tile(f"近 {STANDUP_DAYS} 天重复率", _rate(totals["repeats"], totals["tickets"])),
    ])
    if open_df.empty:
        st.success("当前没有在办的重复诉求。")
    else:
        shown = pd.DataFrame({"工单编号": open_df["ticket_no"].map(ticket_link),
                              "重复来源工单": open_df["repeat_source_no"].map(ticket_link),
                              "接收时间": open_df["received_at"], "阶段": open_df["stage"],
                              "办结时限": open_df["deadline_at"], "街乡镇": open_df["street"],
                              "承办单位": open_df["unit"], "分类": open_df["category"], "标题": open_df["title"]})
        st.caption(f"共 {count(total)} 张，按办结时限先后列出前 {count(len(shown))} 张；点编号打开工单。")
        ui.dataframe(shown, hide_index=True, width="stretch", column_config={
            "工单编号": _link_config("工单编号"), "重复来源工单": _link_config("重复来源工单"),
            "接收时间": st.column_config.DatetimeColumn("接收时间", format="YYYY-MM-DD HH:mm"),
            "办结时限": st.column_config.DatetimeColumn("办结时限", format="YYYY-MM-DD HH:mm")})
    st.markdown(f"**近 {STANDUP_DAYS} 天重复最多**")
    _counts_columns(start, now + timedelta(seconds=1), now)


def standup_section(recent: data.RecentRepeats) -> None:
    """The last week's repeats up to the stand-up day, and the open repeats to act on (read with
    the stand-up's other figures: reads.repeats.recent_parts)."""
    totals = recent.totals
    st.subheader(f"重复诉求（近 {STANDUP_DAYS} 天）")
    ui.tiles([
        ui.Tile("受理", count(totals["tickets"])),
        ui.Tile("其中重复", count(totals["repeats"])),
        ui.Tile("重复率", _rate(totals["repeats"], totals["tickets"])),
        ui.Tile("在办的重复诉求", count(recent.open_total)),
    ])
    st.caption(RULE_TEXT)
    _counts_columns(recent.start, recent.end, recent.end, recent.counts)


def hotspots_section(start: datetime, end: datetime, now: datetime, label: str) -> None:
    """热点诉求: the period's repeat rate and where the repeats came from (街乡镇, unit, category)."""
    st.header("重复诉求")
    st.caption(RULE_TEXT)
    totals = data.totals(start, end, now)
    ui.tiles([
        ui.Tile(f"{label}受理", count(totals["tickets"])),
        ui.Tile("其中重复", count(totals["repeats"])),
        ui.Tile("重复率", _rate(totals["repeats"], totals["tickets"]), help="重复工单 ÷ 同期受理工单"),
    ])
    _counts_columns(start, end, now)


def ticket_chain(ticket_no: str) -> None:
    """The ticket and the earlier tickets it repeats, newest first, each linked."""
    chain = data.chain(ticket_no)
    if chain.empty or len(chain) == 1:
        st.info("该工单不是重复诉求（前 "
                f"{REPEAT_WINDOW_DAYS} 天内没有同一来电人或同一地址同类诉求的工单）。")
        st.caption(RULE_TEXT)
        return
    shown = pd.DataFrame({
        "工单编号": chain["ticket_no"].map(ticket_link),
        "接收时间": chain["received_at"],
        "来电号码": chain["caller_last4"].map(lambda v: masked(v) if _present(v) else ""),
        "分类": chain["category"], "街乡镇": chain["street"], "承办单位": chain["unit"],
        "诉求地址": chain["address"], "标题": chain["title"],
        "重复来源工单": chain["repeat_source_no"].map(ticket_link)})
    st.caption(f"本工单及其之前的 {count(len(chain) - 1)} 张工单（沿重复来源工单向前追溯）。{RULE_TEXT}")
    ui.dataframe(shown, hide_index=True, width="stretch", column_config={
        "工单编号": _link_config("工单编号"), "重复来源工单": _link_config("重复来源工单"),
        "接收时间": st.column_config.DatetimeColumn("接收时间", format="YYYY-MM-DD HH:mm:ss")})
