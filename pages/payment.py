"""付款核算: per contract month fee, score, factor, amount and deduction; the three instalments."""
import pandas as pd
import streamlit as st

from dashboard.services.assessment.signoff import SignoffError
from dashboard.services.assessment.views import (
    ASSESSED_MONTHS,
    COMPUTED_MONTHS,
    INSTALMENT_TERMS,
    NO_DATA_LABEL,
    PENDING,
)
from dashboard.web import ui
from dashboard.web.auth import code_input, require_action, require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import payment as data
from dashboard.web.reads import rules as rules_data
from domain.access import can
from domain.calendar import UNCONFIRMED_NOTE
from domain.formatting import yuan
from domain.payment import bands_text, fmt_factor

user = require_role("payment")


def shown_or(value, fmt, blank="—"):
    return blank if value is None or pd.isna(value) else fmt(value)


now = now_minute()

pv = data.payment_view(now)
t = pv.totals
ui.page_header("付款核算", f"合同年度自 {pv.months['月份'].iloc[0]} 起 · 月服务费 {yuan(pv.fee)} 元 · 截至 {now:%Y-%m-%d %H:%M}")

if pv.unconfirmed:
    st.warning(UNCONFIRMED_NOTE, icon=":material/event_busy:")

inst = pv.instalments
ui.tiles([
    ui.Tile("合同年度服务费（元）", yuan(t["contract_fee"])),
    ui.Tile(ASSESSED_MONTHS, f"{t['frozen_months']} / 12",
            help=f"已签认冻结的月份；另有实时测算（未签认、草稿）{t['live_months']} 个月，结果仍会变化"
                 + (f"；{t['no_data_months']} 个月{NO_DATA_LABEL}" if t["no_data_months"] else "")),
    ui.Tile("考核扣款合计（元）", yuan(t["total_deductions"]),
            help=f"{COMPUTED_MONTHS}（已签认冻结的 {t['frozen_months']} 个月与未签认的实时测算 {t['live_months']} 个月）"
                 "扣款之和；无数据的月份没有考核结果，不计扣款"),
    ui.Tile("尾款（元）", yuan(inst.loc[inst["期次"] == 3, "金额"].iloc[0]),
            help=f"第 12 个月服务费 − 各月考核扣款之和，不低于 0；只计{COMPUTED_MONTHS}的扣款"
                 + (f"（{t['no_data_months']} 个月{NO_DATA_LABEL}，其扣款未知，尾款为暂计）" if t["no_data_months"] else "")),
    ui.Tile("应追回金额（元）", yuan(t["to_recover"]),
            help="扣款合计超过第 12 个月服务费的部分"),
])

tab_months, tab_inst = st.tabs(["月度付款计算", "分期付款"])

with tab_months:
    m = pv.months.copy()
    # a month without data reads 「无数据」 in every figure; a month still to come 「待考核」 / —
    gap = m["状态"] == NO_DATA_LABEL

    def figures(column, fmt, blank="—"):
        return [NO_DATA_LABEL if g else shown_or(v, fmt, blank) for v, g in zip(m[column], gap)]

    shown = m.assign(
        状态=pv.shown_states(),
        月服务费=m["月服务费"].map(yuan),
        考核得分=figures("考核得分", lambda v: f"{v:f}", PENDING),
        付款系数=figures("付款系数", fmt_factor),
        应付金额=figures("应付金额", yuan),
        考核扣款=figures("考核扣款", yuan),
    )
    # every contract month at once, no scrolling inside the table: the months under review are the last
    ui.dataframe(shown, hide_index=True, width="stretch", height=ui.table_height(len(shown)),
                 column_config={"合同月": st.column_config.NumberColumn(format="第 %d 月", width="small")})
    st.caption(f"付款系数：{bands_text(rules_data.for_month(f'{now:%Y-%m}').payment_bands)}。"
               "已冻结月份取签认时保存的结果，其余月份为实时测算；"
               f"没有任何受理工单和流转记录的月份为「无数据」，没有得分，不计为{ASSESSED_MONTHS}或{COMPUTED_MONTHS}，也不计扣款。")
    ui.downloads(shown, f"付款计算_{now:%Y%m%d}", key="pay-months", sheet="付款计算")

with tab_inst:
    shown = inst.assign(金额=inst["金额"].map(yuan),
                        应付日期=inst["应付日期"].map(lambda d: shown_or(d, str, "")),
                        实付日期=inst["实付日期"].map(lambda d: shown_or(d, str, "")))
    ui.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"支付条件": st.column_config.TextColumn(width="large")})
    st.markdown("\n".join(f"- **{name}**：{cond}" for name, cond in INSTALMENT_TERMS.values()))
    total_line = f"三期合计 {yuan(t['instalments_total'])} 元"
    if t["to_recover"] > 0:
        st.error(f"各月考核扣款合计超过尾款，应追回金额 {yuan(t['to_recover'])} 元。{total_line}")
    else:
        st.caption(total_line)

    if can(user.role, "payment_dates"):
        st.subheader("录入付款日期")
        with st.form("payment_dates_form"):
            c1, c2, c3, c4 = st.columns([1, 1, 1, 3])
            n = c1.selectbox("期次", [1, 2, 3], format_func=lambda i: f"第 {i} 期")
            due = c2.date_input("应付日期", value=None, format="YYYY-MM-DD")
            paid = c3.date_input("实付日期", value=None, format="YYYY-MM-DD")
            note = c4.text_input("备注", placeholder="例如：财政资金到位通知文号")
            dates_code = code_input(user, "payment_dates", "payment_dates_code")
            if st.form_submit_button("保存", type="primary"):
                require_action(user, "payment_dates", "录入付款日期", dates_code)
                try:
                    data.save_dates(instalment=int(n), due_on=due, paid_on=paid, note=note,
                                    username=user.username, role=user.role)
                    st.success("已保存，并记入审计日志。")
                    st.rerun()
                except SignoffError as e:
                    st.error(ui.md_escape(str(e)))
