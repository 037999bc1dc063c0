"""A month without any ticket, event, shift, report or manual item is a gap in the data: no score,
factor, amount or deduction (null in `kpi --json`, 「无数据」 in its text output — the indicator points' total too — and in
the workbooks), not counted as
assessed, no deduction in the instalments, and it cannot be signed off. The months with data keep
their figures (the hand-made December 2025 of tests/support/assessment_fixture.py)."""
from __future__ import annotations

import contextlib
import io
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from dashboard.cli.main import main
from dashboard.services.assessment import signoff, views
from dashboard.services.assessment.engine import month_result
from dashboard.services.reports.acceptance import build_acceptance_workbook
from queries.schema import month_signoffs
from tests.support.assessment_fixture import (
    EVENTS,
    MANUAL,
    REPORTS,
    SHIFTS,
    SMALL_REQUIRED,
    STAFF,
    TICKETS,
    ZERO_REQUIRED,
    kpi,
    load,
)

NO_SCORE = ("score", "payment_factor", "amount", "deduction")


def load_december(engine):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, shifts_=SHIFTS, reports_=REPORTS, manual=MANUAL,
         required=SMALL_REQUIRED)


def test_kpi_json_of_a_month_without_data_is_null(engine):
    load_december(engine)
    empty = kpi(engine, month="2026-02", now="2026-02-20 12:00:00")
    for key in NO_SCORE:
        assert empty[key] is None, key
    december = kpi(engine, month="2025-12", now="2026-02-20 12:00:00")
    # every other field is still there, in the same shape as a month with data
    assert set(empty) == set(december)
    assert set(empty["indicators"]) == set(december["indicators"])
    assert empty["indicators"]["sign_on_time_rate"]["denominator"] == 0
    if "calendar_confirmed" in empty:
        assert isinstance(empty["calendar_confirmed"], bool)
    # the month with data keeps its figures
    assert (december["score"], december["payment_factor"]) == ("2.50", "0.70")
    assert (december["amount"], december["deduction"]) == ("498120.00", "213480.00")


def _kpi_text(engine, month: str, now: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--db", engine.url.render_as_string(hide_password=False), "kpi", "--month", month,
                     "--now", now]) == 0
    return out.getvalue().splitlines()


def test_kpi_text_of_a_month_without_data_says_no_data(sqlite_engine):
    load_december(sqlite_engine)
    empty = _kpi_text(sqlite_engine, "2026-02", "2026-02-20 12:00:00")
    assert "指标得分合计: 无数据" in empty                         # not the full weights' 95.00
    assert not any(line.startswith("指标得分合计: ") and line != "指标得分合计: 无数据" for line in empty)
    assert any(line.startswith("考核得分: 无数据") for line in empty)
    december = _kpi_text(sqlite_engine, "2025-12", "2026-02-20 12:00:00")
    points = sum(Decimal(i["points"]) for i in kpi(sqlite_engine, "2025-12", "2026-02-20 12:00:00")["indicators"].values())
    assert f"指标得分合计: {points.quantize(Decimal('0.01'), ROUND_HALF_UP)}" in december
    assert any(line.startswith("考核得分: 2.50") for line in december)


def test_a_manual_item_alone_is_data(sqlite_engine):
    load(sqlite_engine, manual=[("扣分", "1", "有效投诉")], required=ZERO_REQUIRED)
    with sqlite_engine.connect() as conn:
        r = month_result(conn, "2025-12", datetime(2025, 12, 31, 23, 59))
    assert r.has_data and str(r.score) == "99.00"


def test_data_after_now_does_not_count(sqlite_engine):
    load(sqlite_engine, tickets_=[("T1", "2025-12-20 08:00:00")])
    with sqlite_engine.connect() as conn:
        assert month_result(conn, "2025-12", datetime(2025, 12, 31)).has_data
        assert not month_result(conn, "2025-12", datetime(2025, 12, 19, 23, 59)).has_data


def test_payment_view_counts_only_months_with_data(sqlite_engine):
    load_december(sqlite_engine)
    with sqlite_engine.connect() as conn:
        pv = views.payment_view(conn, datetime(2026, 2, 20, 12, 0))
    rows = pv.months.set_index("月份")
    assert rows.loc["2025-12", "状态"] == views.LIVE_LABEL
    assert rows.loc["2025-12", "考核得分"] == Decimal("2.50")
    assert rows.loc["2025-12", "考核扣款"] == Decimal("213480.00")
    for m in ("2026-01", "2026-02"):
        assert rows.loc[m, "状态"] == "无数据"
        assert all(rows.loc[m, c] is None for c in ("考核得分", "付款系数", "应付金额", "考核扣款"))
    assert (rows["状态"] == views.PENDING).sum() == 9
    t = pv.totals
    assert (t["computed_months"], t["frozen_months"], t["live_months"], t["no_data_months"]) == (1, 0, 1, 2)
    assert t["payable_computed"] == Decimal("498120.00")
    assert t["total_deductions"] == Decimal("213480.00")
    third = pv.instalments.set_index("期次").loc[3, "金额"]
    assert third == Decimal("711600.00") - Decimal("213480.00")


def test_acceptance_workbook_says_no_data(sqlite_engine):
    load_december(sqlite_engine)
    now = datetime(2026, 2, 20, 12, 0)
    with sqlite_engine.connect() as conn:
        data = build_acceptance_workbook(conn, day=date(2026, 2, 20), now=now)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    summary = {row[1]: row for row in wb["考核汇总"].iter_rows(min_row=4, values_only=True) if row[1]}
    header = [c.value for c in wb["考核汇总"][3]]
    col = {name: header.index(name) for name in ("状态", "考核得分", "付款系数", "应付金额", "考核扣款")}
    assert Decimal(str(summary["2025-12"][col["考核得分"]])) == Decimal("2.50")
    for m in ("2026-01", "2026-02"):
        assert summary[m][col["状态"]] == "无数据"
        assert [summary[m][col[c]] for c in ("考核得分", "付款系数", "应付金额", "考核扣款")] == ["无数据"] * 4
    pay = wb["付款计算"]
    header = [c.value for c in pay[3]]
    months = {row[header.index("月份")]: row for row in pay.iter_rows(min_row=4, max_row=15, values_only=True)}
    assert months["2026-01"][header.index("考核得分")] == "无数据"
    assert months["2026-01"][header.index("考核扣款")] == "无数据"
    assert Decimal(str(months["2025-12"][header.index("考核扣款")])) == Decimal("213480.00")
    assert months["2026-03"][header.index("状态")] == views.PENDING


def test_signoff_of_a_month_without_data_is_refused(sqlite_engine):
    load_december(sqlite_engine)
    with sqlite_engine.begin() as conn:
        with pytest.raises(signoff.SignoffError, match="2026-01 无数据.*不能签认"):
            signoff.vendor_confirm(conn, "2026-01", "pm", "manager", now=datetime(2026, 2, 3))
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(month_signoffs)).scalar_one() == 0
    with sqlite_engine.begin() as conn:   # a month with data still signs off
        signoff.vendor_confirm(conn, "2025-12", "pm", "manager", now=datetime(2026, 1, 3))
        assert signoff.approve(conn, "2025-12", "rev", "reviewer", now=datetime(2026, 1, 3))["frozen"]
