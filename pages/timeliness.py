"""时效分析: every SLA clock (docs/lifecycle.md) as on-time share, median and 90th-percentile lag, by time,
unit, 街乡镇, category and shift; the breaches; hour × weekday heatmaps."""
from datetime import datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.web import ui
from dashboard.web.auth import require_role
from dashboard.web.reads import calendar as calendar_reads
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import timeliness as data
from domain.access import can
from domain.calendar import UNCONFIRMED_NOTE
from domain.formatting import count, duration_text, limit_text
from domain.vocabulary import CLOCK_SHARE_NAMES, CLOSE_CLOCK_OF_INTAKE, CLOSE_ON_TIME
from queries.timeliness import CLOCKS

user = require_role("timeliness")
now = now_minute()

ui.page_header("时效分析", "各环节时限的按时率、用时中位数与 90 分位；未完成且已超过时限的计为超时，仍在时限内的不计入。")

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
GRAINS = {"day": "按日", "week": "按周", "month": "按月"}
BREAKDOWNS = {"unit": "承办单位", "street": "街乡镇", "category": "一级分类", "shift": "班次"}

close_limit = rules_data.for_month(f"{now:%Y-%m}").close_limit
c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
with c1:
    month_start = now.date().replace(day=1)
    picked = st.date_input("日期范围（起算时间）", value=(month_start, now.date()), max_value=now.date(),
                           key="tl-range", format="YYYY-MM-DD")
with c2:
    working = st.toggle("办结时限按工作日计算", value=data.rules_close_in_working_days(f"{now:%Y-%m}"),
                        key="tl-working",
                        help=f"一般（{limit_text(close_limit('一般'))}）/ 疑难（{limit_text(close_limit('疑难'))}）"
                             "办结时限按法定工作日（含调休）计算；延期天数仍按自然日。仅影响办结环节。")
if not isinstance(picked, (list, tuple)) or len(picked) != 2:
    st.info("请选择起止日期。")
    st.stop()
start = datetime.combine(picked[0], datetime.min.time())
end = datetime.combine(picked[1], datetime.min.time()) + timedelta(days=1)
with c3:
    st.caption(f"范围：{start:%Y-%m-%d} 至 {end - timedelta(days=1):%Y-%m-%d}，统计截至 {now:%Y-%m-%d %H:%M}")
if working and not calendar_reads.close_confirmed(f"{start:%Y-%m}", picked[0], picked[1]):
    st.warning(UNCONFIRMED_NOTE, icon=":material/event_busy:")

# the overview and the default clock's lags in one go (cached under the default clock, so that
# choosing another clock below reads only that clock's lags)
first_clock = "close"
overview_frame, first_lags = data.overview_and_lags(start, end, now, working, first_clock)
overview = data.with_shares(overview_frame)
summary_rows = [{"环节": CLOCK_SHARE_NAMES[r.clock], "应计": int(r.total), "按时": int(r.on_time), "超时": int(r.late),
                 "进行中": int(r.running), "按时率": r.share_text} for r in overview.itertuples()]
summary = pd.DataFrame(summary_rows)



# the close clock here counts the tickets received in the range; the reports' 办结按时率 counts the
# period's closings: the help says which is which
CLOSE_APART = (f"{CLOSE_CLOCK_OF_INTAKE}：本期即所选日期范围，按范围内接收的工单统计办结时限；"
               f"报表中心的{CLOSE_ON_TIME}按期间内办结的工单统计，二者样本不同")


def clock_tile(row: dict) -> ui.Tile:
    """A clock's on-time share; its late count is a plain count (no arrow), named in the help with the
    population: the clocks that started in the chosen range, finished or past their limit."""
    apart = f"。{CLOSE_APART}" if row["环节"] == CLOSE_CLOCK_OF_INTAKE else ""
    return ui.Tile(f"{row['环节']}按时率", row["按时率"],
                   help=f"样本：所选范围内开始计时、已完成或已过时限的{row['环节']}环节 {count(row['应计'])} 个，"
                        f"其中按时 {count(row['按时'])}、超时 {count(row['超时'])}；仍在时限内的不计入{apart}")


ui.tiles([clock_tile(row) for row in summary_rows[:4]])
ui.tiles([clock_tile(row) for row in summary_rows[4:]] + [ui.Tile("进行中（不计入）", count(int(summary["进行中"].sum())),
                                                  help="尚未完成、仍在时限内的环节")])

ui.dataframe(summary, hide_index=True, width="stretch", column_config={
    c: st.column_config.NumberColumn(c, format="localized") for c in ("应计", "按时", "超时", "进行中")})

clock = st.segmented_control("环节", list(CLOCKS), format_func=CLOCKS.get, default="close", key="tl-clock") or "close"
lags = data.with_shares(first_lags if clock == first_clock
                        else data.clock_summary(clock, start, end, now, "all", working)).iloc[0]
st.caption(f"{CLOCK_SHARE_NAMES[clock]}：应计 {count(int(lags.total))}，按时率 {lags.share_text}，"
           f"用时中位数 {lags.p50_text}，90 分位 {lags.p90_text}（已完成的环节）")
# Only the open tab runs its queries (on_change="rerun"); the tab is kept in the address.
tab_trend, tab_group, tab_breach, tab_heat = st.tabs(["趋势", "分组对比", "超时清单", "时段热力图"], key="tl-tab",
                                                     on_change="rerun")

with tab_trend:
    if tab_trend.open:
        grain = st.segmented_control("粒度", list(GRAINS), format_func=GRAINS.get, default="day", key="tl-grain") or "day"
        df = data.with_shares(data.clock_summary(clock, start, end, now, grain, working))
        if df.empty:
            st.info("所选范围内没有该环节的记录。")
        else:
            x = alt.X(f"{grain}:{'T' if grain != 'month' else 'O'}", title="日期" if grain != "month" else "月份")
            left, right = st.columns(2)
            with left:
                st.altair_chart(alt.Chart(df.dropna(subset=["share_pct"])).mark_line(point=True).encode(
                    x=x, y=alt.Y("share_pct:Q", title="按时率（%）", scale=alt.Scale(zero=False)),
                    tooltip=[alt.Tooltip(f"{grain}", title="时间"), alt.Tooltip("share_text:N", title="按时率"),
                             alt.Tooltip("total:Q", title="应计")]).properties(
                    height=300, title=f"{CLOCK_SHARE_NAMES[clock]}按时率"), width="stretch")
            with right:
                lag = df.melt(id_vars=[grain], value_vars=["p50_seconds", "p90_seconds"], var_name="统计",
                              value_name="秒").dropna()
                lag["统计"] = lag["统计"].map({"p50_seconds": "中位数", "p90_seconds": "90 分位"})
                lag["小时"] = lag["秒"] / 3600
                st.altair_chart(alt.Chart(lag).mark_line(point=True).encode(
                    x=x, y=alt.Y("小时:Q", title="用时（小时）"), color=alt.Color("统计:N", title=None),
                    tooltip=[alt.Tooltip(f"{grain}", title="时间"), "统计:N",
                             alt.Tooltip("小时:Q", format=".2f")]).properties(
                    height=300, title=f"{CLOCKS[clock]}用时"), width="stretch")
            table = df[[grain, "total", "on_time", "late", "running", "share_text", "p50_text", "p90_text"]].rename(
                columns={grain: "时间", "total": "应计", "on_time": "按时", "late": "超时", "running": "进行中",
                         "share_text": "按时率", "p50_text": "用时中位数", "p90_text": "用时 90 分位"})
            ui.dataframe(table, hide_index=True, width="stretch")
            if can(user.role, "export"):
                ui.downloads(table, f"时效_{CLOCKS[clock]}_{GRAINS[grain]}_{start:%Y%m%d}", key="tl-trend")

with tab_group:
    if tab_group.open:
        by = st.segmented_control("分组", list(BREAKDOWNS), format_func=BREAKDOWNS.get, default="unit",
                                  key="tl-by") or "unit"
        df = data.with_shares(data.clock_summary(clock, start, end, now, by, working))
        if df.empty:
            st.info("所选范围内没有该环节的记录。")
        else:
            df = df.sort_values(["late", "total"], ascending=[False, False])
            shown = df[df["total"] > 0].head(30)
            if not shown.empty:
                st.altair_chart(alt.Chart(shown).mark_bar().encode(
                    y=alt.Y(f"{by}:N", sort=list(shown[by]), title=BREAKDOWNS[by]),
                    x=alt.X("share_pct:Q", title="按时率（%）", scale=alt.Scale(domain=[0, 100])),
                    color=alt.Color("share_pct:Q", title="按时率", scale=alt.Scale(scheme="redyellowgreen", domain=[50, 100])),
                    tooltip=[f"{by}:N", alt.Tooltip("share_text:N", title="按时率"), alt.Tooltip("late:Q", title="超时"),
                             alt.Tooltip("total:Q", title="应计")]).properties(
                    height=max(200, 24 * len(shown)), title=f"{CLOCK_SHARE_NAMES[clock]}按时率（按超时数排序，前 30）"),
                    width="stretch")
            table = df[[by, "total", "on_time", "late", "running", "share_text", "p50_text", "p90_text"]].rename(
                columns={by: BREAKDOWNS[by], "total": "应计", "on_time": "按时", "late": "超时", "running": "进行中",
                         "share_text": "按时率", "p50_text": "用时中位数", "p90_text": "用时 90 分位"})
            ui.dataframe(table, hide_index=True, width="stretch")
            if can(user.role, "export"):
                ui.downloads(table, f"时效_{CLOCKS[clock]}_{BREAKDOWNS[by]}_{start:%Y%m%d}", key="tl-group")

with tab_breach:
    if tab_breach.open:
        df = data.breaches(clock, start, end, now, working)
        if df.empty:
            st.success("所选范围内该环节没有超时。")
        else:
            st.caption(f"共 {len(df):,} 条（最多显示 1,000 条），按应完成时间由近及远排列。")
            shown = df.assign(late_text=df["late_seconds"].map(duration_text)).drop(columns=["late_seconds"])
            cols = {
                "ticket_no": st.column_config.TextColumn("工单编号"),
                "started_at": st.column_config.DatetimeColumn("起算时间", format="YYYY-MM-DD HH:mm:ss"),
                "due_at": st.column_config.DatetimeColumn("应完成时间", format="YYYY-MM-DD HH:mm:ss"),
                "ended_at": st.column_config.DatetimeColumn("完成时间（空=未完成）", format="YYYY-MM-DD HH:mm:ss"),
                "late_text": st.column_config.TextColumn("超时"),
                "unit": st.column_config.TextColumn("承办单位"),
                "street": st.column_config.TextColumn("街乡镇"),
                "category": st.column_config.TextColumn("一级分类"),
            }
            ui.dataframe(shown, hide_index=True, width="stretch", column_config=cols, column_order=list(cols))
            if can(user.role, "export"):
                export = shown.rename(columns={"ticket_no": "工单编号", "started_at": "起算时间", "due_at": "应完成时间",
                                               "ended_at": "完成时间", "late_text": "超时", "unit": "承办单位",
                                               "street": "街乡镇", "category": "一级分类"})
                ui.downloads(export, f"超时清单_{CLOCKS[clock]}_{start:%Y%m%d}", key="tl-breach")

with tab_heat:
    if tab_heat.open:
        left, right = st.columns(2)
        with left:
            heat = data.intake_heatmap(start, end, now)
            if heat.empty:
                st.info("所选范围内没有受理记录。")
            else:
                heat = heat.assign(星期=heat["weekday"].map(lambda d: WEEKDAYS[d]))
                st.altair_chart(alt.Chart(heat).mark_rect().encode(
                    x=alt.X("hour:O", title="时"), y=alt.Y("星期:N", sort=WEEKDAYS, title=None),
                    color=alt.Color("tickets:Q", title="受理量", scale=alt.Scale(scheme="blues")),
                    tooltip=["星期:N", alt.Tooltip("hour:O", title="时"), alt.Tooltip("tickets:Q", title="受理量")]
                ).properties(height=300, title="受理量：星期 × 时段"), width="stretch")
        with right:
            late = data.with_shares(data.clock_summary(clock, start, end, now, "heat", working))
            late = late[late["total"] > 0]
            if late.empty:
                st.info("所选范围内没有该环节的记录。")
            else:
                late = late.assign(星期=late["weekday"].map(lambda d: WEEKDAYS[d]),
                                   超时率=100 - late["share_pct"])
                st.altair_chart(alt.Chart(late).mark_rect().encode(
                    x=alt.X("hour:O", title="时（起算时刻）"), y=alt.Y("星期:N", sort=WEEKDAYS, title=None),
                    color=alt.Color("超时率:Q", title="超时率（%）", scale=alt.Scale(scheme="reds")),
                    tooltip=["星期:N", alt.Tooltip("hour:O", title="时"), alt.Tooltip("late:Q", title="超时"),
                             alt.Tooltip("total:Q", title="应计"), alt.Tooltip("share_text:N", title="按时率")]
                ).properties(height=300, title=f"{CLOCKS[clock]}超时率：星期 × 时段"), width="stretch")
