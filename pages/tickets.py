"""工单查询: filtered, paged ticket list; one ticket's details, event timeline and SLA clocks."""
from datetime import datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.services.ingest.spec import APPEAL_TYPES
from dashboard.services.timeline import LATE, NOT_APPLICABLE, NOT_STARTED, ON_TIME, RUNNING
from dashboard.web import repeat_sections, ui
from dashboard.web.auth import require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import tickets as data
from domain.access import can
from domain.calendar import CALENDAR_UNCONFIRMED, UNCONFIRMED_DEADLINE_NOTE
from domain.formatting import count, duration_text, share_text
from domain.lifecycle import ALL_STAGES

user = require_role("tickets")
now = now_minute()

ui.page_header("工单查询", f"{now:%Y年%m月%d日 %H:%M} · {user.display_name} · 按条件检索工单，选中一行查看流转记录与各环节时限")

TS = "YYYY-MM-DD HH:mm:ss"
SLA_FILTERS = {"": "全部", "overdue": "超期", "at_risk": "即将超期", "not_overdue": "未超期"}
STATUS_COLORS = {ON_TIME: "#2e7d32", LATE: "#c62828", RUNNING: "#1565c0", NOT_STARTED: "#9e9e9e",
                 NOT_APPLICABLE: "#bdbdbd"}
options = data.filter_options()

with st.container(border=True):
    r1 = st.columns([1.6, 2.6, 1.1, 1.4, 1.6])
    with r1[0]:
        days = st.date_input("接收日期", value=(now.date() - timedelta(days=6), now.date()),
                             max_value=now.date(), key="tk_days", format="YYYY-MM-DD")
    with r1[1]:
        stages = st.multiselect("状态", list(ALL_STAGES), key="tk_stages", placeholder="全部状态")
    with r1[2]:
        sla = st.selectbox("时效", list(SLA_FILTERS), format_func=SLA_FILTERS.get, key="tk_sla",
                           help=f"按当前时间 {now:%m-%d %H:%M} 判断：超期 = 在办已过截止时间或逾期办结；"
                                f"即将超期 = 在办且剩余时限不足 {share_text(rules_data.current().at_risk_share)}")
    with r1[3]:
        ticket_like = st.text_input("工单编号", key="tk_no", placeholder="包含…").strip()
    with r1[4]:
        staff_no = st.text_input("经办工号", key="tk_staff", placeholder="如 P0001",
                                 help="该工号处理过（签收、派单、质检等）的工单").strip()
    r2 = st.columns([1.6, 2.6, 1.1, 1.4, 1.6])
    with r2[0]:
        street = st.selectbox("街乡镇", [""] + options["streets"], format_func=lambda s: s or "全部", key="tk_street")
    with r2[1]:
        unit = st.selectbox("承办单位", [""] + options["units"], format_func=lambda s: s or "全部", key="tk_unit")
    with r2[2]:
        category = st.selectbox("一级分类", [""] + options["category_l1"], format_func=lambda s: s or "全部",
                                key="tk_cat")
    with r2[3]:
        appeal = st.selectbox("诉求类型", [""] + list(APPEAL_TYPES), format_func=lambda s: s or "全部", key="tk_appeal")
    with r2[4]:
        size = st.selectbox("每页条数", data.PAGE_SIZES, key="tk_size")

if isinstance(days, (tuple, list)) and len(days) == 2:
    start_day, end_day = days
elif isinstance(days, (tuple, list)) and len(days) == 1:
    start_day = end_day = days[0]
else:
    start_day = end_day = days
filters = tuple(sorted({
    "start": datetime.combine(start_day, time.min), "end": datetime.combine(end_day + timedelta(days=1), time.min),
    "stages": tuple(stages), "overdue": True if sla == "overdue" else False if sla == "not_overdue" else None,
    "at_risk": True if sla == "at_risk" else None, "street": street or None, "unit": unit or None,
    "category_l1": category or None, "appeal_type": appeal or None, "staff_no": staff_no or None,
    "ticket_no_like": ticket_like or None,
}.items()))

first, total = data.ticket_page(now, filters, int(size), 0)
pages = max(1, -(-total // int(size)))
p1, p2, p3 = st.columns([1.2, 5, 1], vertical_alignment="bottom")
with p3:
    # keyed on the filters, so a new question starts again on page 1
    page = st.number_input(f"页码（共 {pages} 页）", min_value=1, max_value=pages, value=1, step=1,
                           key=f"tk_page_{abs(hash((filters, int(size)))) % 10**12}")
frame = first if page == 1 else data.ticket_page(now, filters, int(size), (int(page) - 1) * int(size))[0]
with p1:
    st.metric("匹配工单", count(total), border=True)
with p2:
    st.caption(f"第 {int(page)} / {pages} 页 · 每页 {size} 条 · 按接收时间倒序 · "
               f"接收日期 {start_day:%Y-%m-%d} 至 {end_day:%Y-%m-%d} · 选中一行查看详情")

table = data.display_frame(frame)
# an open ticket has no 办结时间: the column is text, 「—」 for those
table["办结时间"] = [ui.BLANK if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M:%S}" for v in table["办结时间"]]
table = ui.without_blanks(table)
selection = ui.dataframe(
    table, hide_index=True, width="stretch", height=420, key="tk_table", on_select="rerun",
    selection_mode="single-row",
    column_config={
        "工单编号": st.column_config.TextColumn("工单编号", pinned=True),
        "接收时间": st.column_config.DatetimeColumn("接收时间", format=TS),
        "截止时间": st.column_config.DatetimeColumn("截止时间", format=TS),
        "办结时间": st.column_config.TextColumn("办结时间"),
        "标题": st.column_config.TextColumn("标题", width="large"),
    },
)
if total == 0:
    st.info("没有符合条件的工单，请调整筛选条件。")

if can(user.role, "export") and total:
    with st.expander(f"导出筛选结果（共 {count(total)} 条，最多 {count(data.EXPORT_CAP)} 条）"):
        if st.toggle("生成导出文件", key="tk_export"):
            export, _ = data.export_frame(now, filters)
            if total > data.EXPORT_CAP:
                st.warning(f"匹配 {count(total)} 条，超过导出上限，仅导出最新的 {count(data.EXPORT_CAP)} 条。")
            ui.downloads(export, f"工单查询_{now:%Y%m%d%H%M}", key="tk-export", sheet="工单")

# The ticket to show: the selected row, else ?ticket=NO (links from other pages).
rows = selection.selection.rows if selection is not None and hasattr(selection, "selection") else []
chosen = None
if rows and rows[0] < len(table):
    chosen = str(table.iloc[rows[0]]["工单编号"])
    st.query_params["ticket"] = chosen
else:
    chosen = st.query_params.get("ticket") or None

st.divider()
if chosen is None:
    st.caption("在上表中选中一行，查看该工单的详情、流转记录与时限。")
    st.stop()

detail = data.ticket_detail(chosen)
if detail is None:
    st.warning("未找到该工单（编号见下）。")
    st.text(chosen)
    st.stop()

st.subheader("工单详情")
stage = detail["stage"] or "—"
deadline = detail["deadline_at"]
if detail["is_open"] and deadline is not None:
    left = int((deadline - now) // timedelta(seconds=1))
    remain = ui.Tile("剩余时限", duration_text(left), help="截止时间减当前时间") if left >= 0 else \
        ui.Tile("已超期", duration_text(-left), help="当前时间已超过截止时间")
else:
    closed = detail["closed_at"]
    remain = ui.Tile("办结时间", f"{closed:%m-%d %H:%M}" if closed else "—")
deadline_confirmed = data.deadline_confirmed(chosen)
ui.tiles([
    ui.Tile("工单编号", str(detail["ticket_no"])),
    ui.Tile("状态", stage),
    ui.Tile("截止时间", f"{deadline:%Y-%m-%d %H:%M}" if deadline else "—"),
    remain,
])
if not deadline_confirmed:
    st.warning(UNCONFIRMED_DEADLINE_NOTE, icon=":material/event_busy:")


def _ts(v) -> str:
    return "" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S")


def _span(s) -> str:
    if s is None or pd.isna(s):
        return "—"
    return f"{int(s)} 秒" if 0 <= int(s) < 60 else duration_text(int(s))


def _yn(v) -> str:
    return "是" if v else "否"


category_path = " / ".join(x for x in (detail["category_l1"], detail["category_l2"], detail["category_l3"]) if x)
callback = "—"
if detail["callback_at"] is not None:
    callback = (f"{_ts(detail['callback_at'])}；有效回访 {_yn(detail['callback_valid'])}；"
                f"联系 {_yn(detail['contacted'])}；解决 {_yn(detail['resolved'])}；满意度 {detail['satisfaction'] or '—'}")
facts = pd.DataFrame([
    ("接收时间", _ts(detail["received_at"])), ("来电时间", _ts(detail["called_at"])),
    ("诉求类型", detail["appeal_type"] or ""), ("紧急程度", detail["urgency"] or ""),
    ("时限类型", detail["sla_class"] or ""), ("截止时间", _ts(deadline) + ("" if deadline_confirmed else f"（{CALENDAR_UNCONFIRMED}）")),
    ("延期天数", str(detail["extension_days"] or 0)), ("分类", category_path),
    ("街乡镇", detail["street"] or ""), ("承办单位", detail["unit"] or ""),
    ("纳入考核", _yn(detail["in_assessment"])), ("回访结果", callback),
], columns=["项目", "内容"])
d1, d2 = st.columns([2, 3])
with d1:
    ui.dataframe(facts, hide_index=True, width="stretch", height=458)
with d2:
    # Citizen text is shown verbatim as plain text: never Markdown or HTML.
    with st.container(border=True):
        st.caption("标题")
        st.text(detail["title"] or "（无）")
    with st.container(border=True):
        st.caption("主要内容")
        st.text(detail["content"] or "（无）")
    with st.container(border=True):
        st.caption("诉求地址")
        st.text(detail["address"] or "（无）")

tab_events, tab_clocks, tab_repeats = st.tabs(["流转记录", "时限", "重复诉求"])
with tab_repeats:
    repeat_sections.ticket_chain(chosen)
with tab_events:
    events = data.ticket_timeline(chosen, now)
    if events.empty:
        st.info("该工单尚无流转记录。")
    else:
        ui.dataframe(events, hide_index=True, width="stretch",
                     column_config={"时间": st.column_config.DatetimeColumn("时间", format=TS),
                                    "说明": st.column_config.TextColumn("说明", width="large")})
        st.caption(f"共 {len(events)} 条，截至 {now:%Y-%m-%d %H:%M}")
with tab_clocks:
    clocks = data.ticket_clocks(chosen, now)
    view = clocks.drop(columns=["用时（秒）", "时限（秒）"]).assign(用时=clocks["用时（秒）"].map(_span))
    for col in ("开始", "应完成", "实际完成"):
        view[col] = view[col].map(lambda v: _ts(v) or "—")
    view = view[["时限", "状态", "开始", "应完成", "实际完成", "用时", "说明"]]
    c_left, c_right = st.columns([3, 2])
    with c_left:
        ui.dataframe(view, hide_index=True, width="stretch")
        st.caption("按时 = 在时限内（含恰好到时）完成；超时 = 超过时限完成，或未完成且已过时限；"
                   "进行中 = 未完成、时限未到；未开始 = 起始环节尚未发生。")
    with c_right:
        chart_rows = clocks.dropna(subset=["开始", "应完成"]).copy()
        if chart_rows.empty:
            st.caption("暂无可绘制的时限。")
        else:
            order = list(chart_rows["时限"])
            base = alt.Chart(chart_rows).encode(y=alt.Y("时限:N", sort=order, title=None,
                                                        axis=alt.Axis(labelOverlap=False, labelLimit=160)))
            window = base.mark_bar(color="#e0e0e0", height=14).encode(
                x=alt.X("开始:T", title="时间", axis=alt.Axis(format="%m-%d %H:%M")), x2="应完成:T",
                tooltip=[alt.Tooltip("时限:N"), alt.Tooltip("开始:T", format="%Y-%m-%d %H:%M:%S"),
                         alt.Tooltip("应完成:T", format="%Y-%m-%d %H:%M:%S")])
            done = base.mark_point(filled=True, size=90).encode(
                x="实际完成:T",
                color=alt.Color("状态:N", title="状态", scale=alt.Scale(domain=list(STATUS_COLORS),
                                                                   range=list(STATUS_COLORS.values()))),
                tooltip=[alt.Tooltip("时限:N"), alt.Tooltip("状态:N"),
                         alt.Tooltip("实际完成:T", format="%Y-%m-%d %H:%M:%S")])
            now_rule = alt.Chart(pd.DataFrame({"当前": [pd.Timestamp(now)]})).mark_rule(
                color="#c62828", strokeDash=[4, 3]).encode(x="当前:T")
            st.altair_chart((window + done + now_rule).properties(height=60 + 40 * len(chart_rows),
                                                                  title="时限窗口（灰）· 实际完成点 · 当前时间（红线）"),
                            width="stretch")
