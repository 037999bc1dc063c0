"""大屏: the control-room wall (1920×1080, read from 5 m). Refreshes and rotates by itself; keeps the
last good figures under a red banner when the database is unreachable, and recovers on its own.

?refresh=SECONDS (default 60) · ?rotate=SECONDS (cycle the screens) · ?kiosk=1 (no chrome, app.py).
"""
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.services import rankings
from dashboard.web import live, ui, wall_hotspots, wall_ticker
from dashboard.web.auth import require_role
from dashboard.web.reads import backlog as backlog_data
from dashboard.web.reads import now_minute
from dashboard.web.reads import overview as overview_data
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import wall as wall_data
from dashboard.web.wall_tones import (
    at_risk_tone,
    at_risk_tone_text,
    composite_tone,
    composite_tone_text,
    estimate_tone,
    overdue_tone,
    overdue_tone_text,
)
from dashboard.web.wall_trends import DAY_ENDS, Trend, backlog_lines, intake_line, rates_lines, score_line, since_midnight
from domain.evidence import IN_PROGRESS, MIN_PERCENT_BASE, MIN_RANK_SAMPLE
from domain.formatting import count, half_up, pct, share_text
from domain.lifecycle import OPEN_STAGES
from domain.rules import Rules
from domain.vocabulary import NO_DATA
from queries.backlog import AGE_BUCKETS

user = require_role("wall")

SCREENS = ("总体态势", "积压与超期", "街乡镇与类别", "三率考评", "热点诉求")
INK, MUTED, GRID, ACCENT, AMBER, RED, GREEN = "#e6edf7", "#8ea0bf", "#1f2b45", "#38bdf8", "#f59e0b", "#ef4444", "#22c55e"


def _seconds(name: str, default: int, low: int, high: int) -> int:
    raw = st.query_params.get(name)
    try:
        value = int(str(raw)) if raw not in (None, "") else default
    except ValueError:
        return default
    return 0 if value <= 0 and default == 0 else min(max(value, low), high)


refresh = _seconds("refresh", 60, 10, 3600)
rotate = _seconds("rotate", 0, 10, 3600)

# Static page styling only (no data): dark control-room look, big numbers.
st.html("""<style>
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { background: #0a1020; color: #e6edf7; }
[data-testid="stHeader"] { background: transparent; }
[data-testid="stSidebar"] { background: #0d1527; }
[data-testid="stSidebar"] p, [data-testid="stSidebar"] span, [data-testid="stSidebar"] h3,
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] { color: #cbd5e1 !important; }
[data-testid="stSidebar"] button { background: #111a2e; border-color: #1f2b45; }
.st-key-wall-empty-1, .st-key-wall-empty-2, .st-key-wall-empty-3 { border-color: #1f2b45 !important; }
[class*="st-key-wall-stale"] [data-testid="stMetric"] { filter: grayscale(1); opacity: .4; }
.st-key-wall-alert [data-testid="stAlertContainer"] { background: #991b1b !important; }
.st-key-wall-alert [data-testid="stAlertContainer"] p, .st-key-wall-alert [data-testid="stAlertContainer"] span {
  color: #fff !important; font-size: 1.2rem !important; }
.st-key-wall-alert [data-testid="stCaptionContainer"] p { color: #fca5a5 !important; }
[class*="st-key-wall-empty"] p { color: #8ea0bf !important; font-size: 1.2rem !important; }
.block-container { max-width: 100% !important; padding: 1.2rem 2.2rem 1rem 2.2rem !important; }
[data-testid="stMain"] h1 { font-size: 2.4rem; font-weight: 700; color: #f1f5f9; letter-spacing: .04em; padding: 0; }
[data-testid="stMain"] h3 { font-size: 1.5rem; color: #cbd5e1; padding: .2rem 0 .4rem 0; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.3rem; color: #8ea0bf; }
[data-testid="stMetric"] { background: #111a2e; border: 1px solid #1f2b45 !important; border-radius: 12px;
  padding: 10px 20px !important; min-height: 186px; }
[data-testid="stMetricLabel"] p { font-size: 1.4rem !important; color: #9fb0cc; }
[data-testid="stMetricValue"] { font-size: 3.4rem !important; font-weight: 700; color: #f8fafc;
  font-variant-numeric: tabular-nums; line-height: 1.15; }
[data-testid="stMetricDelta"] { font-size: 1.15rem !important; }
[data-testid="stMetricDelta"] svg { display: none; }
[data-testid="stVerticalBlockBorderWrapper"], .st-key-wall-panel { border-color: #1f2b45 !important; }
[data-testid="stBadge"], .stBadge { font-size: 1.2rem; }
[data-testid="stAlertContainer"] { font-size: 1.3rem; }
.st-key-wall-clock p { font-size: 3rem !important; font-weight: 700; color: #f1f5f9; text-align: right;
  font-variant-numeric: tabular-nums; margin: 0; line-height: 1.1; }
[class*="st-key-wall-fresh"] [data-testid="stMarkdownContainer"] { text-align: right; }
[class*="st-key-wall-fresh"] span { font-size: 1.25rem !important; padding: .2rem .7rem; }
[data-testid="stMetricDelta"] { background: transparent !important; color: #8ea0bf !important; padding-left: 0 !important; }
[data-testid="stMetricDelta"] div { color: #8ea0bf !important; }
[data-testid="stMetricDelta"] { font-size: 1.3rem !important; }
.st-key-wall-top [data-testid="stMetricLabel"] p { font-size: 1.8rem !important; color: #cbd5e1; }
.st-key-wall-top [data-testid="stMetricValue"] { font-size: 5.2rem !important; }
[class*="st-key-wall-tone-red"] [data-testid="stMetricValue"] { color: #f87171 !important; }
[class*="st-key-wall-tone-amber"] [data-testid="stMetricValue"] { color: #fbbf24 !important; }
[class*="st-key-wall-tone-green"] [data-testid="stMetricValue"] { color: #4ade80 !important; }
.st-key-wall-fresh-ok span { font-size: 1.25rem !important; opacity: .55; background: transparent !important; }
.st-key-wall-fresh-amber span { font-size: 1.5rem !important; font-weight: 700; }
[data-testid="stMetric"] { display: flex; flex-direction: column; }
[data-testid="stMetric"] > div:has([data-testid="stMetricChart"]) { margin-top: auto; padding-top: .4rem; }
[data-testid="stMetricChart"] svg { background-color: transparent !important; }
[data-testid="stMetricChart"] .mark-line path { stroke: #38bdf8 !important; stroke-width: 3.5px !important; }
[class*="st-key-wall-tone-red"] [data-testid="stMetricChart"] .mark-line path { stroke: #f87171 !important; }
[class*="st-key-wall-tone-amber"] [data-testid="stMetricChart"] .mark-line path { stroke: #fbbf24 !important; }
[class*="st-key-wall-tone-green"] [data-testid="stMetricChart"] .mark-line path { stroke: #4ade80 !important; }
.st-key-wall-second [data-testid="stMetric"] { min-height: 236px; }
.st-key-wall-top [data-testid="stMetric"] { min-height: 292px; }
.st-key-wall-fresh-red span { font-size: 1.9rem !important; font-weight: 800; background: #b91c1c !important;
  color: #fff !important; padding: .4rem 1rem; }
[class*="st-key-wall-fresh-amber"] span, [class*="st-key-wall-fresh-red"] span { line-height: 1.35; }
</style>""")


def _dark(chart: alt.Chart, height: int) -> alt.Chart:
    return (chart.properties(height=height, background="transparent")
            .configure_view(stroke=None)
            .configure_axis(labelColor="#cbd5e1", titleColor=MUTED, gridColor=GRID, domainColor=GRID,
                            tickColor=GRID, labelFontSize=20, titleFontSize=20, labelLimit=260)
            .configure_legend(labelColor="#cbd5e1", titleColor=MUTED, labelFontSize=20, titleFontSize=20,
                              orient="top", symbolSize=160)
            .configure_title(color=INK, fontSize=24, anchor="start", subtitleColor=MUTED, subtitleFontSize=18))


def _chart(chart: alt.Chart | None, height: int, empty: str = "暂无数据") -> None:
    if chart is None:
        # Same footprint as a chart, so the screen does not jump when data comes and goes.
        with st.container(height=height + 40, border=True, key=f"wall-empty-{next(_empty_keys)}"):
            st.markdown(empty)
    else:
        st.altair_chart(_dark(chart, height), width="stretch", theme=None)


_empty_keys = itertools.count(1)


def _with_labels(bars: alt.Chart, field: str) -> alt.LayerChart:
    """Counts written at the bar ends: read from 5 m without tracing the axis."""
    text = bars.mark_text(align="left", dx=6, color=INK, fontSize=20, fontWeight="bold").encode(
        text=alt.Text(f"{field}:Q", format=",d"), color=alt.value(INK))
    return bars + text


def hourly_chart(df: pd.DataFrame | None):
    if df is None or df.empty:
        return None
    bars = alt.Chart(df.dropna(subset=["today"]).astype({"today": "int64"})).mark_bar(
        color=ACCENT, cornerRadiusTopLeft=3, cornerRadiusTopRight=3, opacity=.9).encode(
        x=alt.X("hour:O", title="时", axis=alt.Axis(labelAngle=0)), y=alt.Y("today:Q", title="工单数"),
        tooltip=[alt.Tooltip("hour:O", title="时"), alt.Tooltip("today:Q", title="今日")])
    typical = df.dropna(subset=["typical"])
    if typical.empty:
        return bars.properties(title="今日分时受理")
    line = alt.Chart(typical).mark_line(color=AMBER, strokeWidth=3, strokeDash=[6, 4], point=True).encode(
        x="hour:O", y="typical:Q", tooltip=[alt.Tooltip("typical:Q", title="同星期均值", format=".1f")])
    return (bars + line).properties(title="今日分时受理（柱）与同星期均值（虚线）")


def stage_chart(df: pd.DataFrame | None):
    if df is None or df.empty:
        return None
    t = df.set_index("key").reindex(list(OPEN_STAGES), fill_value=0).reset_index()
    return _with_labels(alt.Chart(t).mark_bar(color=ACCENT, cornerRadiusEnd=4).encode(
        y=alt.Y("key:N", sort=list(OPEN_STAGES), title=None),
        x=alt.X("tickets:Q", title="在办工单", axis=alt.Axis(tickMinStep=1, format=",d")),
        tooltip=[alt.Tooltip("key:N", title="阶段"), alt.Tooltip("tickets:Q", title="在办"),
                 alt.Tooltip("overdue:Q", title="超期")]), "tickets").properties(title="在办工单按阶段")


def age_chart(df: pd.DataFrame | None):
    if df is None or df.empty:
        return None
    t = df.set_index("key").reindex(list(AGE_BUCKETS), fill_value=0).reset_index()
    return _with_labels(alt.Chart(t).mark_bar(cornerRadiusEnd=4).encode(
        y=alt.Y("key:N", sort=list(AGE_BUCKETS), title=None),
        x=alt.X("tickets:Q", title="在办工单", axis=alt.Axis(tickMinStep=1, format=",d")),
        color=alt.Color("key:N", sort=list(AGE_BUCKETS), legend=None,
                        scale=alt.Scale(range=[GREEN, ACCENT, AMBER, RED])),
        tooltip=[alt.Tooltip("key:N", title="已受理时长"), alt.Tooltip("tickets:Q", title="在办")]),
        "tickets").properties(title="在办工单按已受理时长")


def rising_chart(df: pd.DataFrame | None, what: str):
    if df is None or df.empty:
        return None
    order = list(df["key"])
    base = alt.Chart(df).encode(y=alt.Y("key:N", sort=order, title=None))
    tips = [alt.Tooltip("key:N", title=what), alt.Tooltip("today:Q", title="今日"),
            alt.Tooltip("usual:Q", title="近 7 天同时段均值", format=".1f")]
    bars = base.mark_bar(color=AMBER, cornerRadiusEnd=4, height={"band": 0.7}).encode(
        x=alt.X("today:Q", title="工单数（柱：今日 · 白线：近 7 天同时段均值）"), tooltip=tips)
    usual = base.mark_tick(color="#f8fafc", thickness=3, size=26).encode(x="usual:Q", tooltip=tips)
    return (bars + usual).properties(title=f"今日高于常态的{what}")


def trend_chart(df: pd.DataFrame | None, today):
    if df is None or df.empty:
        return None
    df = df[df["day"] < today]  # today is still filling up: its dip would read as a collapse
    if df.empty:
        return None
    long = df.melt("day", var_name="series", value_name="n")
    long["series"] = long["series"].map({"received": "受理", "closed": "办结"})
    return alt.Chart(long).mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=40)).encode(
        x=alt.X("day:T", title=None, axis=alt.Axis(format="%m-%d", labelAngle=0)),
        y=alt.Y("n:Q", title="工单数"),
        color=alt.Color("series:N", title=None, scale=alt.Scale(range=[ACCENT, GREEN])),
        tooltip=[alt.Tooltip("day:T", title="日期"), alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("n:Q", title="工单数")]).properties(title="近 30 天受理与办结（截至昨日）")


def street_chart(df: pd.DataFrame | None):
    if df is None or df.empty:
        return None
    top = df.head(12)
    return _with_labels(alt.Chart(top).mark_bar(color=ACCENT, cornerRadiusEnd=4).encode(
        y=alt.Y("key:N", sort=list(top["key"]), title=None),
        x=alt.X("tickets:Q", title="在办工单", axis=alt.Axis(tickMinStep=1, format=",d")),
        tooltip=[alt.Tooltip("key:N", title="街乡镇"), alt.Tooltip("tickets:Q", title="在办"),
                 alt.Tooltip("overdue:Q", title="超期")]), "tickets").properties(title="在办工单最多的街乡镇")


def overdue_street_chart(df: pd.DataFrame | None):
    if df is None or df.empty or int(df["overdue"].sum()) == 0:
        return None
    top = df[df["overdue"] > 0].sort_values("overdue", ascending=False).head(12)
    return _with_labels(alt.Chart(top).mark_bar(color=RED, cornerRadiusEnd=4).encode(
        y=alt.Y("key:N", sort=list(top["key"]), title=None),
        x=alt.X("overdue:Q", title="超期工单", axis=alt.Axis(tickMinStep=1, format=",d")),
        tooltip=[alt.Tooltip("key:N", title="街乡镇"), alt.Tooltip("overdue:Q", title="超期")]),
        "overdue").properties(title="超期工单最多的街乡镇")


def rates_trend_chart(df: pd.DataFrame | None):
    if df is None or df.empty or df["composite"].isna().all():
        return None
    return alt.Chart(df.dropna(subset=["composite"])).mark_line(color=ACCENT, strokeWidth=3,
                                                               point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X("period:N", title="考评周期", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("composite:Q", title="综合成绩", scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("period:N", title="周期"), alt.Tooltip("composite:Q", title="综合成绩", format=".2f")]
    ).properties(title="近 12 个考评周期综合成绩")


def composite_chart(df: pd.DataFrame | None):
    if df is None or df.empty or df["composite"].isna().all():
        return None
    t = df.dropna(subset=["composite"])
    base = alt.Chart(t).encode(y=alt.Y("unit:N", sort="-x", title=None),
                               tooltip=[alt.Tooltip("unit:N", title="街乡镇"),
                                        alt.Tooltip("composite:Q", title="综合成绩", format=".2f")])
    bars = base.mark_bar(color=GREEN, cornerRadiusEnd=4).encode(
        x=alt.X("composite:Q", title="综合成绩", scale=alt.Scale(zero=False, nice=False,
                                                              domain=[max(0.0, float(t["composite"].min()) - 5), 100])))
    labels = base.mark_text(align="left", dx=6, color=INK, fontSize=20).encode(
        x="composite:Q", text=alt.Text("composite:Q", format=".2f"))
    return (bars + labels).properties(title="本周期街乡镇综合成绩")


@dataclass(frozen=True)
class Refresh:
    """One refresh of the board: its reads (remembered for outages), its clock and rules, and
    whether its figures look current."""
    reads: live.Board
    now: datetime
    rules: Rules
    state: str   # "live", or "stale" (red freshness or an outage): the tile containers' key greys them


def begin_refresh(now: datetime) -> tuple[Refresh, ui.Freshness]:
    """The rules in force (the defaults when they were never read) and the data's freshness."""
    reads = live.Board(prefix="wall:")
    rules = reads.get("rules", rules_data.current) or Rules.default()
    amber, red = rules.freshness_minutes
    fresh = ui.freshness(reads.get("latest", overview_data.latest_data_at, now), now, amber, red,
                         feed_late=bool(reads.get("feed_late", overview_data.any_feed_late, now)))
    # Figures of uncertain age must not look current: red freshness or an outage greys the tiles.
    state = "stale" if fresh.level == "red" or reads.failed else "live"
    return Refresh(reads, now, rules, state), fresh


def header(now: datetime, screen: int | None, fresh: ui.Freshness) -> DeltaGenerator:
    """Title and screen name · the outage banner's place (same row: the screen must not jump) ·
    clock and freshness. Returns the banner's container, filled once every read is known."""
    left, middle, right = st.columns([5, 4, 2], vertical_alignment="center")
    with left:
        st.title("通州区 12345 接诉即办运行态势")
        names = " · ".join(f"【{n}】" if i == screen else n for i, n in enumerate(SCREENS)) if rotate else "实时总览"
        st.caption(f"{now:%Y年%m月%d日} · {names} · 每 {refresh} 秒刷新")
    with middle:
        alert = st.container(key="wall-alert")
    with right:
        with st.container(key="wall-clock"):
            st.markdown(f"{now:%H:%M}")
        # quiet while fresh, loud when stale
        with st.container(key=f"wall-fresh-{fresh.level}"):
            ui.freshness_badge(fresh)
    return alert


def intake_delta(intake: dict | None) -> str | None:
    """Today's intake against the same weekday's mean, for the tile's second line."""
    if not intake or not intake.get("weekday_mean"):
        return None
    mean = intake["weekday_mean"]
    if mean < MIN_PERCENT_BASE:
        return f"{intake['today'] - mean:+,.0f} 较同星期均值 {mean:,.0f}"
    return f"{(intake['today'] - mean) / mean:+.0%} 较同星期均值 {mean:,.0f}"


def tile_row(items: list[tuple[ui.Tile, str, Trend]], key: str) -> None:
    """Tiles in one row, each value coloured by its tone (red / amber / green / plain), each with
    its trend line under the number when it has one."""
    with st.container(key=key):
        for n, (col, (t, tone, trend)) in enumerate(zip(st.columns(len(items)), items)):
            with col, st.container(key=f"wall-tone-{tone}-{key}-{n}"):
                st.metric(t.label, t.value, delta=t.delta, delta_color=t.delta_color, help=t.help, border=True,
                          delta_arrow=t.delta_arrow, chart_data=trend, chart_type="line")


def main_tiles(r: Refresh) -> None:
    """The top row, read from 5 m: 超期, 即将超期, 三率综合成绩, 本月考核预估分."""
    with st.container(key=f"wall-{r.state}-main"):
        totals = r.reads.get("totals", backlog_data.totals, r.now)
        month = f"{r.now:%Y-%m}"
        score = r.reads.get("score", wall_data.month_score, month, r.now)
        got = r.reads.get("three_rates", wall_data.current_three_rates, r.now)
        period, rates = got if got else (None, None)
        backlog = backlog_lines(r.reads, r.now, totals)
        rate_lines = rates_lines(r.reads, r.now, period, rates)
        has_score = bool(score) and score.get("score") is not None
        score_value = (NO_DATA if score and score.get("no_data") else
                       str(half_up(score["score"], 2)) if has_score else "—")
        overdue = totals["overdue"] if totals else None
        at_risk = totals["at_risk"] if totals else None
        # an unfinished 三率 period says so, as on the other pages
        caption = None if period is None else (f"{period.start:%m月%d日}起"
                                               + (f" · {IN_PROGRESS}" if r.now < period.end else "")
                                               + f" · 有效回访 {count(rates.population)}")
        tile_row([
            (ui.Tile("超期", count(overdue) if totals else "—", since_midnight(backlog["overdue"]), delta_color="off",
                     help=f"在办且已过办结时限；{overdue_tone_text(r.rules)}；{DAY_ENDS}"),
             overdue_tone(overdue, r.rules), backlog["overdue"]),
            (ui.Tile("即将超期", count(at_risk) if totals else "—", since_midnight(backlog["at_risk"]), delta_color="off",
                     help=f"剩余时限不足 {share_text(r.rules.at_risk_share)}；{at_risk_tone_text(r.rules)}；{DAY_ENDS}"),
             at_risk_tone(at_risk, r.rules), backlog["at_risk"]),
            (ui.Tile("三率综合成绩", "—" if not rates or rates.composite is None else str(half_up(rates.composite, 2)),
                     caption, delta_color="off", delta_is_change=False,
                     help=f"{composite_tone_text(r.rules)}；趋势线：前几个考评周期与本周期至今"),
             composite_tone(rates.composite if rates else None, r.rules), rate_lines["composite"]),
            (ui.Tile("本月考核预估分", score_value, (score or {}).get("note") or "考核数据不可用", delta_color="off",
                     help="趋势线：前几个合同月与本月预估", delta_is_change=False),
             estimate_tone(None if not score else score.get("score"), r.rules),
             score_line(r.reads, month, float(score["score"]) if has_score else None)),
        ], "wall-top")


def rates_tiles(r: Refresh) -> None:
    """The second row: today's intake, the backlog and the three rates."""
    with st.container(key=f"wall-{r.state}-rates"):
        intake = r.reads.get("intake", overview_data.intake_vs_weekday, r.now)
        totals = r.reads.get("totals", backlog_data.totals, r.now)
        got = r.reads.get("three_rates", wall_data.current_three_rates, r.now)
        period, rates = got if got else (None, None)
        hourly = r.reads.get("hourly", wall_data.hourly_profile, r.now)
        backlog = backlog_lines(r.reads, r.now, totals)
        lines = rates_lines(r.reads, r.now, period, rates)
        tile_row([
            (ui.Tile("今日受理", count(intake["today"]) if intake else "—", intake_delta(intake), delta_color="off",
                     help="今日 0 点至今接收；对比前 4 个同星期日同一时段的平均值；趋势线：今日逐时累计"),
             "plain", intake_line(hourly, intake)),
            (ui.Tile("在办积压", count(totals["open"]) if totals else "—", since_midnight(backlog["open"]), delta_color="off",
                     help=DAY_ENDS),
             "plain", backlog["open"]),
            (ui.Tile("响应率", pct(rates.response_rate) if rates else "—"), "plain", lines["response_rate"]),
            (ui.Tile("解决率", pct(rates.resolution_rate) if rates else "—"), "plain", lines["resolution_rate"]),
            (ui.Tile("满意率", pct(rates.satisfaction_rate) if rates else "—"), "plain", lines["satisfaction_rate"]),
        ], "wall-second")


# --- panels: one chart each, read and drawn at the height the screen gives it -------------------
def hourly_panel(r: Refresh, height: int) -> None:
    _chart(hourly_chart(r.reads.get("hourly", wall_data.hourly_profile, r.now)), height)


def stage_panel(r: Refresh, height: int) -> None:
    _chart(stage_chart(r.reads.get("stage", backlog_data.backlog_by, r.now, "stage")), height)


def age_panel(r: Refresh, height: int) -> None:
    _chart(age_chart(r.reads.get("age", backlog_data.backlog_by, r.now, "age")), height)


def rising_street_panel(r: Refresh, height: int) -> None:
    _chart(rising_chart(r.reads.get("rising_street", wall_data.above_normal, r.now, "street"), "街乡镇"), height,
           "今日暂无高于常态的街乡镇")


def rising_category_panel(r: Refresh, height: int) -> None:
    _chart(rising_chart(r.reads.get("rising_category", wall_data.above_normal, r.now, "category"), "类别"), height,
           "今日暂无高于常态的类别")


def trend_panel(r: Refresh, height: int) -> None:
    _chart(trend_chart(r.reads.get("daily", overview_data.daily_intake, r.now), r.now.date()), height)


def overdue_street_panel(r: Refresh, height: int) -> None:
    _chart(overdue_street_chart(r.reads.get("street", backlog_data.backlog_by, r.now, "street")), height,
           "当前没有超期工单")


def street_panel(r: Refresh, height: int) -> None:
    _chart(street_chart(r.reads.get("street", backlog_data.backlog_by, r.now, "street")), height)


def rates_trend_panel(r: Refresh, height: int) -> None:
    _chart(rates_trend_chart(r.reads.get("rates_trend", wall_data.three_rates_trend, r.now)), height)


def composite_panel(r: Refresh, height: int) -> None:
    _chart(composite_chart(r.reads.get("street_ranking", wall_data.street_composites, r.now)), height)


def lowest_chart(df: pd.DataFrame | None, what: str, note: str | None = None):
    """The lowest composites as bars; `note` (units left out for a small sample) under the title."""
    if df is None or df.empty:
        return None
    order = list(df["unit"])
    df = df.assign(start=max(0.0, float(df["composite"].min()) - 5))
    base = alt.Chart(df).encode(y=alt.Y("unit:N", sort=order, title=None),
                                tooltip=[alt.Tooltip("unit:N", title=what),
                                         alt.Tooltip("composite:Q", title="综合成绩", format=".2f"),
                                         alt.Tooltip("population:Q", title="有效回访")])
    low = max(0.0, float(df["composite"].min()) - 5)
    bars = base.mark_bar(color=AMBER, cornerRadiusEnd=4).encode(
        x=alt.X("start:Q", title="综合成绩", scale=alt.Scale(domain=[low, 100], nice=False, zero=False)),
        x2="composite:Q")
    labels = base.mark_text(align="left", dx=6, color=INK, fontSize=20, fontWeight="bold").encode(
        x="composite:Q", text=alt.Text("composite:Q", format=".2f"))
    title = f"综合成绩最低的 {len(df)} 个{what}"
    return (bars + labels).properties(title=alt.TitleParams(title, subtitle=note) if note else title)


def lowest_panel(r: Refresh, height: int, kind: str, what: str) -> None:
    """The lowest composites among the units with enough 有效回访; the others are named as left out."""
    got = r.reads.get(f"lowest_{kind}", wall_data.lowest_composites, r.now, kind)
    df, left_out = got if got else (None, 0)
    note = rankings.small_sample_note(left_out, MIN_RANK_SAMPLE, what)
    _chart(lowest_chart(df, what, note), height, note or "暂无数据")


def lowest_street_panel(r: Refresh, height: int) -> None:
    lowest_panel(r, height, "street", "街乡镇")


def lowest_unit_panel(r: Refresh, height: int) -> None:
    lowest_panel(r, height, "department", "承办单位")


def panel_row(r: Refresh, height: int, *panels: Callable[[Refresh, int], None]) -> None:
    """Panels side by side in equal columns."""
    for column, panel in zip(st.columns(len(panels)), panels, strict=True):
        with column:
            panel(r, height)


# --- screens: the single overview, or one of SCREENS when rotating ------------------------------
def all_in_one(r: Refresh) -> None:
    main_tiles(r)
    rates_tiles(r)
    panel_row(r, 250, hourly_panel, lowest_street_panel, lowest_unit_panel)


def situation_screen(r: Refresh) -> None:
    main_tiles(r)
    rates_tiles(r)
    panel_row(r, 220, hourly_panel, trend_panel)


def backlog_screen(r: Refresh) -> None:
    main_tiles(r)
    panel_row(r, 500, stage_panel, age_panel, overdue_street_panel)


def streets_screen(r: Refresh) -> None:
    main_tiles(r)
    panel_row(r, 470, lowest_street_panel, lowest_unit_panel, rising_street_panel)


def rates_screen(r: Refresh) -> None:
    rates_tiles(r)
    panel_row(r, 540, rates_trend_panel, composite_panel)


SCREEN_LAYOUTS: list[Callable[[Refresh], None]] = [
    situation_screen, backlog_screen, streets_screen, rates_screen, lambda r: wall_hotspots.render(r.reads, r.now)]


def add_screen(name: str, layout: Callable[[Refresh], None]) -> None:
    """One more screen in the rotation (after the others)."""
    global SCREENS
    SCREENS = (*SCREENS, name)
    SCREEN_LAYOUTS.append(layout)


def layout_of(screen: int | None) -> Callable[[Refresh], None]:
    return all_in_one if screen is None else SCREEN_LAYOUTS[screen]


def outage_banner(reads: live.Board, alert: DeltaGenerator) -> None:
    if reads.failed:
        with alert:
            ui.database_unavailable(showing_last=True)
            if reads.oldest_read is not None:
                st.caption(f"最近一次成功读取：{reads.oldest_read:%Y-%m-%d %H:%M:%S}")


@st.fragment(run_every=min(refresh, rotate) if rotate else refresh)
def board() -> None:
    global _empty_keys
    _empty_keys = itertools.count(1)   # each refresh names its empty panels afresh

    now = now_minute()
    screen = live.screen_index(rotate, len(SCREENS), time.time()) if rotate else None
    r, fresh = begin_refresh(now)
    alert = header(now, screen, fresh)
    layout_of(screen)(r)
    wall_ticker.render(r.reads, r.now, time.time())
    outage_banner(r.reads, alert)


board()
