"""班前会: yesterday and the running shift per group against the targets, surge alert, worst
delays and errors, tickets to act on today, the action list; one-click Excel, browser print.
`?projector=1` (or the 投影模式 switch): the agenda alone, large and high-contrast, for the
meeting-room projector."""
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard.services.standup_actions import STATUSES, ActionError
from dashboard.web import breach_section, ledger_sections, repeat_sections, standup_hotspots, ui
from dashboard.web.auth import require_action, require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import standup as data
from domain import access, staffing
from domain.evidence import MIN_VERDICT_ITEMS
from domain.formatting import count, pct, share_text

user = require_role("standup")
now = now_minute()
may_write = access.can(user.role, "standup_actions")

projector = st.query_params.get("projector") == "1"


def switch_projector() -> None:
    if st.session_state.get("standup-projector"):
        st.query_params["projector"] = "1"
    else:
        st.query_params.pop("projector", None)


if projector:
    # static style, no user text: no menu or header, large type, black on white
    st.html("<style>[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stToolbar'],"
            "[data-testid='stSidebarCollapsedControl'],[data-testid='stSidebarNav']{display:none!important}"
            ".block-container{padding:1rem 2.5rem!important;max-width:100%!important}"
            "[data-testid='stAppViewContainer'],[data-testid='stMain']{background:#fff!important;color:#000!important}"
            "[data-testid='stMain'] [data-testid='stMarkdownContainer'] p{font-size:1.35rem}"
            "[data-testid='stCaptionContainer'],[data-testid='stCaptionContainer'] p{color:#222!important;opacity:1!important;font-size:1.25rem!important}"
            "h1{font-size:2.8rem!important;color:#0b2545!important}"
            "h2,h3{font-size:2.1rem!important;color:#0b2545!important;border-bottom:3px solid #0b2545;padding-bottom:.2rem}"
            "[data-testid='stMetricLabel'] p{font-size:1.4rem!important;color:#000!important}"
            "[data-testid='stMetricValue'] p{font-size:3.2rem!important;font-weight:700;color:#000!important}"
            "[data-testid='stTable'] td{color:#000}"
            "[data-testid='stTable'] td,[data-testid='stTable'] th{padding:.35rem .7rem!important}"
            "[data-testid='stTable'] th{background:#0b2545!important}"
            "[data-testid='stTable'] th.row_heading,[data-testid='stTable'] th.blank{display:none!important}"
            "[data-testid='stTable'] th p{color:#fff!important;font-weight:700}</style>")


def table(df, rows: int | None = None, **kwargs) -> None:
    """A table of the agenda: an HTML table on the projector (large type, every row), else the grid."""
    if projector:
        st.table((df if hasattr(df, "hide") else df.style).hide(axis="index"))
    else:
        shown = rows if rows is not None else len(getattr(df, "data", df))   # a Styler holds its frame in .data
        ui.dataframe(df, hide_index=True, width="stretch", height=ui.table_height(shown), **kwargs)


c1, c2 = st.columns([5, 2], vertical_alignment="bottom")
with c2:
    day = st.date_input("班前会日期", value=now.date(), max_value=now.date(), key="standup-day")
    st.toggle("投影模式", value=projector, key="standup-projector", on_change=switch_projector,
              help="大字号、高对比度，只显示议程，适合会议室投影")
agenda = data.agenda(day, now)
pack = agenda.pack
with c1:
    ui.page_header("班前会", f"{day:%Y年%m月%d日} · 昨日 {pack.yesterday:%m-%d} 与当班"
                   f"（{pack.shift} {pack.shift_start:%H:%M}–{pack.shift_end:%H:%M}） · 数据截至 {now:%m-%d %H:%M}")

counts = pack.act_counts
OPEN_ACTIONS = "未完成行动项"
open_actions_list = pack.actions[pack.actions["状态"] != "已完成"] if not pack.actions.empty else pack.actions
tile_counts = {**counts, OPEN_ACTIONS: len(open_actions_list)}
ui.tiles([
    ui.Tile("超期", count(counts["超期"]), help="在办且已过办结时限"),
    ui.Tile("即将超期", count(counts["即将超期"]), help=f"剩余时限不足 {share_text(rules_data.current().at_risk_share)}"),
    ui.Tile("退单审核中", count(counts["退单审核中"])),
    ui.Tile("多次催办", count(counts["多次催办"]), help="催办 2 次及以上的在办工单"),
    ui.Tile("疑难在办", count(counts["疑难"])),
    ui.Tile(OPEN_ACTIONS, count(tile_counts[OPEN_ACTIONS])),
])
# each tile opens its list, right under the tiles: exactly the tickets (or actions) it counts
opened = st.segmented_control("打开清单", list(tile_counts), format_func=lambda k: f"{k} {count(tile_counts[k])}",
                              key="standup-open")
if opened == OPEN_ACTIONS:
    if open_actions_list.empty:
        st.success("没有未完成的行动项。")
    else:
        table(open_actions_list[["编号", "提出日期", "责任人", "行动内容", "完成期限", "状态", "延续"]]
              .assign(完成期限=lambda d: d["完成期限"].map(lambda v: "—" if v is None or pd.isna(v) else f"{v:%Y-%m-%d}"),
                      提出日期=lambda d: d["提出日期"].map(lambda v: f"{v:%Y-%m-%d}")),
              min(len(open_actions_list), 10))
elif opened:
    listed = data.reason_list(opened, now)
    if listed.empty:
        st.success(f"当前没有{opened}的在办工单。")
    else:
        table(ui.without_blanks(listed), min(len(listed), 10),
              column_config={"超期（分钟）": st.column_config.NumberColumn(format="localized")})
        if counts[opened] > len(listed):
            st.caption(f"共 {count(counts[opened])} 件，此处列出办结时限最早的 {count(len(listed))} 件；全部工单见积压工单。")
            st.page_link("pages/backlog.py", label="到积压工单查看全部", icon=":material/list:")


# --- the agenda, in meeting order; a section is added by one call to agenda_section -------------
AGENDA: list[tuple[str, Callable[[], None]]] = []


def agenda_section(title: str, render: Callable[[], None]) -> None:
    """One more section of the stand-up agenda (numbered in the order added)."""
    AGENDA.append((title, render))


def yesterday_misses() -> None:
    missed = pack.misses
    if missed.empty:
        st.success(f"昨日全天及各班次指标均达标或样本不足 {MIN_VERDICT_ITEMS} 件（不作判定）。")
        return
    table(data.for_display(missed.assign(数量=missed["数量"].map(count))))
    st.caption(f"全天与每个班次分别判定，分母少于 {MIN_VERDICT_ITEMS} 件的不作判定（样本不足）。"
               "跟进人取自排班：班次未达标由该班排班的业务主管跟进（到岗者优先），全天未达标由项目经理跟进。")
    if projector or not may_write:
        return
    pick_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    with pick_col:
        st.selectbox("转为行动项", list(miss_labels()), key="miss-pick")
    with button_col:
        st.button("填入行动项", key="miss-to-action", icon=":material/playlist_add:", on_click=prefill_action)


def miss_labels() -> dict[str, int]:
    """Each 未达标 line's label in the 转为行动项 list → its row in pack.misses."""
    return {f"{r.班次} · {r.组别} · {r.指标}（跟进人 {r.跟进人}）": i for i, r in enumerate(pack.misses.itertuples())}


def prefill_action() -> None:
    """The chosen 未达标 line into the 新增行动项 form below: its owner and a text to complete
    (only a role that may write actions; the write itself checks again)."""
    row = miss_labels().get(st.session_state.get("miss-pick") or "")
    if row is None or not access.can(user.role, "standup_actions"):
        return
    miss = pack.misses.iloc[row]
    if miss["跟进人"] != staffing.NO_OWNER:
        st.session_state["act-owner"] = miss["跟进人"]
    st.session_state["act-text"] = (f"昨日{miss['班次']}{miss['组别']}{miss['指标']} {pct(miss['实际'])}，"
                                    f"低于目标 {pct(miss['目标'])}：查明原因并整改")


def overdue_by_unit() -> None:
    overdue = pack.act_today[pack.act_today["关注原因"] == "超期"]
    if overdue.empty:
        st.success("当前没有超期工单。")
        return
    top = (overdue.groupby("承办单位", dropna=False).size().rename("超期工单").reset_index()
           .sort_values(["超期工单", "承办单位"], ascending=[False, True]).head(5))
    top["承办单位"] = top["承办单位"].fillna("（未派单）")
    top["超期工单"] = top["超期工单"].map(count)
    table(top.reset_index(drop=True))


def forecast_and_plan() -> None:
    plan = agenda.plan
    shifts = plan["shifts"].set_index("shift").reindex(list(staffing.SHIFTS)).reset_index()
    rows = pd.DataFrame({
        "班次": shifts["shift"],
        "时段": [f"{staffing.shift_bounds(day, s)[0]:%H:%M}–{staffing.shift_bounds(day, s)[1]:%H:%M}"
               for s in shifts["shift"]],
        "预测受理量": [count(round(v)) for v in shifts["volume"]],
        "高峰小时预测": [f"{v:.1f}" for v in shifts["peak_hour_volume"]],
        "所需派单人数": [count(n) for n in shifts["needed"]],
        "排班派单人数": [count(n) for n in shifts["planned"]],
        "结论": [staffing.plan_verdict(n, p) for n, p in zip(shifts["needed"], shifts["planned"])],
    })
    styled = rows.style.map(lambda v: "color: #cf222e; font-weight: 700" if v != "够用" else "color: #1a7f37; font-weight: 700",
                            subset=["结论"])
    table(styled, len(rows))
    st.caption(f"所需派单人数 = 高峰小时预测量 × 处理时长 {plan['handling_minutes']} 分钟/件（{plan['handling_source']}）"
               f" ÷ (60 × 目标占用率 {plan['occupancy']})，向上取整，与排班与在岗页的人力测算相同；"
               "排班派单人数为当天该班次排班的派单专员。")
    surge = pack.surge
    if surge["active"]:
        st.error(surge["message"], icon=":material/trending_up:")
    else:
        st.info(surge["message"], icon=":material/insights:")
    standup_hotspots.render(now, large=projector, week=agenda.surges, streets=agenda.surge_streets)


def breaches_expected() -> None:
    breach_section.render(now, key="standup", large=projector, titled=False)


def open_actions() -> None:
    if open_actions_list.empty:
        st.success("没有未完成的行动项。")
    else:
        table(open_actions_list[["责任人", "行动内容", "完成期限", "状态"]]
              .assign(完成期限=lambda d: d["完成期限"].map(lambda v: "—" if v is None or pd.isna(v) else f"{v:%Y-%m-%d}")))
    if not projector:
        st.caption("在下方「行动项」新增、认领和更新状态。")


agenda_section("昨日未达标", yesterday_misses)
agenda_section("超期工单最多的承办单位", overdue_by_unit)
agenda_section(f"未来 {breach_section.HORIZON_HOURS} 小时到期工单的超期预测", breaches_expected)
agenda_section("今日受理预测与排班", forecast_and_plan)
agenda_section("行动项", open_actions)

for number, (title, render) in enumerate(AGENDA, start=1):
    st.subheader(f"{number}. {title}")
    render()

if projector:
    st.stop()      # the projector shows the agenda alone

st.divider()
st.subheader("明细")

GROUP_CONFIG = {"数量": st.column_config.NumberColumn(format="localized"), "指标": st.column_config.TextColumn(width="medium")}

left, right = st.columns(2)
with left:
    st.subheader(f"昨日概况（{pack.yesterday:%m-%d}）")
    ui.dataframe(data.for_display(pack.yesterday_groups), hide_index=True, width="stretch",
                 column_config=GROUP_CONFIG, height=38 + 35 * len(pack.yesterday_groups))
with right:
    st.subheader(f"当班（{pack.shift}）")
    ui.dataframe(data.for_display(pack.shift_groups), hide_index=True, width="stretch",
                 column_config=GROUP_CONFIG, height=38 + 35 * len(pack.shift_groups))

left, right = st.columns(2)
with left:
    st.subheader("最严重的超时")
    if pack.worst_delays.empty:
        st.success("昨日没有签收或派单超时。")
    else:
        ui.dataframe(pack.worst_delays, hide_index=True, width="stretch")
with right:
    st.subheader("差错及证据")
    if pack.errors.empty:
        st.success("昨日没有派单错误、质检漏检或报表差错。")
    else:
        ui.dataframe(pack.errors, hide_index=True, width="stretch")

repeat_sections.standup_section(agenda.repeats)

st.subheader("今日待办工单")
st.caption("超期 → 即将超期 → 退单审核中 → 多次催办 → 疑难，同类按办结时限排序。")
ui.dataframe(pack.act_today, hide_index=True, width="stretch", height=320,
             column_config={"超期（分钟）": st.column_config.NumberColumn(format="localized")})

st.subheader("行动项")
actions = data.actions(day)
if actions.empty:
    st.caption("暂无行动项。昨日未完成的行动项会自动带入今天。")
else:
    ui.dataframe(actions.rename(columns={"id": "编号", "created_on": "提出日期", "owner": "责任人", "text": "行动内容",
                                         "due": "完成期限", "status": "状态", "created_by": "记录人",
                                         "updated_at": "更新时间", "carried_over": "延续自前日"}),
                 hide_index=True, width="stretch")

add_col, upd_col = st.columns(2)
with add_col:
    with st.container(border=True):
        st.markdown("**新增行动项**")
        owner = st.text_input("责任人", key="act-owner", max_chars=64)
        text = st.text_area("行动内容", key="act-text", max_chars=500, height=80)
        due = st.date_input("完成期限", value=day + timedelta(days=1), min_value=day, key="act-due")
        if st.button("添加", key="act-add", type="primary", icon=":material/add:"):
            require_action(user, "standup_actions", "维护班前会行动项")
            try:
                new_id = data.add_action(role=user.role, username=user.username, owner=owner, text=text,
                                         due=due if isinstance(due, date) else None, created_on=day)
                st.success(f"已添加行动项 {new_id}。")
            except ActionError as e:
                st.error(ui.md_escape(str(e)))
with upd_col:
    with st.container(border=True):
        st.markdown("**更新状态**")
        if actions.empty:
            st.caption("没有可更新的行动项。")
        else:
            labels = {f"#{r.id} {r.owner}：{r.text[:30]}": int(r.id) for r in actions.itertuples()}
            pick = st.selectbox("行动项", list(labels), key="act-pick")
            status = st.segmented_control("状态", STATUSES, default="进行中", key="act-status")
            if st.button("保存状态", key="act-save", icon=":material/save:"):
                require_action(user, "standup_actions", "维护班前会行动项")
                try:
                    changed = data.update_action(role=user.role, username=user.username, action_id=labels[pick],
                                                 status=status)
                    st.success("已更新。" if changed else "状态未变化。")
                except ActionError as e:
                    st.error(ui.md_escape(str(e)))

st.subheader("人员明细（昨日）")
people = pack.people[(pack.people["业务量"] > 0) | (pack.people["计划班次"] > 0)]
ui.dataframe(data.for_display(people), hide_index=True, width="stretch", height=320)
st.caption(f"只列昨日有业务或有排班的人员（{len(people)} / {len(pack.people)} 人）；Excel 中为全部人员。")

st.divider()
d1, d2 = st.columns([1, 4], vertical_alignment="center")
with d1:
    # built when asked for (on click, in the background) from the pack shown above, so that
    # opening the page does not pay for the workbook
    st.download_button("导出班前会 Excel", lambda: data.workbook(day, now), file_name=f"班前会_{day:%Y%m%d}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="standup-xlsx", icon=":material/download:", type="primary", on_click="ignore")
with d2:
    st.caption("打印：使用浏览器打印（Ctrl+P / ⌘P，横向）即可得到紧凑版；Excel 含昨日概况、当班、待办工单、行动项、人员明细五个工作表，已设置横向、适应页宽。")

ledger_sections.standup_part(user, now, measures=agenda.measures)
