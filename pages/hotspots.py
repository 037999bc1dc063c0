"""热点诉求: the week's 突增 topics (trend, tickets, 街乡镇, keywords) and the month's 每月一题
candidates with their workbook. Each part of the page is one section function in SECTIONS."""
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.services.hotspots.monthly import month_bounds, month_label
from dashboard.services.hotspots.surges import Topic, WeekSurges, recent_weeks, week_label
from dashboard.web import repeat_sections, ui
from dashboard.web.auth import require_role
from dashboard.web.reads import hotspots as data
from dashboard.web.reads import now_minute
from domain.access import can
from domain.formatting import count
from domain.hotspots import BASELINE_WEEKS, SURGE_MIN_COUNT, SURGE_MIN_SCORE, week_start
from domain.vocabulary import IN_PROGRESS, SURGE

user = require_role("hotspots")
now = now_minute()

ui.page_header("热点诉求", f"截至 {now:%Y-%m-%d %H:%M} · 按周发现突增的诉求类别，按月整理每月一题候选")

RULE_TEXT = (f"{SURGE}：某类别（二级分类，无则一级分类）当周工单不少于 {SURGE_MIN_COUNT} 件，"
             f"且（当周工单 − 前 {BASELINE_WEEKS} 周周均）÷ √周均 ≥ {SURGE_MIN_SCORE}"
             f"（周均不足 1 件按 1 件计；数据不足 {BASELINE_WEEKS} 周的按已有周数计）。当周按周一至周日、以接收时间统计，"
             f"本周为{IN_PROGRESS}，只计到当前时间。")


def _week_tick(monday) -> str:
    return f"{monday:%m-%d}" + (f"（{IN_PROGRESS}）" if week_start(now) == monday else "")


def trend_chart(topic: Topic) -> alt.LayerChart:
    frame = pd.DataFrame([(_week_tick(w), n) for w, n in topic.trend], columns=["周", "工单"])
    order = list(frame["周"])
    line = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=60), strokeWidth=3, color="#e45756").encode(
        x=alt.X("周:N", sort=order, title="周（周一）", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("工单:Q", title="工单数", axis=alt.Axis(format=",d")),
        tooltip=[alt.Tooltip("周:N"), alt.Tooltip("工单:Q", format=",d")])
    mean = float(topic.verdict.baseline or 0)
    rule = alt.Chart(pd.DataFrame({"周均": [mean]})).mark_rule(strokeDash=[6, 4], color="#4c78a8").encode(
        y="周均:Q", tooltip=[alt.Tooltip("周均:Q", title=f"前 {BASELINE_WEEKS} 周周均", format=",.1f")])
    return (line + rule).properties(height=220, title=f"近 {len(order)} 周工单（虚线：前期周均）")


def topic_tickets(topic: Topic, week: WeekSurges, key: str) -> None:
    tickets = data.topic_tickets(topic.topic, week.monday, now)
    shown = tickets.rename(columns={"ticket_no": "工单编号", "received_at": "接收时间", "street": "街乡镇",
                                    "address": "诉求地址", "title": "标题", "stage": "状态"})
    shown = shown.fillna({c: "" for c in ("街乡镇", "诉求地址", "标题", "状态")})
    st.caption(f"最新 {count(len(shown))} 张" + (f"（共 {count(topic.verdict.count)} 张）"
                                                 if topic.verdict.count > len(shown) else "") + "；点选一行可打开该工单的流转记录。")
    event = ui.dataframe(shown, hide_index=True, width="stretch", height=280, on_select="rerun",
                         selection_mode="single-row", key=f"{key}-tickets", column_config={
                             "接收时间": st.column_config.DatetimeColumn("接收时间", format="YYYY-MM-DD HH:mm"),
                             "标题": st.column_config.TextColumn("标题", width="medium")})
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(shown):
        ticket_no = str(shown.iloc[rows[0]]["工单编号"])
        st.page_link("pages/tickets.py", label=f"查看工单 {ticket_no} 的流转记录与时限", icon=":material/timeline:",
                     query_params={"ticket": ticket_no})


def topic_card(topic: Topic, week: WeekSurges, index: int) -> None:
    key = f"hs-{index}"
    v = topic.verdict
    with st.container(border=True, key=key):
        st.subheader(ui.md_escape(topic.topic))
        ui.tiles([
            ui.Tile("本周工单" if week.in_progress else "当周工单", count(v.count)),
            ui.Tile(f"前 {week.baseline_weeks} 周周均", f"{float(v.baseline or 0):,.1f}"),
            ui.Tile("突增指数", f"{v.score:,.1f}" if v.score is not None else "—",
                    help="（当周工单 − 前期周均）÷ √前期周均"),
        ])
        words = data.topic_keywords(topic.topic, week.monday, now)
        st.markdown("**关键词**：" + ("、".join(ui.md_escape(k.term) for k in words) if words else "暂无"))
        left, right = st.columns([3, 2])
        with left:
            st.altair_chart(trend_chart(topic), width="stretch")
        with right:
            streets = data.topic_streets(topic.topic, week.monday, now)
            st.markdown("**街乡镇分布**")
            ui.dataframe(streets.rename(columns={"street": "街乡镇", "tickets": "工单"}).head(22), hide_index=True,
                         width="stretch", height=220,
                         column_config={"工单": st.column_config.NumberColumn("工单", format="localized")})
        topic_tickets(topic, week, key)


def surge_section() -> None:
    st.header("每周突增")
    weeks = recent_weeks(now)
    latest = data.latest_surges(now)
    monday = st.selectbox("统计周", weeks, index=weeks.index(latest.monday) if latest.monday in weeks else 0,
                          format_func=lambda w: week_label(w, now), key="hs-week")
    week = latest if monday == latest.monday else data.week_surges(monday, now)
    st.caption(RULE_TEXT)
    ui.tiles([
        ui.Tile("当周工单", count(week.tickets)),
        ui.Tile(f"{SURGE}类别", count(len(week.surges))),
        ui.Tile("参照周数", count(week.baseline_weeks)),
    ])
    if week.baseline_weeks == 0:
        st.info("该周之前没有数据，无法判断突增。")
        return
    if not week.surges:
        st.info(f"{week_label(monday, now)}没有{SURGE}的类别。")
        return
    for i, topic in enumerate(week.surges):
        topic_card(topic, week, i)


def _this_month_and_before(months: int = 12) -> list[str]:
    first = datetime(now.year, now.month, 1)
    out = []
    for _ in range(months):
        out.append(f"{first:%Y-%m}")
        first = (first - pd.Timedelta(days=1)).replace(day=1)
    return out


def monthly_section() -> None:
    st.header("每月一题候选")
    month = st.selectbox("月份", _this_month_and_before(), format_func=lambda m: month_label(m, now), key="hs-month")
    lists = data.monthly_candidates(month, now)
    for candidates in lists:
        st.subheader(candidates.title)
        st.caption(candidates.note)
        if candidates.frame.empty:
            st.info("本月暂无符合条件的问题。")
        else:
            ui.dataframe(candidates.frame, hide_index=True, width="stretch", column_config={
                c: st.column_config.NumberColumn(c, format="localized")
                for c in candidates.frame.columns if pd.api.types.is_integer_dtype(candidates.frame[c])})
    if can(user.role, "export"):
        st.download_button("导出每月一题候选 Excel", lambda: data.candidates_workbook(month, now),
                           file_name=f"每月一题候选_{month.replace('-', '')}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="hs-monthly-xlsx", icon=":material/download:", on_click="ignore")


def repeat_section() -> None:
    month = st.session_state.get("hs-month") or f"{now:%Y-%m}"
    start, end = month_bounds(month)
    repeat_sections.hotspots_section(start, min(end, now + pd.Timedelta(seconds=1)), now, month_label(month, now))


# the page's parts, top to bottom; each is one function
SECTIONS = (surge_section, monthly_section, repeat_section)

for section in SECTIONS:
    section()
