"""排班与在岗: plan against attendance, 7×24 coverage against the shift minimum, headcount flow and
turnover, the hourly intake forecast with the surge alert and the dispatchers needed per shift."""
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.web import ui
from dashboard.web.auth import require_role
from dashboard.web.reads import calendar as calendar_reads
from dashboard.web.reads import forecast as fdata
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import shifts as data
from domain import staffing
from domain.calendar import UNCONFIRMED_NOTE
from domain.forecast import RECENT_DAYS
from domain.formatting import count, pct

user = require_role("shifts")
now = now_minute()

ui.page_header("排班与在岗", f"排班计划与实际到岗、7×24 在岗覆盖、人员流动、突增预警与人力测算 · {now:%Y-%m-%d %H:%M}")

c1, _ = st.columns([2, 7])
with c1:
    anchor = st.date_input("所在周（任选一天）", value=now.date(), key="shifts-week")
week_start = anchor - timedelta(days=anchor.weekday())
week_end = week_start + timedelta(days=6)
month_start = anchor.replace(day=1)
month_end = (pd.Timestamp(month_start) + pd.offsets.MonthEnd(0)).date()

att = data.attendance_total(week_start, week_end, now)
flow = data.headcount_flow(month_start, month_end)
departures = int(flow["departures"].sum()) if not flow.empty else 0
hires = int(flow["hires"].sum()) if not flow.empty else 0
hc_start = int(flow["headcount_start"].sum()) if not flow.empty else 0
hc_end = int(flow["headcount_end"].sum()) if not flow.empty else 0
surge = fdata.surge_status(now)

ui.tiles([
    ui.Tile("到岗率", pct(staffing.share(att["present"], att["started"])),
            help=f"本周已开始的班次中到岗 {att['present']} / {att['started']}"),
    ui.Tile("在册人数", count(hc_end), help=f"{month_end:%m-%d} 在册（月初 {hc_start}）"),
    ui.Tile("本月入职", count(hires)),
    ui.Tile("本月离职", count(departures)),
    ui.Tile("员工流失率", pct(staffing.turnover_rate(departures, hc_start, hc_end)),
            help="本月离职人数 ÷ 平均在册人数（(月初 + 月末) ÷ 2）"),
    ui.Tile("今日突增", "预警" if surge["active"] else "正常",
            delta=None if surge["ratio"] is None else f"{surge['ratio'] - 1:+.0%} 较预测",
            delta_color="inverse", help=surge["message"]),
])

tabs = st.tabs(["排班与到岗", "7×24 在岗覆盖", "人员流动", "突增与人力测算"])

with tabs[0]:
    daily = data.attendance_by_day_shift(week_start, week_end, now)
    if daily.empty:
        st.info("本周没有排班数据。")
    else:
        long = daily.melt(id_vars=["day", "shift"], value_vars=["planned", "present"], var_name="k", value_name="人次")
        long["类别"] = long["k"].map({"planned": "计划", "present": "到岗"})
        long["日期"] = pd.to_datetime(long["day"]).dt.strftime("%m-%d")
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            x=alt.X("shift:N", title=None, sort=list(staffing.SHIFTS)),
            xOffset=alt.XOffset("类别:N", sort=["计划", "到岗"]),
            y=alt.Y("人次:Q", title="人次"),
            color=alt.Color("类别:N", title=None, sort=["计划", "到岗"],
                            scale=alt.Scale(domain=["计划", "到岗"], range=["#9ecae1", "#08519c"])),
            column=alt.Column("日期:N", title=None),
            tooltip=["日期:N", "shift:N", "类别:N", "人次:Q"],
        ).properties(width=150, height=240, title="每日各班次计划与到岗（全部岗位）"))
        table = daily.drop(columns="rate").rename(columns={"day": "日期", "shift": "班次", "planned": "计划",
                                                           "started": "已开班", "present": "到岗", "absent": "缺岗"})
        table["到岗率"] = [pct(staffing.share(p, s)) for p, s in zip(daily["present"], daily["started"])]
        ui.dataframe(table, hide_index=True, width="stretch")
        ui.downloads(table, f"排班到岗_{week_start:%Y%m%d}", key="dl-att", sheet="排班到岗")

with tabs[1]:
    # the role filter belongs to this tab only: the plan chart of the first tab counts every role
    pick, _ = st.columns([2, 7])
    role = pick.selectbox("覆盖岗位", list(rules_data.for_month(f"{week_start:%Y-%m}").shift_minimum),
                          key="shifts-role")
    minimum = data.shift_minimum(f"{week_start:%Y-%m}")
    need = int(minimum.get(role, 0))
    cov = data.coverage(week_start, week_end, now)
    by_hour = staffing.coverage_by_hour([(r.day, r.shift, r.role, r.on_duty) for r in cov.itertuples()])
    grid = pd.DataFrame([{"日期": (week_start + timedelta(days=d)).strftime("%m-%d %a"), "小时": h,
                          "在岗": by_hour.get((week_start + timedelta(days=d), h, role), 0)}
                         for d in range(7) for h in range(24)])
    planned_days = {(week_start + timedelta(days=d)).strftime("%m-%d %a") for d in range(7)
                    if (week_start + timedelta(days=d)) in set(cov["day"])}
    grid["达标"] = [("未排班" if day not in planned_days else "达标" if n >= need else "不足")
                  for day, n in zip(grid["日期"], grid["在岗"])]
    st.caption(f"{role}：每小时在岗人数（已开班按实际到岗，未开班按排班），每班最低 {need} 人（考核规则）。"
               f"本周已排班日期中共 {int((grid['达标'] == '不足').sum())} 个小时低于最低配置（红字）；无排班的日期显示为灰色。")
    base = alt.Chart(grid).encode(
        x=alt.X("日期:O", title="日期", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("小时:O", title="小时", sort="ascending"))
    heat = base.mark_rect(stroke="white").encode(
        color=alt.when(alt.datum.达标 == "未排班").then(alt.value("#eef0f3")).otherwise(
            alt.Color("在岗:Q", title="在岗人数", scale=alt.Scale(scheme="blues", domainMin=0))),
        tooltip=["日期:O", "小时:O", "在岗:Q", "达标:N"])
    short = base.mark_text(fontSize=12, fontWeight="bold").encode(
        text="在岗:Q",
        color=alt.when(alt.datum.达标 == "不足").then(alt.value("#d62728"))
        .when(alt.datum.达标 == "未排班").then(alt.value("#9aa1ab")).otherwise(alt.value("white")))
    st.altair_chart((heat + short).properties(height=560, title=f"{role} 7×24 在岗覆盖"), width="stretch")

with tabs[2]:
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{month_start:%Y年%m月} 各岗位人员流动**")
        ft = flow.drop(columns="turnover").rename(columns={"role": "岗位", "headcount_start": "月初在册",
                                                           "headcount_end": "月末在册", "hires": "入职", "departures": "离职"})
        ft["流失率"] = [pct(staffing.turnover_rate(d, a, b))
                     for d, a, b in zip(flow["departures"], flow["headcount_start"], flow["headcount_end"])]
        ui.dataframe(ft, hide_index=True, width="stretch")
    with right:
        moves = data.people_moves(month_start, month_end)
        st.markdown("**入职与离职明细**")
        if moves.empty:
            st.info("本月没有入职或离职。")
        else:
            ui.dataframe(moves.rename(columns={"kind": "类型", "day": "日期", "staff_no": "工号", "name": "姓名",
                                               "role": "岗位", "team": "班组"}), hide_index=True, width="stretch")

with tabs[3]:
    if surge["active"]:
        st.error(surge["message"], icon=":material/trending_up:")
    else:
        st.info(surge["message"], icon=":material/insights:")
    fc_col, _ = st.columns([1, 3])
    with fc_col:
        fc_day = st.date_input("预测日期", value=now.date(), key="shifts-fc-day")
    plan = data.staffing_plan(fc_day, now)
    fc = plan["forecast"]
    if not calendar_reads.knows_days(fc_day, fc_day):
        st.warning(f"{UNCONFIRMED_NOTE}（{fc_day:%Y-%m-%d} 的同类日按周一至周五判断）", icon=":material/event_busy:")
    hours = pd.DataFrame([{"小时": h.hour, "预测": h.expected, "下限": h.lower, "上限": h.upper} for h in fc.hours])
    actual = fdata.hourly_actual(fc_day, now).rename(columns={"hour": "小时", "tickets": "实际"})
    band = alt.Chart(hours).mark_area(opacity=0.25, color="#3182bd").encode(
        x=alt.X("小时:O", title="小时"), y=alt.Y("下限:Q", title="受理量（件/小时）"), y2="上限:Q")
    line = alt.Chart(hours).mark_line(point=True, color="#08519c").encode(
        x="小时:O", y="预测:Q", tooltip=["小时:O", alt.Tooltip("预测:Q", format=".1f"),
                                      alt.Tooltip("下限:Q", format=".1f"), alt.Tooltip("上限:Q", format=".1f")])
    bars = alt.Chart(actual).mark_bar(color="#f28e2b", opacity=0.75, size=14).encode(
        x="小时:O", y="实际:Q", tooltip=["小时:O", alt.Tooltip("实际:Q", title="实际受理")])
    st.altair_chart((band + bars + line).properties(
        height=300, title=f"{fc_day:%m-%d} 分小时受理：预测（蓝线，阴影为均值 ± 2σ）与实际（橙色柱）"),
        width="stretch")
    st.caption(f"依据：前 {fc.history_days} 个同类日（星期几，节假日按周日、调休上班日按工作日）的分小时均值，"
               f"乘以近 {RECENT_DAYS} 天水平系数 {fc.level:.2f}。处理时长 {plan['handling_minutes']} 分钟/件（{plan['handling_source']}），"
               f"目标占用率 {plan['occupancy']}；所需派单人数 = 高峰小时预测量 × 处理时长 ÷ (60 × 占用率)，向上取整。")
    table = plan["shifts"].rename(columns={"shift": "班次", "volume": "预测受理量", "peak_hour_volume": "高峰小时量",
                                           "needed": "所需派单人数", "needed_average": "按班均所需",
                                           "planned": "排班人数", "on_duty": "在岗人数", "minimum": "合同最低",
                                           "gap": "缺口"})
    ui.dataframe(table, hide_index=True, width="stretch",
                 column_config={"预测受理量": st.column_config.NumberColumn(format="%.0f"),
                                "高峰小时量": st.column_config.NumberColumn(format="%.1f")})
