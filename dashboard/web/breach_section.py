"""The breach forecast section beside the at-risk lists (backlog, stand-up): the tickets due in the
next hours, the chance each closes on time, and the expected breaches per unit and shift."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.web import ui
from dashboard.web.reads import breach as data
from domain.breach import HISTORY_DAYS, HORIZON, LEVEL_ALL, LEVEL_CLASS, LEVEL_UNIT, MIN_TICKETS
from domain.formatting import count, half_up, pct

HORIZON_HOURS = int(HORIZON.total_seconds() // 3600)


def render(now: datetime, *, key: str, large: bool = False, titled: bool = True) -> None:
    """The section; `key` keeps its widgets apart from the page's. `large`: plain tables in the
    page's type size and no per-ticket list (the stand-up's projector layout). `titled=False`: the
    page's own heading names it (the stand-up's agenda)."""
    fc = data.forecast(now)
    if titled:
        st.subheader(f"超期预测（未来 {HORIZON_HOURS} 小时）")
    st.caption(f"{now:%m-%d %H:%M} 起 {HORIZON_HOURS} 小时内到期的在办工单，按同一承办单位、同一时限类型近 {HISTORY_DAYS} 天"
               f"在相同已用时限比例时仍未办结的工单中按时办结的比例估计按时办结概率；样本不足 {MIN_TICKETS} 张时依次改用"
               f"「{LEVEL_CLASS}」「{LEVEL_ALL}」。预计超期 = Σ（1 − 按时办结概率），班次按办结时限所在时段。")
    if fc.due == 0:
        st.success(f"未来 {HORIZON_HOURS} 小时内没有到期的在办工单。")
        return
    ui.tiles([
        ui.Tile(f"{HORIZON_HOURS} 小时内到期", count(fc.due), help="在办、尚未超期、办结时限在此时段内的工单"),
        ui.Tile("预计超期", str(half_up(fc.expected, 1)),
                help="各工单（1 − 按时办结概率）之和"),
        ui.Tile("预计按时办结", pct(1 - fc.expected / fc.due, 1)),
    ])
    if large:
        left, right = st.columns([3, 2])
        with left:
            st.table(pd.DataFrame({"承办单位": fc.units["unit"].head(15), "到期工单": fc.units["due"].head(15).map(count),
                                   "预计超期": fc.units["expected"].head(15).map(lambda v: f"{v:.1f}")})
                     .style.hide(axis="index"))
        with right:
            st.table(pd.DataFrame({"班次（到期时段）": fc.shifts["shift"], "到期工单": fc.shifts["due"].map(count),
                                   "预计超期": fc.shifts["expected"].map(lambda v: f"{v:.1f}")}).style.hide(axis="index"))
        return
    left, right = st.columns([3, 2])
    with left:
        ui.dataframe(fc.units.head(15), hide_index=True, width="stretch", column_config={
            "unit": st.column_config.TextColumn("承办单位"),
            "due": st.column_config.NumberColumn("到期工单", format="localized"),
            "expected": st.column_config.NumberColumn("预计超期", format="%.1f")})
        if len(fc.units) > 15:
            st.caption(f"列出预计超期最多的 15 个单位（共 {len(fc.units):,} 个）。")
    with right:
        ui.dataframe(fc.shifts, hide_index=True, width="stretch", column_config={
            "shift": st.column_config.TextColumn("班次（到期时段）"),
            "due": st.column_config.NumberColumn("到期工单", format="localized"),
            "expected": st.column_config.NumberColumn("预计超期", format="%.1f")})
    with st.expander(f"逐单按时办结概率（{fc.due:,} 张）", icon=":material/percent:"):
        ui.dataframe(fc.tickets, hide_index=True, width="stretch", key=f"breach-tickets-{key}", column_config={
            "ticket_no": st.column_config.TextColumn("工单编号"),
            "unit": st.column_config.TextColumn("承办单位"),
            "sla_class": st.column_config.TextColumn("时限类型"),
            "deadline_at": st.column_config.DatetimeColumn("办结时限", format="YYYY-MM-DD HH:mm"),
            "stage": st.column_config.TextColumn("阶段"),
            "elapsed": st.column_config.NumberColumn("已用时限", format="percent"),
            "p_on_time": st.column_config.NumberColumn("按时办结概率", format="percent"),
            "basis": st.column_config.TextColumn(f"依据（{LEVEL_UNIT}→{LEVEL_CLASS}→{LEVEL_ALL}）")})
