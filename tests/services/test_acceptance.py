"""The acceptance workbook re-read with openpyxl equals `kpi --json` (same engine), on both engines."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from dashboard.services.assessment import signoff
from dashboard.services.reports.acceptance import build_acceptance_workbook
from queries.schema import manual_items
from tests.support.assessment_fixture import EVENTS, MANUAL, REPORTS, SHIFTS, SMALL_REQUIRED, STAFF, TICKETS, kpi, load

NOW = "2026-01-05 12:00:00"
SHEETS = ["考核汇总", "月度指标明细", "加扣分", "人员配置与资质", "设备", "付款计算", "签核记录"]


def table(ws, header_row=3):
    header = [c.value for c in ws[header_row]]
    rows = []
    for r in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(v is None for v in r):
            break
        rows.append(dict(zip(header, r, strict=True)))
    return rows


def num(v) -> Decimal:
    return Decimal(str(v))


def test_workbook_equals_kpi(engine):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, shifts_=SHIFTS, reports_=REPORTS, manual=MANUAL,
         required=SMALL_REQUIRED)
    with engine.begin() as conn:
        conn.execute(manual_items.insert().values(month="2026-01", item_type="扣分", points="1",
                                                  reason="=HYPERLINK(\"x\")", entered_by="t"))
        signoff.vendor_confirm(conn, "2025-12", "m", "manager", now=datetime(2026, 1, 5, 9, 0))
        signoff.approve(conn, "2025-12", "r", "reviewer", now=datetime.fromisoformat(NOW))
    with engine.connect() as conn:
        data = build_acceptance_workbook(conn, day=date(2026, 1, 5), now=datetime.fromisoformat(NOW))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == SHEETS
    expected = {m: kpi(engine, month=m, now=NOW) for m in ("2025-12", "2026-01")}

    summary = table(wb["考核汇总"])
    assert [r["月份"] for r in summary] == ["2025-12", "2026-01"]
    for r in summary:
        k = expected[r["月份"]]
        assert num(r["考核得分"]) == Decimal(k["score"])
        assert num(r["付款系数"]) == Decimal(k["payment_factor"])
        assert num(r["应付金额"]) == Decimal(k["amount"])
        assert num(r["考核扣款"]) == Decimal(k["deduction"])
    assert summary[0]["状态"] == "已冻结"

    details = table(wb["月度指标明细"])
    assert len(details) == 24
    for r in details:
        ind = expected[r["月份"]]["indicators"][r["指标代码"]]
        assert (r["分子"], r["分母"]) == (ind["numerator"], ind["denominator"])
        if ind["value"] is None:
            assert r["实际值"] is None
        else:
            assert num(r["实际值"]) == Decimal(ind["value"])
        assert num(r["得分"]) == Decimal(ind["points"])

    ws = wb["月度指标明细"]
    assert ws.freeze_panes == "A4" and ws.page_setup.orientation == "landscape"
    assert ws.cell(4, 6).number_format == "0.00%"
    assert wb["考核汇总"].cell(4, 12).number_format == "#,##0.00"

    items = table(wb["加扣分"])
    assert len(items) == 5
    assert items[-1]["事由"].startswith("'=")                      # formula neutralised
    pay = table(wb["付款计算"])
    assert num(pay[0]["应付金额"]) == Decimal(expected["2025-12"]["amount"])
    assert pay[2]["状态"] == "待考核" and pay[2]["应付金额"] is None
    # the payable of the months with a result so far: 2025-12 signed off and 2026-01 a live estimate,
    # named 已测算 (已考核 means signed off)
    totals = {r[0]: r[1] for r in wb["付款计算"].iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert "已考核月份应付合计" not in totals
    assert num(totals["已测算月份应付合计"]) == Decimal(expected["2025-12"]["amount"]) + Decimal(expected["2026-01"]["amount"])

    sign = table(wb["签核记录"])
    assert sign[0]["状态"] == "已冻结" and len(sign[0]["内容哈希"]) == 64 and sign[0]["哈希核对"] == "一致"
    assert sign[1]["状态"] == "草稿"
