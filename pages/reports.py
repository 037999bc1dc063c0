"""报表中心: 日报/周报/月报/专报 (preview, download, record delivery) and 台账核对."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.services.reconcile import LedgerError, template_csv
from dashboard.services.reports.content import KINDS, PERIODS, ReportError, display_frame
from dashboard.services.reports.periodic import DeliveryError
from dashboard.web import ledger_sections, ui
from dashboard.web.auth import require_action, require_role
from dashboard.web.reads import now_minute
from dashboard.web.reads import reports as data
from domain.access import can
from domain.evidence import points_text
from domain.formatting import count, pct
from domain.vocabulary import CLOSE_ON_TIME

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

user = require_role("reports")
now = now_minute()

ui.page_header("报表中心", f"{now:%Y年%m月%d日 %H:%M} · {user.display_name} · 报表一键生成，口径与各页面一致，可登记报送")

tab_report, tab_ledger, tab_log = st.tabs(["生成报表", "台账核对", "报送记录"])

with tab_report:
    c1, c2, c3, c4 = st.columns([2, 1.2, 1.6, 3])
    with c1:
        kind = st.segmented_control("报表类型", list(KINDS), format_func=KINDS.get, default="daily",
                                    key="report_kind") or "daily"
    with c2:
        day = st.date_input("报表日期", value=now.date(), max_value=now.date() + timedelta(days=1), key="report_day")
    hour, period, category = 12, "calendar", None
    with c3:
        if kind == "daily":
            hour = st.number_input("统计起点（时）", min_value=0, max_value=23, value=12, step=1, key="report_hour",
                                   help="日报统计前一日该时刻至当日该时刻，默认 12:00—12:00")
        elif kind == "monthly":
            period = st.radio("月报口径", list(PERIODS), format_func=PERIODS.get, horizontal=True,
                              key="report_period")
        elif kind == "topic":
            options = data.category_options()
            category = st.selectbox("专报分类（一级或二级）", options,
                                    index=options.index("供暖") if "供暖" in options else 0, key="report_category")
        else:
            st.caption("周报统计报表日期所在的周一至周日")
    try:
        spec = data.spec(kind, day, int(hour), period, category)
    except ReportError as e:
        st.error(str(e))
        st.stop()
    args = (kind, day, now, int(hour), period, category)
    content = data.report_headlines(*args)
    cur, prev = content.headline, content.previous
    with c4:
        st.caption(f"报表编号 **{spec.report_no}**　统计范围 {content.window_text}")
        st.caption(f"对比上期 {content.prev_text}　应报时间 {spec.due_at:%Y-%m-%d %H:%M}")

    def delta(a: int, b: int) -> str:
        return f"{a - b:+,} 较上期" + ("同期" if content.in_progress else "")

    def rate_delta(a, b) -> str | None:
        return None if a is None or b is None else points_text(a - b)

    close_share, close_prev = cur["close_on_time"], prev["close_on_time"]
    three, three_prev = cur["three_rates"], prev["three_rates"]
    ui.tiles([
        ui.Tile("受理量", count(cur["received"]), delta(cur["received"], prev["received"]), delta_color="off",
                help="本期接收的工单"),
        ui.Tile("办结量", count(cur["closed"]), delta(cur["closed"], prev["closed"]), delta_color="off",
                help=f"本期办结的工单（不论何时接收），其中超期办结 {count(cur['closed_late'])} 件"),
        ui.Tile("期末在办", count(cur["open"]), help="统计时点仍在办的工单（与总览页同一口径）"),
        ui.Tile("期末超期", count(cur["overdue"]), help="统计时点在办且已过办结时限"),
        ui.Tile(CLOSE_ON_TIME, pct(close_share), rate_delta(close_share, close_prev),
                help=f"本期办结的 {count(cur['closed'])} 件中未超期办结的比例：（办结量 − 其中超期办结）÷ 办结量"),
        ui.Tile("满意率", pct(three.satisfaction_rate), rate_delta(three.satisfaction_rate, three_prev.satisfaction_rate),
                help=f"本期接收、纳入考核且有效回访的 {count(three.population)} 件中（满意 + 基本满意折算）的比例；"
                     "日报、周报样本较小，仅供参考"),
    ])

    b1, b2, b3 = st.columns([1.3, 1.3, 5])
    with b1:
        # the workbook is built when asked for (on click, in the background), not on every page run
        st.download_button(f"下载{spec.title}（Excel）", lambda: data.report_bytes(*args),
                           file_name=f"{spec.report_no}.xlsx", mime=XLSX_MIME, icon=":material/download:",
                           type="primary", key="report_download", width="stretch", on_click="ignore")
    with b2:
        if can(user.role, "report_delivery"):
            if st.button("登记为已报送", icon=":material/task_alt:", key="report_deliver", width="stretch",
                         help=f"在报表报送记录中登记 {spec.report_no}，报送时间为当前时间"):
                require_action(user, "report_delivery", "登记报表报送")
                try:
                    row = data.record_delivery(spec, username=user.username, role=user.role, now=now)
                except DeliveryError as e:
                    st.error(str(e))
                else:
                    when = f"{row['delivered_at']:%Y-%m-%d %H:%M}"
                    verdict = "按时" if row["on_time"] else "逾期"
                    if row["outcome"] == "unchanged":
                        st.info(f"{spec.report_no} 已于 {when} 登记报送（{verdict}），未重复登记。")
                    else:
                        st.success(f"已登记 {spec.report_no} 报送：{when}（{verdict}，应报 {row['due_at']:%Y-%m-%d %H:%M}）")
    with b3:
        st.caption("下载的工作簿与下方预览为同一组数据；同一数据、同一时点生成的文件完全一致。")

    # one section at a time: the open tab's figures are read when it is opened (the tabs rerun
    # the page on a switch); 概况 and the other headline sections need no further query
    names = data.section_names(spec)
    tabs = st.tabs(names, key=f"report_section_{kind}", on_change="rerun")
    for tab, name in zip(tabs, names):
        if tab.open is False:
            continue
        with tab:
            section = data.report_section(content, name, day=day, now=now, window_start_hour=int(hour), period=period)
            if section.note:
                st.caption(section.note)
            frame = display_frame(section)
            if section.chart and len(frame) and section.chart["type"] == "line":
                chart_df = section.frame.set_index(section.chart["x"])[section.chart["y"]]
                st.line_chart(chart_df, height=220, x_label=section.chart["x"], y_label="工单数")
            ui.dataframe(frame, hide_index=True, width="stretch",
                         height=min(38 + 35 * len(frame), 560))

with tab_ledger:
    st.caption("上传现场台账（Excel 或 CSV，第1行为表头：工单编号，可选 日期、事项、状态），与系统在所选日期范围内接收的工单逐一核对。")
    l1, l2, l3 = st.columns([3, 2, 1])
    with l1:
        upload = ui.file_uploader("台账文件", types=["xlsx", "csv"], key="ledger_file")
    with l2:
        default = (now.date() - timedelta(days=6), now.date())
        span = st.date_input("核对范围（按系统接收日期）", value=default, key="ledger_range")
    with l3:
        st.download_button("台账模板", template_csv(), file_name="台账模板.csv", mime="text/csv",
                           icon=":material/description:", key="ledger_template")
    if upload is None:
        st.info("请先上传台账文件。")
    elif not isinstance(span, (tuple, list)) or len(span) != 2:
        st.warning("请选择核对范围的开始和结束日期。")
    else:
        try:
            result, workbook = data.reconcile(upload.name, upload.getvalue(), span[0], span[1], now)
        except LedgerError as e:
            st.error(f"无法核对：{e}")
        else:
            n = result.counts
            ui.tiles([
                ui.Tile("台账有效行", count(n["ledger_valid"]), help=f"台账共 {n['ledger_rows']:,} 行"),
                ui.Tile("系统缺失", count(n["missing_in_system"]), help="台账有、系统无"),
                ui.Tile("台账缺失", count(n["missing_in_ledger"]), help="系统在范围内接收、台账未登记"),
                ui.Tile("字段不一致", count(n["mismatched_fields"]), help=f"涉及 {n['mismatched_tickets']:,} 张工单"),
                ui.Tile("无效行", count(n["invalid"]), help="缺少工单编号、日期无法识别或重复的行"),
            ])
            st.download_button("下载核对报告（Excel）", workbook,
                               file_name=f"台账核对-{span[0]:%Y%m%d}-{span[1]:%Y%m%d}.xlsx", mime=XLSX_MIME,
                               icon=":material/download:", type="primary", key="ledger_download")
            for tab, (_name, frame) in zip(st.tabs(list(result.frames())), result.frames().items()):
                with tab:
                    if frame.empty:
                        st.success("无。")
                    else:
                        ui.dataframe(frame, hide_index=True, width="stretch",
                                     height=min(38 + 35 * len(frame), 520))

with tab_log:
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    log = data.report_log(month_start - timedelta(days=31), now + timedelta(days=32))
    st.caption("近两个月应报的报表及报送情况（报表按时报送率的依据）")
    if log.empty:
        st.info("暂无报送记录。")
    else:
        table = log.copy()
        table["结果"] = [
            "未报送" if d is None or d is pd.NaT else ("按时" if d <= due else "逾期")
            for d, due in zip(table["delivered_at"], table["due_at"])]
        table["has_error"] = table["has_error"].map({True: "是", False: "否"})
        table.columns = ["报表编号", "类型", "应报时间", "实报时间", "工号", "是否有误", "结果"]
        ui.dataframe(table, hide_index=True, width="stretch",
                     column_config={"应报时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                                    "实报时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
        ui.downloads(table, f"报送记录-{now:%Y%m%d}", key="report-log")

ledger_sections.reports_part(user, now)
