"""人员绩效: per-person measures by role for a shift, day, week or month; one person's trend,
tickets and errors with their evidence."""
from datetime import timedelta

import altair as alt
import streamlit as st

from dashboard.web import ledger_sections, ui
from dashboard.web.auth import require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import staff as data
from domain import staffing
from domain.formatting import count, limit_text, pct
from domain.lifecycle import ACTIONS

user = require_role("staff")
now = now_minute()

ui.page_header("人员绩效", f"按岗位统计每位专员的业务量、及时率与差错（按操作工号归属） · {now:%Y-%m-%d %H:%M}")

c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
with c1:
    kind = st.segmented_control("统计周期", list(staffing.PERIOD_KINDS), default="day",
                                format_func=staffing.PERIOD_KINDS.get, key="staff-kind") or "day"
with c2:
    anchor = st.date_input("日期", value=now.date() - timedelta(days=1 if kind == "day" else 0),
                           max_value=now.date(), key="staff-day")
with c3:
    shift = st.selectbox("班次", staffing.SHIFTS, index=1, key="staff-shift", disabled=kind != "shift")
with c4:
    teams = ["全部班组", *data.teams()]
    team_label = st.selectbox("班组", teams, key="staff-team")
team = None if team_label == "全部班组" else team_label

start, end = staffing.period_bounds(kind, anchor, shift)
st.caption(f"统计区间：{start:%Y-%m-%d %H:%M} 至 {end - timedelta(seconds=1):%Y-%m-%d %H:%M:%S}"
           f"（截至 {min(now, end):%m-%d %H:%M}）。少于 {staffing.MIN_SAMPLE} 件的人员标注「{staffing.SMALL_SAMPLE}」，不参与排名。"
           "排名依据：（按时 − 差错）÷ 应考核（派单错误、质检漏检、报表有误各计一件）；相同时差错少者在前，"
           "再按业务量多者在前，三者都相同的并列。")

rules = rules_data.for_month(f"{start:%Y-%m}")
COMMON = {"staff_no": "工号", "name": "姓名", "team": "班组", "planned_shifts": "计划班次",
          "attended_shifts": "到岗班次", "rank": "排名"}
LABELS = {
    "派单专员": {"signed": "签收", "signed_on_time": "签收及时", "sign_on_time_share": "签收及时率",
             "dispatched": "派单", "dispatch_judged": "派单判定", "dispatched_on_time": "派单及时",
             "dispatch_on_time_share": "派单及时率", "median_sign_minutes": "签收用时中位数（分）",
             "median_dispatch_minutes": "派单用时中位数（分）", "wrong_dispatches": "派单错误", "urges": "催办"},
    "退单专员": {"requests": "申请退单", "requests_on_time": "及时", "on_time_share": "退单及时率",
             "decided": "已决定", "approved": "通过", "approved_share": "退单通过率"},
    "质检专员": {"reviews": "质检", "rejects": "退回", "reject_share": "退回率", "qc_judged": "可判定",
             "qc_on_time": "及时", "on_time_share": "质检及时率", "escapes": "漏检（市级退回）"},
    "协查专员": {"assigned": "派发", "verify_judged": "已到期/已完成", "done_on_time": f"{limit_text(rules.verify_limit())}内完成",
             "on_time_share": "按时完成率", "done": "完成", "not_true_findings": "不属实发现"},
    "数据分析专员": {"reports_due": "应报", "reports_on_time": "按时", "on_time_share": "按时报送率",
               "reports_with_errors": "有误"},
}
SHARE_COLS = {"sign_on_time_share", "dispatch_on_time_share", "on_time_share", "approved_share", "reject_share"}
ERRORS = {"派单专员": "wrong_dispatches", "质检专员": "escapes", "数据分析专员": "reports_with_errors"}


def person_view(role: str, df) -> None:
    options = {f"{r.staff_no} {r.name}": r.staff_no for r in df.itertuples()}
    pick_col, _ = st.columns([1, 2])
    with pick_col:
        pick = st.selectbox("查看个人", ["—", *options], key=f"person-{role}")
    if pick == "—":
        return
    staff_no = options[pick]
    st.markdown(f"##### {ui.md_escape(pick)}")
    # a trend needs more than the one day or shift chosen: at least the 14 days up to the period end
    trend_start = min(start, end - timedelta(days=14))
    daily = data.person_daily(staff_no, trend_start, end, now)
    left, right = st.columns([3, 2])
    with left:
        if daily.empty:
            st.info("该人员在本周期没有操作记录。")
        else:
            d = daily.assign(操作=daily["action"].map(lambda a: ACTIONS.get(a, a)))
            st.altair_chart(alt.Chart(d).mark_bar().encode(
                x=alt.X("day:T", title="日期", axis=alt.Axis(format="%m-%d")),
                y=alt.Y("events:Q", title="操作次数"), color=alt.Color("操作:N", title="操作"),
                tooltip=[alt.Tooltip("day:T", title="日期"), "操作:N", alt.Tooltip("events:Q", title="次数")],
            ).properties(height=260, title=f"每日操作（{trend_start:%m-%d} 起）"), width="stretch")
    with right:
        errs = data.errors_with_evidence(staff_no, start, end, now)
        st.markdown("**差错及证据**")
        if errs.empty:
            st.success("本周期没有差错记录。")
        else:
            shown = errs.assign(evidence_action=errs["evidence_action"].map(lambda a: ACTIONS.get(a, "报表")))
            ui.dataframe(shown.rename(columns={
                "kind": "类型", "ticket_no": "工单/报表", "action_at": "操作时间", "evidence_action": "证据",
                "evidence_at": "证据时间", "evidence_staff_no": "证据工号", "evidence_unit": "单位",
                "evidence_detail": "说明"}).drop(columns=["staff_no"]), hide_index=True, width="stretch")
    tickets = data.person_tickets(staff_no, start, end, now)
    st.markdown(f"**经手工单**（{count(len(tickets))} 件）")
    shown = tickets.assign(actions=tickets["actions"].map(lambda s: "、".join(ACTIONS.get(a, a) for a in s.split(",") if a)))
    ui.dataframe(shown.rename(columns={"ticket_no": "工单编号", "first_at": "首次操作", "actions": "操作",
                                       "events": "次数", "stage": "当前阶段", "received_at": "接收时间",
                                       "deadline_at": "办结时限"}),
                 hide_index=True, width="stretch", height=260)
    ui.downloads(shown, f"人员_{staff_no}_{start:%Y%m%d}", key=f"dl-person-{role}", sheet="经手工单")


frames = data.performance_by_role(start, end, now, team)
tabs = st.tabs(list(LABELS))
for tab, role in zip(tabs, LABELS):
    with tab:
        df = frames[role]
        labels = {**COMMON, **LABELS[role]}
        sample, num, den = data.RANK_BASIS[role]
        total_num, total_den = int(df[num].sum()), int(df[den].sum())
        err_col = ERRORS.get(role)
        ui.tiles([
            ui.Tile("人数", count(len(df))),
            ui.Tile(LABELS[role][sample], count(int(df[sample].sum()))),
            ui.Tile("整体及时率", pct(staffing.share(total_num, total_den)), help=f"{count(total_num)} / {count(total_den)}"),
            ui.Tile("差错", count(int(df[err_col].sum())) if err_col else "—"),
            ui.Tile("到岗 / 计划班次", f"{count(int(df['attended_shifts'].sum()))} / {count(int(df['planned_shifts'].sum()))}"),
        ])
        cols = ["rank", "staff_no", "name", "team", *LABELS[role], "planned_shifts", "attended_shifts"]
        idle = (df["sample"] == 0) & (df["planned_shifts"] == 0)
        show_idle = st.toggle(f"显示本周期无业务、无排班的人员（{int(idle.sum())} 人）", key=f"idle-{role}")
        visible = df if show_idle else df[~idle]
        shown = data.display_frame(role, visible)[cols].rename(columns=labels)
        config = {labels[c]: st.column_config.TextColumn(width="small") for c in cols if c in SHARE_COLS}
        config["排名"] = st.column_config.TextColumn(width=80)
        if df.empty:
            st.info("该岗位在所选班组没有人员。")
        else:
            ui.dataframe(shown, hide_index=True, width="stretch", column_config=config)
            ui.downloads(shown, f"人员绩效_{role}_{start:%Y%m%d}", key=f"dl-{role}", sheet=role)
            person_view(role, df)

ledger_sections.staff_part(user, start, end, now)
