"""The wall's 热点 screen: this week's 突增 topics (else last week's), up to three side by side, each
with its count against the weeks before, its trend, its 街乡镇 and its keywords — large enough to
read from 5 m. Rendered by pages/wall.py inside its rotation; reads go through the wall's Board so
an outage shows the last good figures like every other screen."""
from __future__ import annotations

from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.web import live, ui
from dashboard.web.reads import hotspots as data
from domain.formatting import count
from domain.hotspots import week_start
from domain.vocabulary import IN_PROGRESS, SURGE

SHOWN_TOPICS = 3
SHOWN_STREETS = 5
SHOWN_KEYWORDS = 6
INK, MUTED, GRID, RED, ACCENT = "#e6edf7", "#8ea0bf", "#1f2b45", "#ef4444", "#38bdf8"


def _dark(chart, height: int):
    return (chart.properties(height=height, background="transparent").configure_view(stroke=None)
            .configure_axis(labelColor="#cbd5e1", titleColor=MUTED, gridColor=GRID, domainColor=GRID, tickColor=GRID,
                            labelFontSize=20, titleFontSize=20, labelLimit=200)
            .configure_title(color=INK, fontSize=22, anchor="start"))


def _trend(topic, now: datetime, height: int):
    this_week = week_start(now)
    frame = pd.DataFrame([(f"{w:%m-%d}" + ("*" if w == this_week else ""), n) for w, n in topic.trend],
                         columns=["week", "tickets"])
    return _dark(alt.Chart(frame).mark_line(color=RED, strokeWidth=4, point=alt.OverlayMarkDef(size=90)).encode(
        x=alt.X("week:N", sort=list(frame["week"]), title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("tickets:Q", title="工单数", axis=alt.Axis(format=",d"))).properties(
        title="近期每周工单" + ("（* 本周" + IN_PROGRESS + "）" if topic.trend[-1][0] == this_week else "")), height)


def _streets(frame: pd.DataFrame | None, height: int):
    if frame is None or frame.empty:
        return None
    top = frame.head(SHOWN_STREETS)
    bars = alt.Chart(top).mark_bar(color=ACCENT, cornerRadiusEnd=4).encode(
        y=alt.Y("street:N", sort=list(top["street"]), title=None),
        x=alt.X("tickets:Q", title="工单数", axis=alt.Axis(tickMinStep=1, format=",d")))
    text = bars.mark_text(align="left", dx=6, color=INK, fontSize=20, fontWeight="bold").encode(
        text=alt.Text("tickets:Q", format=",d"))
    return _dark((bars + text).properties(title="街乡镇"), height)


def render(reads: live.Board, now: datetime, height: int = 560) -> None:
    """The screen below the wall's header."""
    st.html(STYLE)
    week = reads.get("hotspots", data.latest_surges, now)
    if week is None:
        st.info("热点数据暂不可用。")
        return
    running = week.monday == week_start(now)
    when = f"本周（{IN_PROGRESS}）" if running else f"上周（{week.monday:%m-%d} 起）"
    st.subheader(f"{when}{SURGE}诉求 · 共 {count(len(week.surges))} 类")
    if not week.surges:
        with st.container(height=height, border=True, key="wall-empty-hotspots"):
            st.markdown(f"本周和上周均没有{SURGE}的诉求类别。")
        return
    topics = week.surges[:SHOWN_TOPICS]
    for column, (i, topic) in zip(st.columns(len(topics)), enumerate(topics), strict=True):
        with column, st.container(border=True, key=f"wall-hotspot-{i}"):
            v = topic.verdict
            ui.tiles([ui.Tile(ui.md_escape(topic.topic), count(v.count),
                              f"前 {week.baseline_weeks} 周周均 {float(v.baseline or 0):,.0f}", delta_color="off",
                              delta_is_change=False)])
            words = reads.get(f"hotspot-words-{i}", data.topic_keywords, topic.topic, week.monday, now) or []
            with st.container(key=f"wall-hotspot-words-{i}"):
                st.markdown("、".join(ui.md_escape(k.term) for k in words[:SHOWN_KEYWORDS]) or "—")
            # a single topic has the whole width: its two charts side by side
            trend_place, streets_place = st.columns(2) if len(topics) == 1 else (st.container(), st.container())
            tall = height // 2 if len(topics) == 1 else height // 3
            with trend_place:
                st.altair_chart(_trend(topic, now, tall), width="stretch", theme=None)
            streets = _streets(reads.get(f"hotspot-streets-{i}", data.topic_streets, topic.topic, week.monday, now),
                               tall)
            if streets is not None:
                with streets_place:
                    st.altair_chart(streets, width="stretch", theme=None)


STYLE = """<style>
[class*="st-key-wall-hotspot-words"] p { font-size: 1.6rem !important; color: #fbbf24 !important; font-weight: 600; }
</style>"""
