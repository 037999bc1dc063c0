"""总览: today's intake, backlog, overdue and at-risk, this month, freshness."""
from decimal import Decimal

import altair as alt
import streamlit as st

from dashboard.services import rankings
from dashboard.web import ui
from dashboard.web.auth import require_role
from dashboard.web.reads import now_minute, overview
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import wall as wall_data
from domain.evidence import IN_PROGRESS, MIN_PERCENT_BASE, MIN_RANK_SAMPLE
from domain.formatting import count, half_up, number_text, pct, share_text
from domain.lifecycle import OPEN_STAGES
from domain.vocabulary import NO_DATA

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
ui.freshness_badge(ui.freshness(overview.latest_data_at(now), now, amber, red,
                                feed_late=bool(overview.any_feed_late(now))))

intake = overview.intake_vs_weekday(now)
stages = overview.backlog_by_stage(now)
open_total = int(stages["tickets"].sum())
overdue = int(stages["overdue"].sum())
at_risk = int(stages["at_risk"].sum())

mean = intake["weekday_mean"]
delta = intake_delta(intake["today"], mean)
period, rates = wall_data.current_three_rates(now)
score = wall_data.month_score(f"{now:%Y-%m}", now)
score_text = (NO_DATA if score.get("no_data") else "—" if score.get("score") is None else str(half_up(score["score"], 2)))

ui.two_per_row_on_phone("ov-summary")
with st.container(key="ov-summary"):
    ui.tiles([
        ui.Tile("今日受理", count(intake["today"]), delta, delta_color="off",
                help="今日 0 点至今接收的工单；对比前 4 个同星期日同一时段的平均值"
                     f"（均值不足 {MIN_PERCENT_BASE} 件时只显示差值）"),
        ui.Tile("在办积压", count(open_total), help="已接收、未办结、未退回的工单"),
        ui.Tile("超期", count(overdue), delta=None, help="在办且当前时间已过办结时限"),
        ui.Tile("即将超期", count(at_risk), help=f"在办，剩余时限不足 {share_text(rules_data.current().at_risk_share)}，尚未超期"),
        ui.Tile("三率综合成绩", "—" if rates.composite is None else str(half_up(rates.composite, 2)),
                help=f"本考评周期（{period.start:%m-%d} 起，{IN_PROGRESS}）有效回访 {count(rates.population)} 件"),
        ui.Tile("本月考核预估", score_text, help=score.get("note")),
    ])
    ui.tiles([
        ui.Tile("响应率", pct(rates.response_rate), help="已联系 ÷ 有效回访"),
        ui.Tile("解决率", pct(rates.resolution_rate), help="已解决 ÷ 有效回访"),
        ui.Tile("满意率", pct(rates.satisfaction_rate), help="（满意 + 基本满意折算）÷ 有效回访"),
        ui.Tile("本月受理", count(overview.month_intake(now))),
    ])

attention = []
if overdue:
    attention.append(f"超期工单 {count(overdue)} 件")
if at_risk:
    attention.append(f"即将超期 {count(at_risk)} 件")
if score.get("score") is not None and score["score"] < rules_data.current().full_payment_from:
    attention.append(f"本月考核预估 {score_text} 分，低于全额付款线 {number_text(rules_data.current().full_payment_from)} 分")
lowest, left_out = wall_data.lowest_composites(now, "street", 3)
if not lowest.empty:
    attention.append("三率综合成绩最低的街乡镇：" + "、".join(
        f"{ui.md_escape(u)} {c:.2f}" for u, c in zip(lowest["unit"], lowest["composite"])))
st.markdown("**需关注**\n\n" + ("\n".join(f"- {a}" for a in attention) if attention else "- 暂无"))
small_samples = rankings.small_sample_note(left_out, MIN_RANK_SAMPLE, "街乡镇")
if small_samples:
    st.caption(small_samples)

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
    ui.dataframe(table, hide_index=True, width="stretch", column_config={
        c: st.column_config.NumberColumn(c, format="localized") for c in ("在办", "超期", "即将超期")})
