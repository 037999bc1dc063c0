"""验收材料: the acceptance pack (`report acceptance`, docs/cli.md), one formatted workbook from
the same engine as the pages and `kpi`. Cells go through dashboard.services.exports.safe (text
neutralised, numbers as numbers, Decimals exact)."""
from __future__ import annotations

import io
from datetime import date, datetime, time
from fractions import Fraction

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Connection

from dashboard.services.assessment import signoff, views
from dashboard.services.assessment.engine import month_result
from dashboard.services.exports.safe import write_sheet
from dashboard.services.rules_store import current_rules, rules_for_month
from domain.formatting import equipment_text, share_text
from domain.payment import month_index
from domain.qualifications import BACHELOR_SHARE, bachelor_share_ok
from domain.scoring import to_decimal
from domain.vocabulary import NO_DATA
from queries.evidence import manual_item_rows

RATE_PLACES = 6      # as `kpi --json`
POINT_PLACES = 6

FMT = {
    "pct": "0.00%", "money": "#,##0.00", "score": "0.00", "factor": "0.0000", "int": "#,##0", "points": "0.00",
    "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd",
}
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="BFBFBF")


def _dec(x, places):
    return None if x is None else to_decimal(x, places)


def _block(ws, df: pd.DataFrame, formats: dict[str, str], *, title: str | None = None) -> tuple[int, int]:
    """Append an optional section title and a table; returns (header row, last row)."""
    if title:
        if ws.max_row > 1 or ws.cell(1, 1).value is not None:
            ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    write_sheet(ws, df)
    last = ws.max_row
    header = last - len(df)
    for j, col in enumerate(df.columns, start=1):
        c = ws.cell(header, j)
        c.fill, c.font = HEADER_FILL, HEADER_FONT
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        fmt = formats.get(col)
        for i in range(header + 1, last + 1):
            cell = ws.cell(i, j)
            cell.border = Border(bottom=THIN)
            if fmt:
                cell.number_format = FMT[fmt]
    return header, last


def _sheet(wb, name: str, title: str, subtitle: str):
    ws = wb.create_sheet(name)
    ws.append([title])
    ws.cell(1, 1).font = TITLE_FONT
    ws.append([subtitle])
    ws.cell(2, 1).font = Font(italic=True, color="595959")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:3"
    return ws


def _finish(ws, widths: dict[int, float] | None = None, freeze: str = "A4") -> None:
    ws.freeze_panes = freeze
    for j in range(1, ws.max_column + 1):
        longest = 0
        for (cell,) in ws.iter_rows(min_row=3, min_col=j, max_col=j):
            v = cell.value
            if v is None:
                continue
            s = str(v)
            longest = max(longest, sum(2 if ord(ch) > 127 else 1 for ch in s))
        width = (widths or {}).get(j) or min(max(longest + 2, 8), 60)
        ws.column_dimensions[get_column_letter(j)].width = width


def build_acceptance_workbook(conn: Connection, *, day: date, now: datetime | None = None, **_options) -> bytes:
    """All contract months up to `day` (as of `now`, default the end of `day`)."""
    now = now or datetime.combine(day, time(23, 59, 59))
    start = views.contract_start(conn)
    months = _months_up_to(day, start, now)
    results = [month_result(conn, m, now) for m in months]
    stamp = f"截至 {day:%Y-%m-%d} · 计算时点 {now:%Y-%m-%d %H:%M:%S} · 生成于 {datetime.now():%Y-%m-%d %H:%M}"

    wb = Workbook()
    wb.remove(wb.active)
    _summary_sheet(wb, results, stamp)
    _indicators_sheet(wb, results, stamp)
    _manual_items_sheet(wb, conn, results, stamp)
    _staffing_sheet(wb, conn, day, stamp)
    _equipment_sheet(wb, conn, stamp)
    _payment_sheet(wb, conn, now, start, stamp)
    _signoff_sheet(wb, conn, months, stamp)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _months_up_to(day: date, start: str, now: datetime) -> list[str]:
    """The contract months from the start up to the month of `day` (at most the contract's 12)."""
    last = min(month_index(f"{day:%Y-%m}", start), views.CONTRACT_MONTHS)
    return views.contract_months(start, now)[:max(last, 0)]


_SUMMARY_COLUMNS = ["合同月", "月份", "状态", "指标得分", "加分", "扣分", "一票否决", "考核得分", "档位", "付款系数",
                    "月服务费", "应付金额", "考核扣款", "整改"]


def _or_no_data(value):
    """A month without data has no score, factor, amount or deduction: the cell says so."""
    return NO_DATA if value is None else value


def _summary_sheet(wb: Workbook, results: list, stamp: str) -> None:
    """考核汇总: one row per month."""
    ws = _sheet(wb, "考核汇总", "通州区接诉即办服务项目 月度考核汇总", stamp)
    summary = pd.DataFrame([{
        "合同月": r.contract_month, "月份": r.month, "状态": views.state_text(views.state_label(r), r.calendar_confirmed),
        "指标得分": _dec(r.points_total, 2) if r.has_data else NO_DATA, "加分": _dec(r.bonus, 2),
        "扣分": _dec(r.deductions, 2), "一票否决": "是" if r.veto else "否", "考核得分": _or_no_data(r.score),
        "档位": r.band, "付款系数": _or_no_data(r.payment_factor), "月服务费": r.monthly_fee,
        "应付金额": _or_no_data(r.amount), "考核扣款": _or_no_data(r.deduction), "整改": "需整改" if r.rectify else "",
    } for r in results], columns=_SUMMARY_COLUMNS)
    _block(ws, summary, {"指标得分": "points", "加分": "points", "扣分": "points", "考核得分": "score",
                         "付款系数": "factor", "月服务费": "money", "应付金额": "money", "考核扣款": "money"})
    _finish(ws)


def _indicators_sheet(wb: Workbook, results: list, stamp: str) -> None:
    """月度指标明细: one row per month and indicator."""
    ws = _sheet(wb, "月度指标明细", "月度考核指标明细（实际值 = 分子 / 分母；分母为 0 记满分）", stamp)
    rows = [{"月份": r.month, "指标代码": i.key, "指标": i.label, "分子": i.numerator, "分母": i.denominator,
             "实际值": _dec(i.value, RATE_PLACES), "目标": _dec(i.target, 4), "底线/上限": _dec(i.floor, 4),
             "越低越好": "是" if i.lower_is_better else "否", "权重": _dec(i.weight, 2),
             "得分": _dec(i.points, POINT_PLACES), "失分": _dec(i.points_lost, POINT_PLACES)}
            for r in results for i in r.indicators]
    _block(ws, pd.DataFrame(rows), {"分子": "int", "分母": "int", "实际值": "pct", "目标": "pct", "底线/上限": "pct",
                                    "权重": "points", "得分": "points", "失分": "points"})
    _finish(ws)


_MANUAL_ITEM_COLUMNS = ["月份", "类型", "分值", "事由", "录入人", "录入时间"]


def _manual_items_sheet(wb: Workbook, conn: Connection, results: list, stamp: str) -> None:
    """加扣分: every month's bonuses, deductions and vetoes."""
    ws = _sheet(wb, "加扣分", "加扣分与一票否决（加分合计封顶 5 分，扣分另计）", stamp)
    items = [row for r in results for row in _manual_item_rows(conn, r)]
    _block(ws, pd.DataFrame(items, columns=_MANUAL_ITEM_COLUMNS), {"分值": "points", "录入时间": "datetime"})
    _finish(ws, {4: 50})


def _manual_item_rows(conn: Connection, r) -> list[dict]:
    """A month's items as stored (with when they were entered); a frozen month's, or a month
    without stored items, as its result holds them."""
    stored = manual_item_rows(conn, month=r.month) if not r.frozen else None
    if stored is not None and not stored.empty:
        return [{"月份": r.month, "类型": m.item_type, "分值": _dec(Fraction(m.points), 2), "事由": m.reason,
                 "录入人": m.entered_by, "录入时间": m.entered_at} for m in stored.itertuples(index=False)]
    return [{"月份": r.month, "类型": m.item_type, "分值": _dec(m.points, 2), "事由": m.reason,
             "录入人": m.entered_by, "录入时间": None} for m in r.manual_items]


def _staffing_sheet(wb: Workbook, conn: Connection, day: date, stamp: str) -> None:
    """人员配置与资质: head count per role, the bachelor share and every person's qualifications."""
    ws = _sheet(wb, "人员配置与资质", f"人员配置与资质（在岗口径：{day:%Y-%m-%d}）", stamp)
    quals = views.qualification_table(conn, day)
    required = rules_for_month(conn, f"{day:%Y-%m}").required_heads()
    _block(ws, _headcount_frame(quals, required), {"合同要求": "int", "在岗人数": "int", "缺口": "int", "资质不达标人数": "int"})
    _bachelor_share_row(ws, conn, day)
    _block(ws, quals, {"管理团队规模": "int", "打字速度": "int"}, title="人员资质核查")
    _finish(ws, {1: 16, 2: 10, 11: 60})


def _headcount_frame(quals: pd.DataFrame, required: dict[str, int]) -> pd.DataFrame:
    """Per contract role: required, on duty, shortfall and how many fall short of the qualifications."""
    heads = quals.groupby("岗位").size() if not quals.empty else pd.Series(dtype=int)
    return pd.DataFrame([{"岗位": role, "合同要求": need, "在岗人数": int(heads.get(role, 0)),
                          "缺口": max(need - int(heads.get(role, 0)), 0),
                          "资质不达标人数": int(((quals["岗位"] == role) & (quals["是否达标"] == "不达标")).sum())
                          if not quals.empty else 0}
                         for role, need in required.items()])


def _bachelor_share_row(ws, conn: Connection, day: date) -> None:
    """After a blank row: the specialists' full-time bachelor share against the contract's minimum."""
    share, bachelors, specialists = views.bachelor_share(conn, day)
    ws.append([])
    ws.append(["派单/退单/质检/协查专员全日制本科占比", _dec(share, 4) if share is not None else None,
               f"{bachelors} / {specialists}", f"要求 ≥ {share_text(BACHELOR_SHARE)}",
               "达标" if bachelor_share_ok(share) else "不达标"])
    ws.cell(ws.max_row, 2).number_format = FMT["pct"]


def _equipment_sheet(wb: Workbook, conn: Connection, stamp: str) -> None:
    """设备: registered equipment against the contract."""
    rules = current_rules(conn)   # the version the equipment page checks against
    ws = _sheet(wb, "设备", f"设备配置（合同：{equipment_text(rules.equipment_required, '，')}，租赁）", stamp)
    _block(ws, views.equipment_table(conn, rules), {"合同要求": "int", "登记总数": "int", "在用": "int", "其中租赁": "int",
                                             "缺口": "int"})
    _finish(ws)


def _payment_sheet(wb: Workbook, conn: Connection, now: datetime, start: str, stamp: str) -> None:
    """付款计算: the months' amounts, the instalments and the contract year's totals."""
    ws = _sheet(wb, "付款计算", "付款计算（月服务费 × 付款系数；尾款 = 月服务费 − 各月考核扣款之和）", stamp)
    pv = views.payment_view(conn, now)
    months = pv.months.copy()
    gap = months["状态"] == views.NO_DATA_LABEL
    for column in ("考核得分", "付款系数", "应付金额", "考核扣款"):
        months[column] = months[column].astype(object).where(~gap, NO_DATA)
    months["状态"] = pv.shown_states()
    _block(ws, months, {"月服务费": "money", "考核得分": "score", "付款系数": "factor", "应付金额": "money",
                                  "考核扣款": "money"})
    _block(ws, pv.instalments.copy(), {"金额": "money", "应付日期": "date", "实付日期": "date"}, title="分期付款")
    _block(ws, _payment_totals_frame(pv.totals), {"金额": "money"}, title="合同年度合计（自 " + start + " 起）")
    _finish(ws, {4: 40})


def _payment_totals_frame(t: dict) -> pd.DataFrame:
    return pd.DataFrame([
        {"项目": "合同年度服务费", "金额": t["contract_fee"]},
        {"项目": f"{views.COMPUTED_MONTHS}应付合计", "金额": t["payable_computed"]},
        {"项目": "各月考核扣款合计", "金额": t["total_deductions"]},
        {"项目": "三期合计", "金额": t["instalments_total"]},
        {"项目": "应追回金额", "金额": t["to_recover"]},
    ])


_SIGNOFF_COLUMNS = ["月份", "状态", "乙方确认人", "乙方确认时间", "甲方审定人", "甲方审定时间", "内容哈希", "哈希核对"]


def _signoff_sheet(wb: Workbook, conn: Connection, months: list[str], stamp: str) -> None:
    """签核记录: each month's sign-off state, and whether its frozen hash still matches the data."""
    ws = _sheet(wb, "签核记录", "签核记录（冻结内容哈希 SHA-256 与按当前数据重算的核对结果）", stamp)
    rows = [_signoff_row(conn, m) for m in months]
    _block(ws, pd.DataFrame(rows, columns=_SIGNOFF_COLUMNS), {"乙方确认时间": "datetime", "甲方审定时间": "datetime"})
    _finish(ws, {7: 70})


def _signoff_row(conn: Connection, month: str) -> dict:
    s = signoff.status(conn, month)
    check = "—"
    if s["content_hash"]:
        check = "一致" if signoff.verify_hash(conn, month) else "不一致"
    return {"月份": month, "状态": signoff.STATE_LABELS.get(s["state"], s["state"]),
            "乙方确认人": s["vendor_confirmed_by"] or "", "乙方确认时间": s["vendor_confirmed_at"],
            "甲方审定人": s["approved_by"] or "", "甲方审定时间": s["approved_at"],
            "内容哈希": s["content_hash"] or "", "哈希核对": check}
