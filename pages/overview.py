"""总览: today's intake, backlog, overdue and at-risk, this month, freshness."""
from decimal import Decimal

import altair as alt
import streamlit as st

from dashboard.web import ui
from dashboard.web.auth import require_role
from dashboard.web.reads import now_minute, overview
from dashboard.web.reads import rules as rules_data
from domain.evidence import MIN_PERCENT_BASE
from domain.formatting import count, half_up, share_text
from domain.lifecycle import OPEN_STAGES

user = require_role("overview")
now = now_minute()


def intake_delta(today: int, mean) -> str | None:
    """Today's intake against the same weekday's mean so far: a percentage on a base of at least
    MIN_PERCENT_BASE, else the plain difference."""
    if mean is None:
        return None
    diff = Decimal(str(today)) - Decimal(str(mean))
    if Decimal(str(mean)) < MIN_PERCENT_BASE:
        return f"{half_up(diff, 0):+,} 较同期均值 {half_up(Decimal(str(mean)), 0):,}"
    return f"{half_up(diff * 100 / Decimal(str(mean)), 1):+}% 较同期均值 {half_up(Decimal(str(mean)), 0):,}"


ui.page_header("总览", f"{now:%Y年%m月%d日 %H:%M} · {user.display_name}")
amber, red = overview.freshness_thresholds()
ui.freshness_badge(ui.freshness(overview.latest_data_at(now), now, amber, red))

intake = overview.intake_vs_weekday(now)
stages = overview.backlog_by_stage(now)
open_total = int(stages["tickets"].sum())
overdue = int(stages["overdue"].sum())
at_risk = int(stages["at_risk"].sum())

mean = intake["weekday_mean"]
delta = intake_delta(intake["today"], mean)
ui.tiles([
    ui.Tile("今日受理", count(intake["today"]), delta, delta_color="off",
            help="今日 0 点至今接收的工单；对比前 4 个同星期日同一时段的平均值"
                 f"（均值不足 {MIN_PERCENT_BASE} 件时只显示差值）"),
    ui.Tile("在办积压", count(open_total), help="已接收、未办结、未退回的工单"),
    ui.Tile("超期", count(overdue), delta=None, help="在办且当前时间已过办结时限"),
    ui.Tile("即将超期", count(at_risk), help=f"在办，剩余时限不足 {share_text(rules_data.current().at_risk_share)}，尚未超期"),
    ui.Tile("本月受理", count(overview.month_intake(now))),
])

left, right = st.columns([3, 2])
with left:
    st.subheader("近 30 天受理与办结（截至昨日）")
    # today's partial day would read as a collapse at the right edge; the tiles above cover today
    daily = overview.daily_intake(now)
    daily = daily[daily["day"] < now.date()]
    if daily.empty:
        st.info("暂无工单数据。")
    else:
        long = daily.melt("day", var_name="指标", value_name="工单数")
        long["指标"] = long["指标"].map({"received": "受理", "closed": "办结"})
        st.altair_chart(
            alt.Chart(long).mark_line(point=True).encode(
                x=alt.X("day:T", title="日期", axis=alt.Axis(format="%m-%d")),
                y=alt.Y("工单数:Q"), color=alt.Color("指标:N", title=None),
                tooltip=["day:T", "指标:N", "工单数:Q"]).properties(height=320),
            width="stretch")
with right:
    st.subheader("在办工单阶段分布")
    table = stages.set_index("stage").reindex(OPEN_STAGES, fill_value=0).reset_index()
    table.columns = ["阶段", "在办", "超期", "即将超期"]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(c, format="localized") for c in ("在办", "超期", "即将超期")})
