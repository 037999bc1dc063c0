"""The ledger parts of the pages (docs/ledgers.md): 报表中心 gets the 质检台账, the QC reports, the
improvement measures, the 疑难/未解决/特殊 ledger and the shift log with its handover; 班前会 the last
handover of each group and the measures; 人员绩效 the QC specialists' ledger rows. Each page calls one
function. User text (notes, reasons, measures) is shown as data or plain text, never as HTML."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote

import pandas as pd
import streamlit as st

from dashboard.services.ledgers.guard import LedgerError
from dashboard.services.reports.content import display_frame
from dashboard.web import ui
from dashboard.web.auth import require_action
from dashboard.web.reads import ledgers as data
from domain.access import can
from domain.formatting import count, pct
from domain.ledgers import PARTIAL_BEFORE_NOTE, qc_period, rate
from domain.rules import MEASURE_EFFECT_WEEKS
from domain.scoring import to_decimal
from domain.staffing import shift_bounds
from domain.vocabulary import (
    HANDOVER_GROUPS,
    INDICATOR_LABELS,
    MEASURE_STATUSES,
    MEASURE_TARGET_DEFECT,
    MEASURE_TARGET_INDICATOR,
    QC_REPORT_TITLES,
    QC_RESULTS,
    SHIFTS_AS_LISTED,
    SPECIAL_FLAGGED,
    SPECIAL_HARD,
    SPECIAL_UNRESOLVED,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL = "全部"
WHOLE_DAY = "全天"
TICKET_URL = "/tickets?ticket={}"
LINK = st.column_config.LinkColumn("工单编号", display_text=r"ticket=(.*)$", help="打开该工单的流转记录")


def _with_links(df: pd.DataFrame, column: str = "工单编号") -> pd.DataFrame:
    return df.assign(**{column: [TICKET_URL.format(quote(str(n), safe="")) for n in df[column]]})


def _choice(value: str) -> str | None:
    return None if value in (ALL, WHOLE_DAY) else value


def _may_write(user) -> bool:
    return can(user.role, "ledger_write")


def _run_write(user, label: str, fn, success: str, **kwargs) -> None:
    """A write from a form: the page-level role check, then the service (which checks again and audits)."""
    require_action(user, "ledger_write", label)
    try:
        fn(username=user.username, role=user.role, **kwargs)
    except LedgerError as e:
        st.error(ui.md_escape(str(e)))
    else:
        st.success(success)


# --- 报表中心 -----------------------------------------------------------------------------------------

def reports_part(user, now: datetime) -> None:
    """The ledgers and QC reports under 报表中心."""
    if not can(user.role, "ledgers_read"):
        return
    st.divider()
    st.subheader("台账与质检报表")
    names = ["质检台账", "质检日报/周报/月报", "改进措施", "疑难·未解决·特殊工单", "工作日志与交接班"]
    tabs = st.tabs(names, key="ledger_tabs", on_change="rerun")
    parts = [qc_ledger_tab, qc_report_tab, measures_tab, special_tab, handover_tab]
    for tab, part in zip(tabs, parts):
        if tab.open is False:
            continue
        with tab:
            part(user, now)


def qc_ledger_tab(user, now: datetime, *, start: datetime | None = None, end: datetime | None = None,
                  key: str = "qcl", staff_no: str | None = None) -> None:
    """质检台账 with filters (day and shift unless a window is given, specialist, unit, result, defect type)."""
    shift = None
    if start is None or end is None:
        c1, c2 = st.columns([1.2, 1.2])
        with c1:
            day = st.date_input("日期", value=now.date(), max_value=now.date(), key=f"{key}-day")
        with c2:
            shift = _choice(st.selectbox("班次", [WHOLE_DAY, *SHIFTS_AS_LISTED], key=f"{key}-shift"))
        start, end = shift_bounds(day, shift) if shift else qc_period("qc-daily", day)
    else:
        day = start.date()
    options = data.qc_filter_options(start, end, now)
    names = data.staff_names()
    c3, c4, c5, c6 = st.columns(4)
    with c3:
        if staff_no is None:
            staff_no = _choice(st.selectbox("质检专员", [ALL, *options["staff"]], key=f"{key}-staff",
                                            format_func=lambda s: s if s == ALL else f"{s} {names.get(s, '')}"))
        else:
            st.caption(f"质检专员 {staff_no} {names.get(staff_no, '')}")
    with c4:
        unit = _choice(st.selectbox("承办单位", [ALL, *options["unit"]], key=f"{key}-unit"))
    with c5:
        result = _choice(st.selectbox("质检结果", [ALL, *QC_RESULTS], key=f"{key}-result",
                                      format_func=lambda a: QC_RESULTS.get(a, a)))
    with c6:
        defect = _choice(st.selectbox("缺陷类型", [ALL, *options["defect"]], key=f"{key}-defect"))
    df = data.qc_ledger_rows(start, end, now, staff_no, unit, result, defect)
    if df.empty:
        st.info("所选条件下没有质检记录。")
        return
    rejects = int((df["质检结果"] == QC_RESULTS["QC_REJECT"]).sum())
    judged = df[df["是否及时"] != "无回复"]
    ui.tiles([ui.Tile("质检量", count(len(df))), ui.Tile("退回量", count(rejects)),
              ui.Tile("退回率", pct(rate(rejects, len(df)))),
              ui.Tile("及时率", pct(rate(int((judged["是否及时"] == "是").sum()), len(judged))),
                      help="有回复可判定的质检中，在质检时限内完成的比例"),
              ui.Tile("后续被市级退回", count(int((df["是否后续被市级退回"] == "是").sum())))])
    running = "（进行中）" if now < end else ""
    st.caption(f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}{running}：共 {len(df):,} 条（最多显示 5,000 条），"
               "点击工单编号打开该工单的流转记录。")
    ui.dataframe(_with_links(df), hide_index=True, width="stretch", height=min(38 + 35 * len(df), 480),
                 column_config={"工单编号": LINK,
                                "质检时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})
    if can(user.role, "export"):
        ui.downloads(df, f"质检台账_{start:%Y%m%d%H%M}", key=f"{key}-export", sheet="质检台账")
        st.download_button("下载质检台账工作簿", lambda: data.workbook("qc-ledger", day, now, shift),
                           file_name=f"质检台账_{day:%Y%m%d}{shift or ''}.xlsx", mime=XLSX_MIME,
                           key=f"{key}-book", icon=":material/download:", on_click="ignore")


def qc_report_tab(user, now: datetime) -> None:
    kinds = {"qc-daily": "日报", "qc-weekly": "周报", "qc-monthly": "月报"}
    c1, c2 = st.columns([2, 1.2])
    with c1:
        kind = st.segmented_control("质检报表", list(kinds), format_func=kinds.get, default="qc-daily",
                                    key="qcr-kind") or "qc-daily"
    with c2:
        day = st.date_input("报表日期", value=now.date(), max_value=now.date(), key="qcr-day")
    rep = data.qc_report(kind, day, now)
    cur, prev = rep.totals, rep.prev_totals

    def rate_delta(a, b) -> str | None:
        if a is None or b is None or a == b:
            return None
        return f"{to_decimal((a - b) * 100, 2):+} 个百分点"

    st.caption(f"{rep.title}　统计范围 {rep.window_label}　与上期同口径对比")
    pairs = [("退回率", "rejects", "events"), ("质检及时率", "on_time", "judged"), ("质检差错率", "escapes", "closes")]
    tiles = [ui.Tile("质检量", count(cur["events"]), f"{cur['events'] - prev['events']:+,} 较上期", delta_color="off")]
    for label, num, den in pairs:
        a, b = rate(cur[num], cur[den]), rate(prev[num], prev[den])
        tiles.append(ui.Tile(label, pct(a), rate_delta(a, b),
                             delta_color="inverse" if label != "质检及时率" else "normal"))
    ui.tiles(tiles)
    st.download_button(f"下载{rep.title}（Excel）", lambda: data.workbook(kind, day, now),
                       file_name=f"{rep.title}_{rep.start:%Y%m%d}.xlsx", mime=XLSX_MIME, type="primary",
                       key="qcr-book", icon=":material/download:", on_click="ignore")
    for section in rep.sections:
        st.markdown(f"**{section.name}**")
        if section.note:
            st.caption(section.note)
        frame = display_frame(section)
        if section.chart and len(section.frame):
            chart = section.frame.head(section.chart.get("rows") or len(section.frame))
            x = section.chart["x"]
            st.bar_chart(chart.assign(退回率=[float(v or 0) for v in chart["退回率"]]).set_index(x)["退回率"],
                         height=220, x_label=x, y_label="退回率")
        ui.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 400))


def _measures_table(df: pd.DataFrame) -> None:
    shown = df.copy()
    for col in ("措施前比率", "措施后比率"):
        shown[col] = [pct(v) for v in shown[col]]
    shown["比率变化"] = [("—" if v is None else f"{to_decimal(v * 100, 2):+} 个百分点") for v in shown["比率变化"]]

    def mark(row):
        return ["background-color: #fde2e1" if row["是否逾期"] == "是" else "" for _ in row]

    ui.dataframe(shown.style.apply(mark, axis=1), hide_index=True, width="stretch",
                 column_config={"开始日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "完成期限": st.column_config.DateColumn(format="YYYY-MM-DD")})
    if (df["说明"] != "").any():
        st.caption(f"说明为「{PARTIAL_BEFORE_NOTE}」的措施：数据晚于措施前 {MEASURE_EFFECT_WEEKS} 周的起点，"
                   "措施前比率只按已有数据的天数计算。")
    overdue = int((df["是否逾期"] == "是").sum())
    if overdue:
        st.warning(f"{overdue:,} 项措施已过完成期限仍未完成（红色行）。", icon=":material/alarm:")


def measures_tab(user, now: datetime) -> None:
    st.caption(f"效果：目标比率在措施开始前 {MEASURE_EFFECT_WEEKS} 周与开始以来的对比；"
               "退回率、差错率越低越好，及时率、准确率越高越好。")
    df = data.measures_list(now)
    if df.empty:
        st.info("尚未登记改进措施。")
    else:
        _measures_table(df)
    if not _may_write(user):
        return
    with st.expander("登记改进措施", icon=":material/add_task:"):
        with st.form("measure-add", clear_on_submit=True):
            title = st.text_input("措施内容", max_chars=500)
            c1, c2, c3 = st.columns(3)
            owner = c1.text_input("负责人", max_chars=64)
            started = c2.date_input("开始日期", value=now.date(), key="measure-start")
            due = c3.date_input("完成期限", value=now.date() + timedelta(days=14), key="measure-due")
            kind = st.radio("目标", [MEASURE_TARGET_DEFECT, MEASURE_TARGET_INDICATOR], horizontal=True,
                            format_func={MEASURE_TARGET_DEFECT: "缺陷类型", MEASURE_TARGET_INDICATOR: "考核指标"}.get)
            start, end = qc_period("qc-monthly", now.date())
            defects = data.qc_filter_options(start - timedelta(days=62), end, now)["defect"]
            target_defect = st.selectbox("缺陷类型", defects or ["未注明"])
            target_indicator = st.selectbox("考核指标", list(INDICATOR_LABELS), format_func=INDICATOR_LABELS.get)
            if st.form_submit_button("保存措施", type="primary"):
                target = target_defect if kind == MEASURE_TARGET_DEFECT else target_indicator
                _run_write(user, "登记改进措施", data.add_measure, "已登记改进措施。", title=title, owner=owner,
                           started_on=started, due_on=due, target_kind=kind, target=target, now=now)
    if not df.empty:
        with st.expander("更新措施状态", icon=":material/edit:"):
            with st.form("measure-status"):
                labels = {int(i): f"{i}. {t}" for i, t in zip(df["编号"], df["措施"])}
                chosen = st.selectbox("措施", list(labels), format_func=labels.get)
                status = st.selectbox("状态", MEASURE_STATUSES)
                if st.form_submit_button("更新状态"):
                    _run_write(user, "更新改进措施", data.set_measure_status, "已更新状态。", measure_id=int(chosen),
                               status=status, now=now)


def special_tab(user, now: datetime) -> None:
    week_start, week_end = qc_period("qc-weekly", now.date())
    week = (week_start, week_end)
    n = data.special_counts(now, week)
    ui.tiles([ui.Tile(SPECIAL_HARD, count(n["hard"]), help="统计时点仍在办、时限类型为疑难的工单"),
              ui.Tile(SPECIAL_UNRESOLVED, count(n["unresolved"]), help="本周回访、是否解决为否的工单"),
              ui.Tile(SPECIAL_FLAGGED, count(n["flagged"]), help="业务主管标记为特殊、尚未取消的工单")])
    st.download_button("下载本周台账（Excel）", lambda: data.workbook("special-ledger", now.date(), now),
                       file_name=f"疑难未解决特殊工单台账_{week_start:%Y%m%d}.xlsx", mime=XLSX_MIME, type="primary",
                       key="special-book", icon=":material/download:", on_click="ignore")
    lists = {"hard": SPECIAL_HARD, "unresolved": SPECIAL_UNRESOLVED, "flagged": SPECIAL_FLAGGED}
    for tab, (kind, label) in zip(st.tabs(list(lists.values())), lists.items()):
        with tab:
            df = data.flagged_list(now) if kind == "flagged" else data.special_list(kind, now, week)
            if df.empty:
                st.success("无。")
                continue
            st.caption(f"共 {len(df):,} 张（最多显示 2,000 张），点击工单编号查看流转记录。")
            ui.dataframe(_with_links(df), hide_index=True, width="stretch", height=min(38 + 35 * len(df), 420),
                         column_config={"工单编号": LINK})
            if can(user.role, "export"):
                ui.downloads(df, f"{label}_{now:%Y%m%d}", key=f"special-{kind}", sheet=label)
    if not _may_write(user):
        return
    c1, c2 = st.columns(2)
    with c1, st.form("special-flag", clear_on_submit=True):
        st.markdown("**标记特殊工单**")
        ticket_no = st.text_input("工单编号", max_chars=64, key="flag-ticket")
        reason = st.text_area("标记原因", max_chars=1000, key="flag-reason")
        if st.form_submit_button("标记", type="primary"):
            _run_write(user, "标记特殊工单", data.flag_ticket, "已标记为特殊工单。", ticket_no=ticket_no.strip(),
                       reason=reason, now=now)
    with c2, st.form("special-unflag", clear_on_submit=True):
        st.markdown("**取消特殊标记**")
        ticket_no = st.text_input("工单编号", max_chars=64, key="unflag-ticket")
        reason = st.text_area("取消原因", max_chars=1000, key="unflag-reason")
        if st.form_submit_button("取消标记"):
            _run_write(user, "取消特殊标记", data.unflag_ticket, "已取消特殊标记。", ticket_no=ticket_no.strip(),
                       reason=reason, now=now)


def _previous_shift(now: datetime) -> tuple[date, str]:
    """The last shift that has ended at `now`."""
    for back in range(0, 2):
        day = now.date() - timedelta(days=back)
        for shift in sorted(SHIFTS_AS_LISTED, key=lambda s: shift_bounds(day, s)[0], reverse=True):
            if shift_bounds(day, shift)[1] <= now:
                return day, shift
    return now.date(), SHIFTS_AS_LISTED[0]


def handover_tab(user, now: datetime) -> None:
    last_day, last_shift = _previous_shift(now)
    c1, c2, c3 = st.columns(3)
    with c1:
        day = st.date_input("日期", value=last_day, max_value=now.date(), key="ho-day")
    with c2:
        shift = st.selectbox("班次", SHIFTS_AS_LISTED, index=SHIFTS_AS_LISTED.index(last_shift), key="ho-shift")
    with c3:
        group = st.selectbox("班组", list(HANDOVER_GROUPS), key="ho-group")
    log = data.shift_log(day, shift, group, now)
    running = now < log.end
    st.caption(f"{day:%Y-%m-%d} {shift}（{log.start:%H:%M}–{log.end:%H:%M}）{group}组"
               + ("　本班次进行中" if running else ""))
    left, right = st.columns(2)
    with left:
        st.markdown("**工作日志**")
        ui.dataframe(log.work, hide_index=True, width="stretch")
    with right:
        st.markdown("**交接事项**（交班时点）")
        ui.dataframe(log.open_items.assign(数量=[count(v) for v in log.open_items["数量"]]), hide_index=True,
                     width="stretch")
    st.markdown("**交接说明**")
    note = log.note
    if note is None:
        st.info("本班次尚未填写交接说明。")
    else:
        st.text(note["note"])
        ack = (f"接班确认：{note['acked_by']}（{note['acked_at']:%m-%d %H:%M}）" if note["acked_at"]
               else "接班负责人尚未确认")
        st.caption(f"交班负责人：{note['written_by']}（{note['written_at']:%m-%d %H:%M}）　{ack}")
    st.download_button("下载工作日志与交接班（Excel）", lambda: data.workbook("handover", day, now, shift, group),
                       file_name=f"交接班_{day:%Y%m%d}_{shift}_{group}.xlsx", mime=XLSX_MIME, key="ho-book",
                       icon=":material/download:", on_click="ignore")
    if not _may_write(user):
        return
    if note is None or note["acked_at"] is None:
        with st.form("ho-note"):
            text = st.text_area("交接说明（交班负责人填写）", value=note["note"] if note else "", max_chars=4000)
            if st.form_submit_button("保存交接说明", type="primary"):
                _run_write(user, "填写交接说明", data.write_handover, "已保存交接说明。", day=day, shift=shift,
                           group=group, note=text, now=now)
    if note is not None and note["acked_at"] is None and not running:
        if st.button("接班确认", key="ho-ack", icon=":material/how_to_reg:"):
            _run_write(user, "接班确认", data.acknowledge_handover, "已确认交接。", day=day, shift=shift, group=group,
                       now=now)


# --- 班前会 ---------------------------------------------------------------------------------------

def standup_part(user, now: datetime, *, measures: pd.DataFrame | None = None) -> None:
    """The last handover of each group and the improvement measures with status and effect
    (`measures`: data.measures_list(now) when the page has read it)."""
    if not can(user.role, "ledgers_read"):
        return
    st.subheader("交接班与改进措施")
    last = data.last_handovers(now)
    ui.dataframe(last, hide_index=True, width="stretch",
                 column_config={"日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "交接说明": st.column_config.TextColumn(width="large")})
    df = measures if measures is not None else data.measures_list(now)
    if df.empty:
        st.caption("尚未登记改进措施。")
    else:
        st.caption(f"改进措施：效果为目标比率在措施开始前 {MEASURE_EFFECT_WEEKS} 周与开始以来的对比。")
        _measures_table(df)


# --- 人员绩效 -------------------------------------------------------------------------------------

def staff_part(user, start: datetime, end: datetime, now: datetime) -> None:
    """The QC specialists' ledger rows of the page's period (质检台账 drill-down)."""
    if not can(user.role, "ledgers_read"):
        return
    with st.expander(f"{QC_REPORT_TITLES['qc-ledger']}明细（{start:%Y-%m-%d %H:%M} 至 {end - timedelta(seconds=1):%Y-%m-%d %H:%M}）",
                     icon=":material/fact_check:"):
        # read only when asked for: an expander's body runs on every page run even while closed
        if st.toggle("显示本周期的质检台账", key="staff-qcl-on"):
            qc_ledger_tab(user, now, start=start, end=end, key="staff-qcl")
