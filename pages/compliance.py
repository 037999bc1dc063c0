"""履约合规: headcount by role per day, qualifications, 本科 share, equipment, 7×24 shift coverage."""
import altair as alt
import pandas as pd
import streamlit as st

from dashboard.web import ui
from dashboard.web.auth import require_role
from dashboard.web.reads import compliance as data
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from domain.formatting import equipment_text, pct, share_text
from domain.qualifications import BACHELOR_SHARE, ROLE_RULES, bachelor_share_ok

user = require_role("compliance")
now = now_minute()

ui.page_header("履约合规", f"合同人员配置、资质、设备与 7×24 排班覆盖 · 截至 {now:%Y-%m-%d %H:%M}")
c1, _ = st.columns([1, 5])
with c1:
    months = data.months(now)
    month = st.selectbox("月份", months[::-1], index=0, key="compliance_month")

hc = data.headcount(month, now)
quals = data.qualifications(now.date())
share, bachelors, specialists = data.bachelor_share(now.date())
equip = data.equipment()
cov = data.shift_coverage(month, now)
heads_required = rules_data.for_month(f"{now:%Y-%m}").contract_headcount
equipment_required = rules_data.current().equipment_required   # the rules the equipment table checks against

pairs_short = int((hc["short"] > 0).sum()) if not hc.empty else 0
bad_people = int((quals["是否达标"] == "不达标").sum()) if not quals.empty else 0
shifts_short = int((cov["是否达标"] == "不达标").sum()) if not cov.empty else 0
equip_ok = bool((equip["是否达标"] == "达标").all()) if not equip.empty else False
ui.tiles([
    ui.Tile("在岗人数", f"{len(quals)}", help=f"今日在岗（入职日期 ≤ 今日且未离职）；合同要求 ≥ {heads_required} 人"),
    ui.Tile("人员配置不足（岗位·日）", f"{pairs_short} / {len(hc)}", delta_color="inverse",
            help="本月截至今日，在岗人数低于合同要求的（岗位, 日期）组合数"),
    ui.Tile("资质不达标人数", f"{bad_people}", help="按合同各岗位资质要求逐人核查"),
    ui.Tile("专员全日制本科占比", pct(share), delta=f"{bachelors}/{specialists} 人 · 要求 ≥ {share_text(BACHELOR_SHARE)}",
            delta_color="normal" if bachelor_share_ok(share) else "inverse", delta_is_change=False),
    ui.Tile("班次覆盖不足", f"{shifts_short} / {len(cov)}", help="每日每班次各岗位到岗人数低于最低要求的班次数"),
    ui.Tile("设备", "达标" if equip_ok else "不达标", help=equipment_text(equipment_required)),
])

tab_hc, tab_q, tab_shift, tab_eq = st.tabs(["人员配置", "人员资质", "7×24 班次覆盖", "设备"])

with tab_hc:
    st.subheader(f"{month} 每日在岗人数与合同要求")
    if hc.empty:
        st.info("本月尚无可统计的日期。")
    else:
        h = hc.copy()
        h["日期"] = pd.to_datetime(h["day"])
        h["状态"] = h["short"].map(lambda s: "不足" if s > 0 else "达标")
        h["标注"] = h["heads"].astype(str) + "/" + h["required"].astype(str)
        heat = alt.Chart(h).mark_rect(stroke="white").encode(
            x=alt.X("date(日期):O", title="日"),
            y=alt.Y("role:N", title=None, sort=list(ROLE_RULES)),
            color=alt.Color("状态:N", title="人员配置", scale=alt.Scale(domain=["达标", "不足"],
                                                                      range=["#c8e6c9", "#e53935"])),
            tooltip=[alt.Tooltip("day:N", title="日期"), alt.Tooltip("role:N", title="岗位"),
                     alt.Tooltip("heads:Q", title="在岗"), alt.Tooltip("required:Q", title="合同要求"),
                     alt.Tooltip("short:Q", title="缺口")])
        text = alt.Chart(h).mark_text(fontSize=10).encode(
            x=alt.X("date(日期):O"), y=alt.Y("role:N", sort=list(ROLE_RULES)), text="heads:Q")
        st.altair_chart((heat + text).properties(height=300), width="stretch")
        short = hc[hc["short"] > 0].rename(columns={"role": "岗位", "day": "日期", "required": "合同要求",
                                                      "heads": "在岗人数", "short": "缺口"})
        if short.empty:
            st.success("本月每个岗位每天的在岗人数均达到合同要求。")
        else:
            st.caption("人员不足的（岗位, 日期）")
            ui.dataframe(short, hide_index=True, width="stretch")
            ui.downloads(short, f"人员配置不足_{month}", key="hc-short", sheet="人员配置不足")

with tab_q:
    st.subheader("逐人资质核查（今日在岗）")
    with st.expander("合同资质要求", expanded=False):
        ui.dataframe(pd.DataFrame([{"岗位": k, "要求": v.text} for k, v in ROLE_RULES.items()]),
                     hide_index=True, width="stretch")
    only_bad = st.toggle("只看不达标", value=True, key="only_bad")
    shown = quals[quals["是否达标"] == "不达标"] if only_bad else quals
    if shown.empty:
        st.success("所有在岗人员均符合合同资质要求。")
    else:
        ui.dataframe(shown, hide_index=True, width="stretch",
                     column_config={"不符合项": st.column_config.TextColumn(width="large")})
    ui.downloads(quals, f"人员资质_{now:%Y%m%d}", key="quals", sheet="人员资质")

with tab_shift:
    st.subheader(f"{month} 每日各班次到岗人数（最低要求见列名）")
    if cov.empty:
        st.info("本月尚无排班数据。")
    else:
        ui.dataframe(cov, hide_index=True, width="stretch", height=420)
        ui.downloads(cov, f"班次覆盖_{month}", key="cov", sheet="班次覆盖")

with tab_eq:
    st.subheader("设备配置")
    ui.dataframe(equip, hide_index=True, width="stretch")
