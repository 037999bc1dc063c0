"""班前会: yesterday and the running shift per group against the targets, surge alert, worst
delays and errors, tickets to act on today, the action list; one-click Excel, browser print."""
from collections.abc import Callable
from datetime import date, timedelta

import streamlit as st

from dashboard.services.standup_actions import STATUSES, ActionError
from dashboard.web import breach_section, ledger_sections, repeat_sections, standup_hotspots, ui
from dashboard.web.auth import require_action, require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import standup as data
from domain.evidence import MIN_VERDICT_ITEMS
from domain.formatting import count, share_text

user = require_role("standup")
now = now_minute()

c1, c2 = st.columns([5, 2], vertical_alignment="bottom")
with c2:
    day = st.date_input("班前会日期", value=now.date(), max_value=now.date(), key="standup-day")
pack = data.pack(day, now)
with c1:
    ui.page_header("班前会", f"{day:%Y年%m月%d日} · 昨日 {pack.yesterday:%m-%d} 与当班"
                   f"（{pack.shift} {pack.shift_start:%H:%M}–{pack.shift_end:%H:%M}） · 数据截至 {now:%m-%d %H:%M}")

counts = pack.act_counts
ui.tiles([
    ui.Tile("超期", count(counts["超期"]), help="在办且已过办结时限"),
    ui.Tile("即将超期", count(counts["即将超期"]), help=f"剩余时限不足 {share_text(rules_data.current().at_risk_share)}"),
    ui.Tile("退单审核中", count(counts["退单审核中"])),
    ui.Tile("多次催办", count(counts["多次催办"]), help="催办 2 次及以上的在办工单"),
    ui.Tile("疑难在办", count(counts["疑难"])),
    ui.Tile("未完成行动项", count(int((pack.actions["状态"] != "已完成").sum()) if not pack.actions.empty else 0)),
])
# each tile opens its list: the tickets of that reason, right under the tiles
opened = st.segmented_control("打开清单", list(counts), format_func=lambda k: f"{k} {count(counts[k])}",
                              key="standup-open")
if opened:
    listed = pack.act_today[pack.act_today["关注原因"] == opened]
    st.dataframe(ui.without_blanks(listed), hide_index=True, width="stretch", height=ui.table_height(min(len(listed), 10)),
                 column_config={"超期（分钟）": st.column_config.NumberColumn(format="localized")})


# --- the agenda, in meeting order; a section is added by one call to agenda_section -------------
AGENDA: list[tuple[str, Callable[[], None]]] = []


def agenda_section(title: str, render: Callable[[], None]) -> None:
    """One more section of the stand-up agenda (numbered in the order added)."""
    AGENDA.append((title, render))


def yesterday_misses() -> None:
    groups = pack.yesterday_groups
    missed = groups[groups["结果"] == "未达标"] if not groups.empty else groups
    if missed.empty:
        st.success(f"昨日各组指标均达标或样本不足 {MIN_VERDICT_ITEMS} 件（不作判定）。")
        return
    shown = data.for_display(missed.rename(columns={"组别": "责任组"}))
    st.dataframe(shown, hide_index=True, width="stretch", height=ui.table_height(len(missed)))
    st.caption(f"少于 {MIN_VERDICT_ITEMS} 件的指标不作达标判定；责任组的业务主管在会上认领，记入下方行动项。")


def overdue_by_unit() -> None:
    overdue = pack.act_today[pack.act_today["关注原因"] == "超期"]
    if overdue.empty:
        st.success("当前没有超期工单。")
        return
    top = (overdue.groupby("承办单位", dropna=False).size().rename("超期工单").reset_index()
           .sort_values(["超期工单", "承办单位"], ascending=[False, True]).head(5))
    top["承办单位"] = top["承办单位"].fillna("（未派单）")
    top["超期工单"] = top["超期工单"].map(count)
    st.dataframe(top, hide_index=True, width="stretch", height=ui.table_height(len(top)))


def forecast_and_plan() -> None:
    surge = pack.surge
    if surge["active"]:
        st.error(surge["message"], icon=":material/trending_up:")
    else:
        st.info(surge["message"], icon=":material/insights:")
    standup_hotspots.render(now)


def breaches_expected() -> None:
    breach_section.render(now, key="standup")


def open_actions() -> None:
    st.caption("见下方「行动项」：新增、认领和更新状态。")


agenda_section("昨日未达标", yesterday_misses)
agenda_section("超期工单最多的承办单位", overdue_by_unit)
agenda_section("今日到期工单的超期预测", breaches_expected)
agenda_section("今日受理预测与排班", forecast_and_plan)
agenda_section("行动项", open_actions)

for number, (title, render) in enumerate(AGENDA, start=1):
    st.subheader(f"{number}. {title}")
    render()

st.divider()
st.subheader("明细")

GROUP_CONFIG = {"数量": st.column_config.NumberColumn(format="localized"), "指标": st.column_config.TextColumn(width="medium")}

left, right = st.columns(2)
with left:
    st.subheader(f"昨日概况（{pack.yesterday:%m-%d}）")
    st.dataframe(data.for_display(pack.yesterday_groups), hide_index=True, width="stretch",
                 column_config=GROUP_CONFIG, height=38 + 35 * len(pack.yesterday_groups))
with right:
    st.subheader(f"当班（{pack.shift}）")
    st.dataframe(data.for_display(pack.shift_groups), hide_index=True, width="stretch",
                 column_config=GROUP_CONFIG, height=38 + 35 * len(pack.shift_groups))

left, right = st.columns(2)
with left:
    st.subheader("最严重的超时")
    if pack.worst_delays.empty:
        st.success("昨日没有签收或派单超时。")
    else:
        st.dataframe(ui.without_blanks(pack.worst_delays), hide_index=True, width="stretch")
with right:
    st.subheader("差错及证据")
    if pack.errors.empty:
        st.success("昨日没有派单错误、质检漏检或报表差错。")
    else:
        st.dataframe(ui.without_blanks(pack.errors), hide_index=True, width="stretch")

repeat_sections.standup_section(day, now)

st.subheader("今日待办工单")
st.caption("超期 → 即将超期 → 退单审核中 → 多次催办 → 疑难，同类按办结时限排序。")
st.dataframe(ui.without_blanks(pack.act_today), hide_index=True, width="stretch", height=320,
             column_config={"超期（分钟）": st.column_config.NumberColumn(format="localized")})

st.subheader("行动项")
actions = data.actions(day)
if actions.empty:
    st.caption("暂无行动项。昨日未完成的行动项会自动带入今天。")
else:
    st.dataframe(actions.rename(columns={"id": "编号", "created_on": "提出日期", "owner": "责任人", "text": "行动内容",
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
st.dataframe(data.for_display(people), hide_index=True, width="stretch", height=320)
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

ledger_sections.standup_part(user, now)
