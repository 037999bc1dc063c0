"""积压工单: open tickets by stage, age, 街乡镇, unit and category; overdue and at-risk lists with
a click-through to the ticket's timeline; exports."""
import altair as alt
import streamlit as st

from dashboard.web import breach_section, repeat_sections, ui
from dashboard.web.auth import require_role
from dashboard.web.reads import backlog as data
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from domain.access import can
from domain.formatting import count, duration_text, share_text
from domain.lifecycle import ACTIONS, OPEN_STAGES
from queries.backlog import AGE_BUCKETS

user = require_role("backlog")
now = now_minute()

ui.page_header("积压工单", f"截至 {now:%Y-%m-%d %H:%M} 的在办工单（已接收、未办结、未退回） · {user.display_name}")

totals = data.totals(now)
ui.tiles([
    ui.Tile("在办积压", count(totals["open"]), help="已接收、未办结、未退回的工单"),
    ui.Tile("超期", count(totals["overdue"]), help="在办且当前时间已过办结时限"),
    ui.Tile("即将超期", count(totals["at_risk"]), help=f"在办，剩余时限不足 {share_text(rules_data.current().at_risk_share)}，尚未超期"),
])

DIMENSIONS = {"stage": "阶段", "age": "已受理时长", "street": "街乡镇", "unit": "承办单位", "category": "一级分类"}
NATURAL_ORDER = {"stage": list(OPEN_STAGES), "age": list(AGE_BUCKETS)}
LIST_COLUMNS = {
    "ticket_no": st.column_config.TextColumn("工单编号"),
    "received_at": st.column_config.DatetimeColumn("接收时间", format="YYYY-MM-DD HH:mm"),
    "deadline_at": st.column_config.DatetimeColumn("办结时限", format="YYYY-MM-DD HH:mm"),
    "time": st.column_config.TextColumn("超期时长"),
    "stage": st.column_config.TextColumn("阶段"),
    "street": st.column_config.TextColumn("街乡镇"),
    "unit": st.column_config.TextColumn("承办单位"),
    "category": st.column_config.TextColumn("一级分类"),
    "urgency": st.column_config.TextColumn("紧急程度"),
    "sla_class": st.column_config.TextColumn("时限类型"),
    "urge_count": st.column_config.NumberColumn("催办次数", format="%d"),
}
EXPORT_HEADERS = {"ticket_no": "工单编号", "received_at": "接收时间", "deadline_at": "办结时限", "stage": "阶段",
                  "street": "街乡镇", "unit": "承办单位", "category": "一级分类", "urgency": "紧急程度",
                  "sla_class": "时限类型", "urge_count": "催办次数"}

tab_dims, tab_overdue, tab_risk = st.tabs(["积压分布", f"超期清单（{totals['overdue']}）",
                                           f"即将超期清单（{totals['at_risk']}）"])

with tab_dims:
    dim = st.segmented_control("分组", list(DIMENSIONS), format_func=DIMENSIONS.get, default="stage",
                               key="backlog-dim") or "stage"
    table = data.backlog_by(now, dim)
    if dim in NATURAL_ORDER:
        table = table.set_index("key").reindex(NATURAL_ORDER[dim], fill_value=0).reset_index()
    left, right = st.columns([3, 2])
    with left:
        if table.empty or int(table["tickets"].sum()) == 0:
            st.info("当前没有在办工单。")
        else:
            shown = table.head(25)
            long = shown.assign(normal=shown["tickets"] - shown["overdue"] - shown["at_risk"]).melt(
                id_vars=["key"], value_vars=["normal", "at_risk", "overdue"], var_name="状态", value_name="工单数")
            long["状态"] = long["状态"].map({"normal": "正常", "at_risk": "即将超期", "overdue": "超期"})
            order = list(shown["key"])
            st.altair_chart(alt.Chart(long).mark_bar().encode(
                y=alt.Y("key:N", sort=order, title=DIMENSIONS[dim]), x=alt.X("工单数:Q", stack="zero"),
                color=alt.Color("状态:N", sort=["正常", "即将超期", "超期"],
                                scale=alt.Scale(domain=["正常", "即将超期", "超期"],
                                                range=["#4c78a8", "#f58518", "#e45756"])),
                order=alt.Order("状态:N"),
                tooltip=["key:N", "状态:N", "工单数:Q"]).properties(title=f"在办工单按{DIMENSIONS[dim]}"),
                width="stretch", height=max(260, 28 * len(shown) + 80))
    view = table.rename(columns={"key": DIMENSIONS[dim], "tickets": "在办", "overdue": "超期", "at_risk": "即将超期"})
    with right:
        ui.dataframe(view, hide_index=True, width="stretch", column_config={
            c: st.column_config.NumberColumn(c, format="localized") for c in ("在办", "超期", "即将超期")})
    if can(user.role, "export"):
        ui.downloads(view, f"积压分布_{DIMENSIONS[dim]}_{now:%Y%m%d%H%M}", key=f"backlog-dim-{dim}")


def attention(kind: str, time_label: str) -> None:
    df = data.attention_list(now, kind)
    if df.empty:
        st.success("当前没有" + ("超期" if kind == "overdue" else "即将超期") + "工单。")
        return
    shown = df.assign(time=df["seconds"].map(duration_text)).drop(columns=["seconds"])
    cols = dict(LIST_COLUMNS, time=st.column_config.TextColumn(time_label))
    st.caption(f"共 {len(df):,} 张，按办结时限先后排列。点选一行查看该工单的流转记录。")
    event = ui.dataframe(shown, hide_index=True, width="stretch", column_config=cols,
                         column_order=list(cols), on_select="rerun", selection_mode="single-row",
                         key=f"list-{kind}", height=420)
    if can(user.role, "export"):
        export = shown.rename(columns=dict(EXPORT_HEADERS, time=time_label))[
            [EXPORT_HEADERS[c] if c != "time" else time_label for c in cols]]
        ui.downloads(export, f"{'超期' if kind == 'overdue' else '即将超期'}清单_{now:%Y%m%d%H%M}",
                     key=f"export-{kind}")
    rows = event.selection.rows if event is not None else []
    if rows:
        ticket_no = str(shown.iloc[rows[0]]["ticket_no"])
        with st.expander(f"工单 {ticket_no} 的流转记录", expanded=True, icon=":material/timeline:"):
            timeline = data.ticket_timeline(ticket_no, now)
            if timeline.empty:
                st.info("该工单暂无流转记录。")
            else:
                timeline = timeline.assign(action=timeline["action"].map(lambda a: ACTIONS.get(a, a)))
                ui.dataframe(timeline[["at", "action", "staff_no", "unit", "detail"]], hide_index=True,
                             width="stretch", column_config={
                                 "at": st.column_config.DatetimeColumn("时间", format="YYYY-MM-DD HH:mm:ss"),
                                 "action": st.column_config.TextColumn("操作"),
                                 "staff_no": st.column_config.TextColumn("工号"),
                                 "unit": st.column_config.TextColumn("单位"),
                                 "detail": st.column_config.TextColumn("说明")})


with tab_overdue:
    attention("overdue", "已超期")
with tab_risk:
    attention("at_risk", "剩余时间")
    breach_section.render(now, key="backlog")

repeat_sections.backlog_section(now)
