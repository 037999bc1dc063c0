"""月度考核: score, indicators with evidence, manual items, trend, what-if, sign-off."""
from decimal import Decimal
from fractions import Fraction

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.services.assessment import signoff
from dashboard.services.assessment.views import indicator_table, manual_table, points2, what_if
from dashboard.web import ui
from dashboard.web.auth import code_input, require_action, require_role
from dashboard.web.reads import assessment as data
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from domain.access import can, is_read_only
from domain.calendar import UNCONFIRMED_NOTE
from domain.formatting import number_text, yuan
from domain.payment import band_margin, bands_text, fmt_factor, next_band_up
from domain.scoring import ITEM_TYPES
from domain.vocabulary import NO_DATA, NO_DATA_MEANING

user = require_role("assessment")
now = now_minute()
read_only = is_read_only(user.role, "assessment")

EVIDENCE_LABELS = {
    "ticket_no": "工单编号", "received_at": "接收时间", "urgency": "紧急程度", "street": "街乡镇", "due_at": "时限",
    "signed_at": "签收时间", "dispatched_at": "派单时间", "dispatcher": "派单人工号", "reason": "原因",
    "first_redispatch_at": "首次改派时间", "redispatches": "改派次数", "unit": "当前承办单位",
    "return_requested_at": "申请退单时间", "rejected_at": "退单驳回时间", "close_at": "办结时间",
    "staff_no": "工号", "last_before": "办结前最后一步", "qc_at": "质检时间", "action": "质检结果",
    "reply_at": "回复时间", "reopen_at": "市级审核退回时间", "assigned_at": "协查派发时间", "verifier": "协查人工号",
    "done_at": "协查完成时间", "report_no": "报表编号", "report_type": "报表类型", "delivered_at": "实报时间",
    "name": "姓名", "role": "岗位", "day": "日期", "shift": "班次", "required": "合同要求人数", "heads": "在岗人数",
    "short": "缺口",
}
ACTION_LABELS = {"QC_PASS": "质检通过", "QC_REJECT": "质检退回", "REPLY": "回复"}


def score_text(score: Decimal | None) -> str:
    return NO_DATA if score is None else f"{score:f}"


def chart_value(score: Decimal) -> int | float:
    """A score line's position for the chart spec (a whole score stays an integer)."""
    return int(score) if score == score.to_integral_value() else float(score)


months = data.months(now)
ui.page_header("月度考核", f"乙方月度考核、失分证据与签核 · {user.display_name}"
               + ("（只读）" if read_only else ""))
c1, c2, _ = st.columns([1, 2, 3])
with c1:
    month = st.selectbox("考核月份", months[::-1], index=0, key="assess_month")
r = data.result(month, now)
rules = rules_data.for_month(month)
status = data.status(month)
with c2:
    st.write("")
    state_label = signoff.STATE_LABELS.get(status["state"], status["state"])
    # the month's status must be unmistakable in the acceptance meeting: signed off (frozen) or a draft
    if status["frozen"]:
        st.success(f"已签认（{state_label}）：结果已冻结", icon=":material/lock:")
    else:
        st.warning("草稿：实时测算，结果仍会变化" + ("" if state_label == "草稿" else f"（{state_label}）"),
                   icon=":material/edit_note:")
    if r.frozen:
        st.caption(f"已冻结：显示签认时保存的结果（计算时点 {r.now:%Y-%m-%d %H:%M}）")
    else:
        st.caption(f"实时测算：截至 {now:%Y-%m-%d %H:%M}")
if not r.calendar_confirmed:
    st.warning(UNCONFIRMED_NOTE, icon=":material/event_busy:")

ui.tiles([
    ui.Tile("考核得分", score_text(r.score),
            help=f"指标得分合计 + 加分（上限 {number_text(rules.bonus_cap)}）− 扣分，四舍五入到 0.01；一票否决为 0"),
    ui.Tile("得分档位", r.band + ("（需整改）" if r.rectify else "")),
    ui.Tile("付款系数", NO_DATA if r.payment_factor is None else fmt_factor(r.payment_factor)),
    ui.Tile("当月应付（元）", NO_DATA if r.amount is None else yuan(r.amount)),
    ui.Tile("考核扣款（元）", NO_DATA if r.deduction is None else yuan(r.deduction), help="月服务费 − 当月应付"),
])
if not r.has_data:
    st.info(f"{month} {NO_DATA}：{NO_DATA_MEANING}，这是数据缺口而不是考核结果，"
            "不计得分、不计为已考核月份，也不能签认。", icon=":material/help:")

if r.score is not None:
    chart_col, margin_col = st.columns([3, 2], vertical_alignment="center")
    with chart_col:
        steps = [("指标得分", r.points_total), ("加分", r.bonus), ("扣分", -r.deductions)]
        rows, level = [], Decimal(0)
        for name, value in steps:
            value = Decimal(points2(value))
            text = f"{value:.2f}" if name == "指标得分" else f"{value:+.2f}"
            rows.append({"item": name, "y0": float(level), "y1": float(level + value), "label": text,
                         "kind": "minus" if value < 0 else "plus"})
            level += value
        rows.append({"item": "考核得分", "y0": 0.0, "y1": float(r.score), "label": f"{r.score:f}", "kind": "score"})
        order = [row["item"] for row in rows]
        low = max(0.0, min(float(r.score), float(r.points_total)) - 10)
        wf = alt.Chart(pd.DataFrame(rows))
        bars = wf.mark_bar(size=46, clip=True).encode(
            x=alt.X("item:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelFontSize=14)),
            y=alt.Y("y0:Q", title="分", scale=alt.Scale(domain=[low, 102])), y2="y1:Q",
            color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=["plus", "minus", "score"],
                                                                  range=["#60a5fa", "#ef4444", "#1d4ed8"])))
        text = wf.mark_text(dy=-10, fontSize=15, fontWeight="bold").encode(
            x=alt.X("item:N", sort=order), y="y1:Q", text="label:N")
        title = "得分构成：指标得分 + 加分 − 扣分 = 考核得分" + ("（一票否决，得分为 0）" if r.veto else "")
        st.altair_chart((bars + text).properties(height=240, title=title), width="stretch")
    with margin_col:
        margin = band_margin(r.score, rules.payment_bands, rules.monthly_fee)
        upper = next_band_up(r.score, rules.payment_bands, rules.monthly_fee)
        if margin is not None:
            st.metric("距本档下限", f"{margin.margin:+.2f} 分", border=True,
                      help=f"付款系数：{bands_text(rules.payment_bands)}")
            st.markdown(f"得分 **{r.score:f}**，高于 {number_text(margin.edge)} 分档下限 **{margin.margin:.2f}** 分；"
                        f"若低于该下限 1 分，当月应付减少 **{yuan(margin.point_below)} 元**。")
        else:
            st.markdown(f"得分 **{r.score:f}** 处于最低付款档。")
        if upper is not None:
            st.markdown(f"距上一档（{number_text(upper.edge)} 分）还差 **{upper.margin:.2f}** 分，"
                        f"达到后当月应付增加 **{yuan(upper.point_below)} 元**。")

tab_ind, tab_manual, tab_trend, tab_sign = st.tabs(["指标与失分证据", "加扣分", "趋势与测算", "签核"])

with tab_ind:
    table = indicator_table(r)
    ui.dataframe(
        table.drop(columns=["key"]), hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3,
        column_config={"分子": st.column_config.NumberColumn(format="localized"),
                       "分母": st.column_config.NumberColumn(format="localized"),
                       "证据条数": st.column_config.NumberColumn(format="localized", help="分母 − 分子（差错率为分子）")})
    st.caption("点选下方指标查看失分证据")
    st.subheader("失分证据")
    labels = {i.key: f"{i.label}（失分 {row['失分']}，证据 {row['证据条数']:,} 条）"
              for i, (_, row) in zip(r.indicators, table.iterrows())}
    pick, _ = st.columns([2, 3])
    key = pick.selectbox("选择指标", list(labels), format_func=labels.get, key="evidence_key")
    ev = data.evidence(month, key, r.now if r.frozen else now)
    if r.frozen:
        st.caption("证据按当前数据重新检索；冻结月份的数据不可再修改，条数应与冻结结果一致。")
    if ev.empty:
        st.success("该指标本月没有失分记录。")
    else:
        shown = ev.copy()
        if "last_before" in shown:
            shown["last_before"] = shown["last_before"].map(lambda a: ACTION_LABELS.get(a, "无回复或质检"))
        if "action" in shown:
            shown["action"] = shown["action"].map(lambda a: ACTION_LABELS.get(a, a))
        shown = shown.rename(columns=EVIDENCE_LABELS)
        ui.dataframe(shown, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(shown)))
        ui.downloads(shown, f"考核证据_{month}_{key}", key=f"ev-{key}", sheet="失分证据")

with tab_manual:
    st.subheader("加扣分与一票否决")
    st.caption(f"加分合计 {points2(r.bonus_uncapped)}（封顶 {number_text(rules.bonus_cap)} 后计 {points2(r.bonus)}）· 扣分合计 {points2(r.deductions)}"
               + (" · 已一票否决" if r.veto else "") if r.manual_items else "本月暂无加扣分项。")
    if r.frozen:
        ui.dataframe(manual_table(r), hide_index=True, width="stretch")
    else:
        rows = data.manual_rows(month)
        if not rows.empty:
            ui.dataframe(rows, hide_index=True, width="stretch")
    if not read_only and can(user.role, "manual_item") and not status["frozen"]:
        with st.form("manual_item_form", clear_on_submit=True):
            f1, f2, f3 = st.columns([1, 1, 4])
            item_type = f1.selectbox("类型", ITEM_TYPES)
            points = f2.text_input("分值", value="2", help="不小于 0，最多两位小数；一票否决可填 0")
            reason = f3.text_input("事由", placeholder="例如：12 月 3 日有效投诉（工单 T123）")
            manual_code = code_input(user, "manual_item", "manual_item_code")
            if st.form_submit_button("录入", type="primary"):
                require_action(user, "manual_item", "录入加扣分", manual_code)
                try:
                    data.write(signoff.add_manual_item, month, item_type, points, reason, user.username, user.role)
                    st.success("已录入，并记入审计日志。")
                    st.rerun()
                except signoff.SignoffError as e:
                    st.error(ui.md_escape(str(e)))
        rows = data.manual_rows(month)
        if not rows.empty:
            d1, d2, _ = st.columns([2, 1, 3])
            item_id = d1.selectbox("删除加扣分项", rows["编号"].tolist(), key="manual_delete_id",
                                   format_func=lambda i: f"#{i} " + " ".join(
                                       str(v) for v in rows.loc[rows["编号"] == i, ["类型", "分值", "事由"]].iloc[0]))
            d2.write("")
            delete_code = code_input(user, "manual_item", "manual_delete_code")
            if d2.button("删除", key="manual_delete"):
                require_action(user, "manual_item", "删除加扣分", delete_code)
                try:
                    data.write(signoff.delete_manual_item, int(item_id), user.username, user.role)
                    st.rerun()
                except signoff.SignoffError as e:
                    st.error(ui.md_escape(str(e)))

with tab_trend:
    left, right = st.columns([3, 2])
    with left:
        st.subheader("合同期月度得分趋势")
        tr = data.trend(now)
        base = alt.Chart(tr).encode(x=alt.X("月份:N", title="月份", sort=None, axis=alt.Axis(labelAngle=0)))
        line = base.mark_line(point=alt.OverlayMarkDef(size=80)).encode(
            y=alt.Y("得分:Q", title="考核得分", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("状态:N", title="状态"), tooltip=["月份", "得分文本", "状态"])
        full, rectify = rules.full_payment_from, rules.rectify_below
        full_line = alt.Chart().mark_rule(strokeDash=[4, 4], color="#2e7d32").encode(y=alt.datum(chart_value(full)))
        rectify_line = alt.Chart().mark_rule(strokeDash=[4, 4], color="#c62828").encode(
            y=alt.datum(chart_value(rectify)))
        st.altair_chart((line + full_line + rectify_line).properties(height=320), width="stretch")
        st.caption(f"虚线：{number_text(full)} 分（全额付款）与 {number_text(rectify)} 分（整改线）")
    with right:
        st.subheader("假设测算")
        if r.score is None or r.payment_factor is None or r.amount is None or r.deduction is None:
            st.caption(f"{month} {NO_DATA}，没有可供测算的考核结果。")
        else:
            keys = [i.key for i in r.indicators]
            wk = st.selectbox("指标", keys, format_func=lambda k: r.indicator(k).label, key="whatif_key")
            ind = r.indicator(wk)
            current = float(ind.value * 100) if ind.value is not None else 100.0
            hv = st.number_input("假设实际值（%）", min_value=0.0, max_value=100.0, value=round(current, 2), step=0.5,
                                 format="%.2f", key="whatif_value")
            # the typed text is decimal: build the Fraction from its string, never from the float
            hyp = Fraction(f"{hv:.2f}") / 100
            w = what_if(r, data.rules(month), wk, hyp)

            def moved(diff, fmt):
                return None if diff == 0 else fmt.format(diff)
            ui.tiles([
                ui.Tile("测算得分", f"{w.score:f}", delta=moved(w.score - r.score, "{:+f}")),
                ui.Tile("付款系数", fmt_factor(w.factor), delta=moved(w.factor - r.payment_factor, "{:+f}")),
            ])
            ui.tiles([
                ui.Tile("测算当月应付（元）", yuan(w.amount), delta=moved(w.amount - r.amount, "{:+,.2f}")),
                ui.Tile("测算考核扣款（元）", yuan(w.deduction), delta=moved(w.deduction - r.deduction, "{:+,.2f}"),
                        delta_color="inverse"),
            ])
            st.caption("测算只改变所选指标，其余指标与加扣分保持不变；与正式结果使用同一套计分规则。")

with tab_sign:
    st.subheader("签核流程")
    steps = st.columns(3)
    steps[0].metric("① 草稿", "当前" if status["state"] == "draft" else "✓", border=True)
    steps[1].metric("② 乙方确认", f"{status['vendor_confirmed_by']}" if status["vendor_confirmed_by"] else "—",
                    delta=f"{status['vendor_confirmed_at']:%Y-%m-%d %H:%M}" if status["vendor_confirmed_at"] else None,
                    delta_color="off", delta_arrow="off", border=True)   # a time, not a change
    steps[2].metric("③ 甲方审定 / 冻结", f"{status['approved_by']}" if status["approved_by"] else "—",
                    delta=f"{status['approved_at']:%Y-%m-%d %H:%M}" if status["approved_at"] else None,
                    delta_color="off", delta_arrow="off", border=True)   # a time, not a change
    if status["content_hash"]:
        ok = data.hash_check(month)
        fresh = data.recomputed(month, r.now)
        h1, h2 = st.columns(2)
        with h1:
            st.caption("冻结时保存的内容哈希（SHA-256）")
            st.code(status["content_hash"], language=None)
        with h2:
            st.caption("按当前数据重新计算")
            if ok:
                st.success("一致：冻结后的数据、规则与结果均未改变", icon=":material/verified:")
            else:
                st.error("不一致：冻结后的数据或规则已被改动，请核查审计日志", icon=":material/gpp_bad:")
            st.caption(f"按冻结时点重算得分 {score_text(fresh.score)}（冻结结果 {score_text(r.score)}）")

    stale = data.stale_reason(month, now)
    if stale:
        st.warning(stale, icon=":material/warning:")
    if not r.has_data and not status["frozen"]:
        st.warning(signoff.no_data_reason(month), icon=":material/warning:")
    if read_only:
        st.info("业务主管为只读角色：可查看考核结果与证据，不能签核或录入加扣分。")
    else:
        signoff_code = None
        if status["state"] in ("draft", "vendor_confirmed") and (
                can(user.role, "signoff_vendor") or can(user.role, "signoff_reviewer")):
            signoff_code = code_input(user, "signoff_vendor" if status["state"] == "draft" else "signoff_reviewer",
                                      "signoff_code")
        b1, b2, b3 = st.columns(3)
        if can(user.role, "signoff_vendor") and status["state"] == "draft":
            with b1:
                if st.button("乙方确认", type="primary", key="btn_vendor", width="stretch"):
                    require_action(user, "signoff_vendor", "乙方确认", signoff_code)
                    try:
                        data.write(signoff.vendor_confirm, month, user.username, user.role, now=now)
                        st.rerun()
                    except signoff.SignoffError as e:
                        st.error(ui.md_escape(str(e)))
        if can(user.role, "signoff_reviewer") and status["state"] == "vendor_confirmed":
            with b2:
                if st.button("甲方审定并冻结", type="primary", key="btn_approve", disabled=bool(stale),
                             width="stretch", help=stale):
                    require_action(user, "signoff_reviewer", "甲方审定", signoff_code)
                    if data.stale_reason(month, now):
                        st.error("数据不新鲜，暂不能审定")
                    else:
                        try:
                            data.write(signoff.approve, month, user.username, user.role, now=now)
                            st.rerun()
                        except signoff.SignoffError as e:
                            st.error(ui.md_escape(str(e)))
        if can(user.role, "unfreeze") and status["frozen"]:
            with b3:
                with st.form("unfreeze_form"):
                    why = st.text_input("解冻理由", placeholder="必填：例如 复核发现 12 月报表数据有误")
                    unfreeze_code = code_input(user, "unfreeze", "unfreeze_code")
                    if st.form_submit_button("解冻（退回草稿）"):
                        require_action(user, "unfreeze", "解冻", unfreeze_code)
                        try:
                            data.write(signoff.unfreeze, month, user.username, user.role, why)
                            st.rerun()
                        except signoff.SignoffError as e:
                            st.error(ui.md_escape(str(e)))
        if status["state"] == "draft" and not can(user.role, "signoff_vendor"):
            st.caption("等待乙方项目经理确认。")
        elif status["state"] == "vendor_confirmed" and not can(user.role, "signoff_reviewer"):
            st.caption("乙方已确认，等待甲方考核人员审定。")

    st.divider()
    st.subheader("验收材料")
    st.caption("考核汇总、月度指标明细、加扣分、人员配置与资质、设备、付款计算、签核记录，一个 Excel 工作簿。")
    if st.button("生成验收材料", key="build_pack", icon=":material/inventory_2:"):
        st.session_state["acceptance_pack"] = data.acceptance_workbook(now.date(), now)
    if st.session_state.get("acceptance_pack"):
        st.download_button("下载验收材料（Excel）", st.session_state["acceptance_pack"],
                           file_name=f"验收材料_{now:%Y%m%d}.xlsx", key="dl_pack", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
