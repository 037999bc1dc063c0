"""三率考评: the district's 响应率 / 解决率 / 满意率 and 综合成绩 for an assessment period (19th–18th),
rankings of 街乡镇 and 区直单位 with the change on the previous period, the 12-period trend."""
import altair as alt
import streamlit as st

from dashboard.services.exports.safe import to_xlsx_bytes
from dashboard.services.rankings import composite_text
from dashboard.web import ui
from dashboard.web.auth import require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import rules as rules_data
from dashboard.web.reads import three_rates as data
from domain.access import can
from domain.evidence import IN_PROGRESS, PERCENTAGE_POINTS
from domain.formatting import count, half_up, pct, share_text

user = require_role("three-rates")
now = now_minute()

ui.page_header("三率考评", "区级响应率、解决率、满意率与综合成绩；样本为考评周期内接收、纳入考核且有效回访的工单")
labels = data.period_labels(now)
c1, c2 = st.columns([1, 4], vertical_alignment="bottom")
with c1:
    label = st.selectbox("考评周期", labels, index=0, key="tr-period",
                         format_func=lambda m: f"{m[:4]}年{int(m[5:]):d}月")
p = data.period(label)
compared = data.comparison(label, now)
with c2:
    if compared.in_progress:
        st.caption(f"考评周期 {p.start:%Y-%m-%d %H:%M:%S} 至 {p.end:%Y-%m-%d %H:%M:%S}（{IN_PROGRESS}，截至 {now:%m-%d %H:%M}）；"
                   f"率的变化对比上一考评周期同期（{compared.prev_start:%Y-%m-%d} 至 {compared.prev_cut:%m-%d %H:%M} 接收的工单）")
    else:
        st.caption(f"考评周期 {p.start:%Y-%m-%d %H:%M:%S} 至 {p.end:%Y-%m-%d %H:%M:%S}；变化均对比上一考评周期")

figures = data.page_figures(label, now)
cur, prev = figures.current, figures.previous
weights = {key: share_text(w) for key, w in rules_data.for_month(label).three_rates_weights.items()}


def delta(a, b, places=2, percent=False):
    if a is None or b is None:
        return None
    d = half_up((a - b) * (100 if percent else 1), places)
    return f"{'+' if d > 0 else ''}{d}{' ' + PERCENTAGE_POINTS if percent else ''} 较上期" + ("同期" if compared.in_progress else "")


ui.tiles([
    ui.Tile("有效回访", count(cur.population), help="周期内接收、纳入考核、有效回访的工单数"),
    ui.Tile("响应率", pct(cur.response_rate), delta(cur.response_rate, prev.response_rate, percent=True),
            help=f"已联系 ÷ 有效回访（{count(cur.population)} 件：周期内接收、纳入考核、有效回访）"),
    ui.Tile("解决率", pct(cur.resolution_rate), delta(cur.resolution_rate, prev.resolution_rate, percent=True),
            help=f"已解决 ÷ 有效回访（{count(cur.population)} 件）"),
    ui.Tile("满意率", pct(cur.satisfaction_rate), delta(cur.satisfaction_rate, prev.satisfaction_rate, percent=True),
            help=f"（满意 + 基本满意折算）÷ 有效回访（{count(cur.population)} 件）"),
    ui.Tile("综合成绩", composite_text(cur.composite), delta(cur.composite, prev.composite),
            help=f"100 ×（{weights['response']} × 响应率 + {weights['resolution']} × 解决率 + "
                 f"{weights['satisfaction']} × 满意率）"),
])

RATE_COLS = ("响应率", "解决率", "满意率", "综合成绩")
COLUMN_CONFIG = {c: st.column_config.NumberColumn(c, format="localized")
                 for c in ("受理量", "办结量", "有效回访", "联系数", "解决数", "满意数", "基本满意")}
COLUMN_CONFIG.update({"序号": st.column_config.TextColumn("序号", width="small"),
                      "承办单位": st.column_config.TextColumn("承办单位", width="medium")})

tab_street, tab_dept, tab_trend = st.tabs(["街乡镇排名", "区直单位排名", "近 12 期趋势"])
frames = {}
for tab, kind, title in ((tab_street, "street", "街乡镇"), (tab_dept, "department", "区直单位")):
    with tab:
        df = figures.rankings[kind]
        frames[title] = df
        only_active = st.toggle("只显示本期有受理的单位", value=kind == "department", key=f"tr-active-{kind}")
        shown = df[(df["受理量"] > 0) | (df["序号"] == "汇总")] if only_active else df
        ui.dataframe(shown, hide_index=True, width="stretch", column_config=COLUMN_CONFIG,
                     height=min(38 + 35 * len(shown), 840))
        st.caption("按综合成绩降序、受理量降序排列；无有效回访的单位排在最后。“综合成绩变化”“排名变化”对比上一考评周期。"
                   "汇总行为各项数量之和及其对应比率。")

with tab_trend:
    trend = figures.trend
    if trend["population"].sum() == 0:
        st.info("近 12 个考评周期没有有效回访数据。")
    else:
        long = trend.melt(id_vars=["period"], value_vars=["response_rate", "resolution_rate", "satisfaction_rate",
                                                           "composite"], var_name="指标", value_name="值").dropna()
        long["指标"] = long["指标"].map({"response_rate": "响应率", "resolution_rate": "解决率",
                                      "satisfaction_rate": "满意率", "composite": "综合成绩"})
        st.altair_chart(alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("period:O", title="考评周期"), y=alt.Y("值:Q", title="百分比 / 分", scale=alt.Scale(zero=False)),
            color=alt.Color("指标:N", title=None),
            tooltip=[alt.Tooltip("period:O", title="周期"), "指标:N", alt.Tooltip("值:Q", format=".2f")]
        ).properties(height=360, title="近 12 个考评周期三率与综合成绩"), width="stretch")
        table = trend[["period", "population", "response_text", "resolution_text", "satisfaction_text",
                       "composite_text"]]
        ui.dataframe(table.rename(columns={"period": "考评周期", "population": "有效回访", "response_text": "响应率",
                                           "resolution_text": "解决率", "satisfaction_text": "满意率",
                                           "composite_text": "综合成绩"}), hide_index=True, width="stretch")

if can(user.role, "export"):
    # the workbook is written when asked for (on click), not on every page run
    st.download_button("导出 Excel（街乡镇 + 区直单位排名）", lambda: to_xlsx_bytes(frames),
                       file_name=f"三率考评_{label}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="tr-xlsx", icon=":material/download:", on_click="ignore")
