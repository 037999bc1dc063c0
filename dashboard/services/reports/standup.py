"""The stand-up pack (班前会): yesterday and the running shift per group against the targets, the
worst delays and errors, the tickets to act on today, the action list and the per-person table.

`standup_pack` assembles the frames once (Chinese column names, exact shares); the page shows them
and `build_standup_workbook` writes them, so both show the same numbers.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from dashboard.infra.concurrent_reads import concurrently
from dashboard.services import calendar_days, day_figures
from dashboard.services.exports.safe import write_sheet
from dashboard.services.rules_store import rules_for_month
from domain import staffing
from domain.evidence import verdict_allowed
from domain.formatting import half_up
from domain.rules import Limits, Rules
from domain.vocabulary import (
    ACTIONS,
    ANALYST,
    DISPATCHER,
    PROJECT_MANAGER,
    QC,
    RETURNER,
    SHIFTS,
    STAFF_ROLES,
    SUPERVISOR,
    VERIFIER,
)
from queries import forecast, standup
from queries import staff as staff_queries

SHEETS = ("昨日概况", "当班", "待办工单", "行动项", "人员明细")
STANDUP_TIME = time(8, 30)


def _value(num: int, den: int | None) -> Decimal | None:
    """A share to 4 decimals, half-up, from exact integers (None when there is nothing to judge)."""
    if den is None or den == 0:
        return None
    return half_up(Fraction(num, den), 4)


def with_targets(measures: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The group measures with value, target and verdict, Chinese columns."""
    cols = ["组别", "指标", "数量", "分母", "实际", "目标", "结果"]
    out: dict[str, list] = {c: [] for c in cols}
    for group, label, num, den, indicator in zip(measures["group"].tolist(), measures["label"].tolist(),
                                                 measures["numerator"].tolist(), measures["denominator"].tolist(),
                                                 measures["indicator"].tolist()):
        den = None if den is None or pd.isna(den) else int(den)
        value = _value(int(num), den)
        target = None
        verdict = "—"
        if isinstance(indicator, str) and indicator:
            ind = rules.indicator(indicator)
            target = Decimal(ind["target"])
            if value is not None and not verdict_allowed(den):
                verdict = staffing.SMALL_SAMPLE      # a verdict needs MIN_VERDICT_ITEMS items
            elif value is not None:
                ok = value <= target if ind.get("lower_is_better") else value >= target
                verdict = "达标" if ok else "未达标"
        for c, v in zip(cols, (group, label, int(num), den, value, target, verdict)):
            out[c].append(v)
    # ints stay ints and blanks None (not NaN floats) where a share has no denominator
    return pd.DataFrame({c: pd.Series(out[c], dtype=object if c in ("分母", "实际", "目标") else None)
                         for c in cols}, columns=cols)


ERROR_COLUMN = {  # per role: what counts as its errors in the per-person table
    DISPATCHER: ("wrong_dispatches", "派单错误（被改派）"),
    RETURNER: (None, "退单被驳回"),
    QC: ("escapes", "质检漏检"),
    VERIFIER: (None, "协查超时"),
    ANALYST: ("reports_with_errors", "报表有误"),
}


def person_table(conn: Connection | None, *, start: datetime, end: datetime, now: datetime, limits: Limits,
                 team: str | None = None, counts: dict[str, pd.DataFrame] | None = None,
                 performance: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every person of the five specialist roles in one layout: volume, on-time, errors, shifts, rank.
    `counts`: {role: staff.role_counts(...)} of the same period when already read; `performance`:
    {role: staff.staff_performance(...)} of the same period and team when already read (then no
    query is made)."""
    cols = ["岗位", "工号", "姓名", "班组", "业务量", "及时", "判定", "及时率", "差错", "差错说明", "计划班次", "到岗班次", "排名"]
    out: dict[str, list] = {c: [] for c in cols}
    for role in STAFF_ROLES:
        df = (performance or {}).get(role)
        if df is None:
            df = staff_queries.staff_performance(conn, role=role, start=start, end=end, now=now, team=team, limits=limits,
                                      counts=(counts or {}).get(role))
        sample, num, den = staff_queries.RANK_BASIS[role]
        col, label = ERROR_COLUMN[role]
        ints = {c: df[c].to_numpy(dtype=np.int64) for c in {sample, num, den, "planned_shifts", "attended_shifts"}}
        if role == RETURNER:
            errors = df["decided"].to_numpy(dtype=np.int64) - df["approved"].to_numpy(dtype=np.int64)
        elif role == VERIFIER:
            errors = df["verify_judged"].to_numpy(dtype=np.int64) - df["done_on_time"].to_numpy(dtype=np.int64)
        else:
            errors = df[col].to_numpy(dtype=np.int64)
        nums, dens = ints[num].tolist(), ints[den].tolist()
        rank_errors = (df[staff_queries.RANK_ERRORS[role]].to_numpy(dtype=np.int64).tolist()
                       if role in staff_queries.RANK_ERRORS else [0] * len(df))
        ranks = staffing.rank_labels(ints[sample].tolist(), [staffing.rank_score(n, d, e) for n, d, e in
                                                             zip(nums, dens, rank_errors)], errors=rank_errors)
        shares = [staffing.share(n, d) for n, d in zip(nums, dens)]
        n_people = len(df)
        out["岗位"] += [role] * n_people
        out["工号"] += df["staff_no"].tolist()
        out["姓名"] += df["name"].tolist()
        out["班组"] += df["team"].tolist()
        out["业务量"] += ints[sample].tolist()
        out["及时"] += nums
        out["判定"] += dens
        out["及时率"] += [None if x is None else half_up(x, 4) for x in shares]
        out["差错"] += errors.tolist()
        out["差错说明"] += [label] * n_people
        out["计划班次"] += ints["planned_shifts"].tolist()
        out["到岗班次"] += ints["attended_shifts"].tolist()
        out["排名"] += list(ranks)
    # one frame from the five roles' columns (a frame per role and a concat cost more than the figures)
    frame = pd.DataFrame(out, columns=cols)
    for c in ("业务量", "及时", "判定", "差错", "计划班次", "到岗班次"):
        frame[c] = frame[c].astype("int64")
    frame["及时率"] = pd.Series(out["及时率"], dtype=object)
    return frame


@dataclass
class StandupPack:
    day: date
    now: datetime
    yesterday: date
    shift: str
    shift_start: datetime
    shift_end: datetime
    yesterday_groups: pd.DataFrame
    shift_groups: pd.DataFrame
    worst_delays: pd.DataFrame
    errors: pd.DataFrame
    act_today: pd.DataFrame
    act_counts: dict
    actions: pd.DataFrame
    people: pd.DataFrame
    surge: dict
    misses: pd.DataFrame          # yesterday's 未达标 lines, whole day and per shift, with 跟进人


def shift_moment(day: date, now: datetime) -> datetime:
    """The moment whose shift is "the shift now running" for the stand-up of `day`."""
    return now if now.date() == day else datetime.combine(day, STANDUP_TIME)


DELAY_COLUMNS = {"kind": "类型", "ticket_no": "工单编号", "staff_no": "工号", "due_at": "应完成时间",
                 "done_at": "实际完成时间", "overrun_minutes": "超时（分钟）"}
ERRORS_CN = {"kind": "类型", "ticket_no": "工单编号", "staff_no": "工号", "action_at": "操作时间",
             "evidence_action": "证据操作", "evidence_at": "证据时间", "evidence_staff_no": "证据工号",
             "evidence_unit": "证据单位", "evidence_detail": "证据说明"}
ACT_COLUMNS = {"ticket_no": "工单编号", "reason": "关注原因", "stage": "阶段", "sla_class": "时限类型",
               "received_at": "接收时间", "deadline_at": "办结时限", "street": "街乡镇", "unit": "承办单位",
               "urge_count": "催办次数", "overdue_minutes": "超期（分钟）"}
MISS_COLUMNS = ["班次", "组别", "指标", "数量", "分母", "实际", "目标", "结果", "跟进人"]


def misses_with_owner(whole_day: pd.DataFrame, by_shift: dict[str, pd.DataFrame], leads: pd.DataFrame) -> pd.DataFrame:
    """Yesterday's 未达标 lines — of the whole day, then of each shift in the order they ran — each
    with who follows it up (domain.staffing.follow_up_owner over the roster's `leads`,
    queries.standup.duty_leads). A line under MIN_VERDICT_ITEMS items has no verdict (样本不足),
    so it is never a miss."""
    supervisors = [(r.shift, r.name, bool(r.present)) for r in leads.itertuples() if r.role == SUPERVISOR]
    managers = [r.name for r in leads.itertuples() if r.role == PROJECT_MANAGER]
    parts = []
    for shift, groups in [(staffing.WHOLE_DAY, whole_day), *by_shift.items()]:
        missed = groups[groups["结果"] == "未达标"].copy()
        missed.insert(0, "班次", shift)
        missed["跟进人"] = staffing.follow_up_owner(shift, supervisors, managers)
        parts.append(missed)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out.reindex(columns=MISS_COLUMNS).reset_index(drop=True)


ACTIONS_CN = {"id": "编号", "created_on": "提出日期", "owner": "责任人", "text": "行动内容", "due": "完成期限",
              "status": "状态", "created_by": "记录人", "updated_at": "更新时间", "carried_over": "延续"}


@dataclass
class PackReads:
    """The stand-up pack as independent reads (`parts`: name → part(connection)) and the step that
    puts their results together (`assemble`): a caller may read the parts beside its own."""
    parts: dict[str, Callable[[Connection], Any]]
    assemble: Callable[[dict[str, Any]], StandupPack]


def standup_pack(conn: Connection, *, day: date, now: datetime, team: str | None = None,
                 engine: Engine | None = None) -> StandupPack:
    """The stand-up's figures. With `engine`, the independent parts (pack_reads) are read at the
    same time on their own connections: about thirty queries that took half a second one after
    another on PostgreSQL at 3 million tickets."""
    reads = pack_reads(conn, day=day, now=now, team=team)
    got = (concurrently(engine, list(reads.parts.values())) if engine is not None
           else [part(conn) for part in reads.parts.values()])
    return reads.assemble(dict(zip(reads.parts, got)))


def pack_reads(conn: Connection, *, day: date, now: datetime, team: str | None = None,
               keep: Callable[[], Engine] | None = None) -> PackReads:
    """The pack's parts — yesterday's per-工号 counts of each role, the roster with the shifts worked,
    the current shift, the delays, the errors, today's lists — heaviest first (a pool takes them
    in this order); the group lines and the per-person table are then made from those frames
    without another query. `keep`: the writers' engine, to keep today's intake forecast for the
    day (dashboard.services.day_figures)."""
    yesterday = day - timedelta(days=1)
    rules = rules_for_month(conn, f"{yesterday:%Y-%m}")
    limits = rules.limits()
    y_start = datetime.combine(yesterday, time())
    y_end = y_start + timedelta(days=1)
    moment = shift_moment(day, now)
    _, shift, s_start, s_end = staffing.current_shift(moment)
    as_of = min(now, s_end)

    def yesterday_role(role: str):
        # one role's per-工号 counts of yesterday, read once per 工号 and shift: the shifts split
        # the day, so the day's group lines and per-person table are their sums and each shift's
        # own lines their parts; one part per role, so the heavy roles run side by side
        def part(c: Connection):
            return staff_queries.role_counts(c, role, start=y_start, end=y_end, now=now, limits=limits, by_shift=True)
        return part

    def people_part(c: Connection):
        # who was employed and their shifts, read once for the five roles' per-person tables
        return (staff_queries.roster(c, role=None, start=y_start, end=y_end, team=team),
                staff_queries.shift_counts(c, start=y_start, end=y_end, now=now),
                staff_queries.dispatcher_medians(c, start=y_start, end=y_end, now=now))

    def shift_part(c: Connection):
        return with_targets(standup.group_measures(c, start=s_start, end=s_end, now=as_of, limits=limits), rules)

    def leads_part(c: Connection):
        return standup.duty_leads(c, day=yesterday)

    def delays_part(c: Connection):
        return standup.worst_delays(c, start=y_start, end=y_end, now=now).rename(columns=DELAY_COLUMNS)

    def errors_part(c: Connection):
        errs = staff_queries.errors_with_evidence(c, start=y_start, end=y_end, now=now, limits=limits)
        errs["evidence_action"] = errs["evidence_action"].map(lambda a: ACTIONS.get(a, "报表"))
        return errs.rename(columns=ERRORS_CN)

    def today_part(c: Connection):
        act = standup.act_today(c, now=now).rename(columns=ACT_COLUMNS)
        actions = standup.actions_for(c, day=day)
        actions["carried_over"] = actions["carried_over"].map({True: "是", False: "否"})
        calendar = calendar_days.load(c)     # day_kind reads the calendar table's holidays
        # today's forecast as every page of the day reads it (kept for the day through `keep`)
        fc = day_figures.intake_forecast(c, now.date(), day_figures.data_until(now.date(), now), keep=keep)
        surge = forecast.surge_status(c, now, kind_of=staffing.day_kind, fc=fc, knows=calendar.knows_all)
        return act, standup.act_today_counts(c, now=now), actions.rename(columns=ACTIONS_CN), surge

    parts = {DISPATCHER: yesterday_role(DISPATCHER), QC: yesterday_role(QC), "today": today_part,
             "shift": shift_part, "errors": errors_part, "delays": delays_part,
             **{role: yesterday_role(role) for role in (VERIFIER, RETURNER, ANALYST)}, "people": people_part,
             "leads": leads_part}

    def assemble(got: dict[str, Any]) -> StandupPack:
        act, act_counts, actions, surge = got["today"]
        s_groups, errs, delays = got["shift"], got["errors"], got["delays"]
        employed, shifts_worked, medians = got["people"]
        day_counts = {role: staff_queries.summed_shifts(got[role]) for role in STAFF_ROLES}
        y_groups = with_targets(standup.group_measures(None, start=y_start, end=y_end, now=now, limits=limits,
                                                       counts=day_counts), rules)
        performance = {role: staff_queries.staff_performance(
            None, role=role, start=y_start, end=y_end, now=now, team=team, limits=limits, counts=day_counts[role],
            people=employed, shifts_worked=shifts_worked, medians=medians) for role in STAFF_ROLES}
        people = person_table(None, start=y_start, end=y_end, now=now, limits=limits, team=team, performance=performance)
        # each of yesterday's shifts judged on its own (the night shift often has too few items)
        sums_by_shift = {role: staff_queries.shift_sums(got[role]) for role in STAFF_ROLES}
        y_shifts = {}
        for name in SHIFTS:
            start, end = staffing.shift_bounds(yesterday, name)
            y_shifts[name] = with_targets(standup.group_measures(None, start=start, end=end, now=now, limits=limits,
                                                                 sums={role: sums_by_shift[role][name]
                                                                       for role in STAFF_ROLES}), rules)
        misses = misses_with_owner(y_groups, y_shifts, got["leads"])
        return StandupPack(day, now, yesterday, shift, s_start, s_end, y_groups, s_groups, delays,
                           errs, act, act_counts, actions, people, surge, misses)

    return PackReads(parts, assemble)


# --- workbook ------------------------------------------------------------------------------------

PERCENT_COLUMNS = {"实际", "目标", "及时率"}
DATETIME_COLUMNS = {"应完成时间", "实际完成时间", "操作时间", "证据时间", "接收时间", "办结时限", "更新时间"}
DATE_COLUMNS = {"提出日期", "完成期限"}


def _table(ws, df: pd.DataFrame, title: str | None = None) -> None:
    """A titled table appended below what the sheet holds, with formats and widths."""
    from openpyxl.styles import Alignment, Font, PatternFill

    if title:
        if ws.max_row > 1 or ws.cell(1, 1).value is not None:
            ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    header_row = ws.max_row + 1 if (ws.max_row > 1 or ws.cell(1, 1).value is not None) else 1
    sub = ws.parent.create_sheet("_tmp")
    write_sheet(sub, df)
    for r, row in enumerate(sub.iter_rows(values_only=False), start=header_row):
        for c, cell in enumerate(row, start=1):
            target = ws.cell(r, c, cell.value)
            target.number_format = cell.number_format
    ws.parent.remove(sub)
    head_fill = PatternFill("solid", fgColor="1F4E79")
    for c, name in enumerate(df.columns, start=1):
        cell = ws.cell(header_row, c)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        fmt = ("0.00%" if name in PERCENT_COLUMNS else "yyyy-mm-dd hh:mm" if name in DATETIME_COLUMNS
               else "yyyy-mm-dd" if name in DATE_COLUMNS else None)
        if fmt:
            for r in range(header_row + 1, header_row + 1 + len(df)):
                ws.cell(r, c).number_format = fmt
        elif pd.api.types.is_integer_dtype(df[name]):
            for r in range(header_row + 1, header_row + 1 + len(df)):
                ws.cell(r, c).number_format = "#,##0"


def _finish(ws, freeze: str = "A2") -> None:
    from openpyxl.utils import get_column_letter

    for col in ws.columns:
        letter = get_column_letter(col[0].column)
        longest = 0
        for cell in col:
            v = cell.value
            if v is None:
                continue
            text = f"{v:%Y-%m-%d %H:%M}" if isinstance(v, datetime) else str(v)
            # CJK characters take two columns
            longest = max(longest, sum(2 if ord(ch) > 0x2E80 else 1 for ch in text[:60]))
        ws.column_dimensions[letter].width = max(8, min(longest + 2, 60))
    ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def build_standup_workbook(conn: Connection, day: date, now: datetime | None = None) -> bytes:
    """The stand-up workbook of `day` as of `now` (default: 08:30 of that day, or the current
    time when `day` is today): sheets 昨日概况, 当班, 待办工单, 行动项, 人员明细."""
    if now is None:
        current = datetime.now().replace(microsecond=0)
        now = current if day == current.date() else datetime.combine(day, STANDUP_TIME)
    return render_standup_workbook(standup_pack(conn, day=day, now=now))


def render_standup_workbook(pack: StandupPack) -> bytes:
    """The workbook of an assembled pack (the page passes the pack it shows)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)

    ws = wb.create_sheet("昨日概况")
    _table(ws, pack.yesterday_groups)
    _table(ws, pack.worst_delays, "最严重的超时（前 10）")
    _table(ws, pack.errors, "差错及证据")
    _table(ws, pack.misses, "昨日未达标及跟进人（全天与分班次）")
    ws.oddHeader.center.text = f"班前会 {pack.day:%Y-%m-%d} · 昨日（{pack.yesterday:%Y-%m-%d}）各组概况"

    ws = wb.create_sheet("当班")
    _table(ws, pack.shift_groups)
    ws.append([])
    ws.append([f"{pack.shift}（{pack.shift_start:%m-%d %H:%M}–{pack.shift_end:%H:%M}），数据截至 {min(pack.now, pack.shift_end):%Y-%m-%d %H:%M}"])
    ws.append([pack.surge["message"]])

    ws = wb.create_sheet("待办工单")
    _table(ws, pack.act_today)

    ws = wb.create_sheet("行动项")
    _table(ws, pack.actions)

    ws = wb.create_sheet("人员明细")
    _table(ws, pack.people)

    for sheet in wb.worksheets:
        _finish(sheet, "C2" if sheet.title == "人员明细" else "A2")
        sheet.print_title_rows = "1:1"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
