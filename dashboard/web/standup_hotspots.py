"""The stand-up's 突增 section: this week's 突增 topics (else last week's) in one small table, with
the way to /hotspots for their tickets and keywords."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.services.hotspots import surges
from dashboard.web import ui
from dashboard.web.reads import hotspots as data
from dashboard.web.ui import md_escape
from domain.formatting import count
from domain.hotspots import week_start
from domain.vocabulary import IN_PROGRESS, SURGE


def surge_table(now: datetime, week: surges.WeekSurges | None = None,
                streets: dict[str, tuple[str, int]] | None = None) -> tuple[str, pd.DataFrame]:
    """(heading, rows: 类别 · 当周工单 · 前期周均 · 突增指数 · 最多的街乡镇) of the latest week with 突增
    (`week` and its topics' `streets` (reads.hotspots.top_streets): when the page has read them)."""
    week = week if week is not None else data.latest_surges(now)
    when = f"本周（{IN_PROGRESS}）" if week.monday == week_start(now) else f"上周（{week.monday:%m-%d} 起）"
    rows = []
    if streets is None:
        streets = data.top_streets(tuple(t.topic for t in week.surges), week.monday, now) if week.surges else {}
    for topic in week.surges:
        street, n = streets.get(topic.topic, ("", 0))
        top = f"{street}（{count(n)}）" if street else ""
        v = topic.verdict
        rows.append((topic.topic, count(v.count), f"{float(v.baseline or 0):,.1f}",
                     f"{v.score:,.1f}" if v.score is not None else "—", top))
    return f"{when}{SURGE}诉求", pd.DataFrame(rows, columns=["类别", "当周工单", "前期周均", "突增指数", "最多的街乡镇"])


def render(now: datetime, *, large: bool = False, week: surges.WeekSurges | None = None,
           streets: dict[str, tuple[str, int]] | None = None) -> None:
    """`large`: a plain table in the page's type size (the stand-up's projector layout); `week` and
    `streets` as surge_table's."""
    heading, table = surge_table(now, week, streets)
    # a part of the agenda's 受理预测 section, one level below its heading
    st.markdown(f"#### {md_escape(heading)}")
    if table.empty:
        st.success(f"本周和上周没有{SURGE}的诉求类别。")
        return
    if large:
        st.table(table.style.hide(axis="index"))
        return
    ui.dataframe(table, hide_index=True, width="stretch")
    st.page_link("pages/hotspots.py", label="到热点诉求查看工单、街乡镇与关键词", icon=":material/local_fire_department:")
