"""Known answers for the periodic reports on a hand-built fixture (SQLite and PostgreSQL): the
workbook re-read with openpyxl equals the page queries and `kpi`; builds are byte-identical;
delivery rows, refusals and frozen months; the CLI on SQLite."""
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from io import BytesIO

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from dashboard.cli.main import main
from dashboard.services.assessment import engine as assessment
from dashboard.services.reports import content as rc
from dashboard.services.reports import periodic
from queries import backlog, overview
from queries.schema import audit_log, month_signoffs, reports
from tests.support.live_fixture import event, load, ticket
from tests.support.live_fixture import event as ev
from tests.support.live_fixture import load as ld
from tests.support.live_fixture import ticket as tk

NOW = datetime(2026, 1, 15, 14, 0)
DAY = date(2026, 1, 15)


@pytest.fixture
def db(engine):
    rows = [
        ticket("R1", "2026-01-14 13:00:00", category_l2="供暖", unit="区水务局"),
        ticket("R2", "2026-01-15 08:00:00", category_l2="供暖"),
        ticket("R3", "2026-01-14 11:00:00"),
        ticket("R4", "2026-01-15 13:00:00"),
        ticket("R5", "2026-01-05 09:00:00", category_l1="住房", street="新华街道"),
        ticket("R6", "2026-01-14 15:00:00", callback_valid=True, contacted=True, resolved=True, satisfaction="满意"),
    ]
    events = [
        event("R1", "2026-01-14 13:10:00", "SIGN"), event("R1", "2026-01-14 13:30:00", "DISPATCH", "区水务局"),
        event("R1", "2026-01-14 16:00:00", "CONTACT"), event("R1", "2026-01-15 08:00:00", "REPLY"),
        event("R1", "2026-01-15 08:30:00", "QC_PASS"), event("R1", "2026-01-15 09:00:00", "CLOSE"),
        event("R2", "2026-01-15 08:40:00", "SIGN"),                       # 40 min: late
        event("R3", "2026-01-14 11:10:00", "SIGN"), event("R3", "2026-01-14 11:30:00", "DISPATCH", "区水务局"),
        event("R3", "2026-01-14 20:00:00", "CLOSE"),
        event("R5", "2026-01-05 09:10:00", "SIGN"), event("R5", "2026-01-05 09:30:00", "DISPATCH", "区水务局"),
        event("R6", "2026-01-14 15:05:00", "SIGN"), event("R6", "2026-01-14 15:20:00", "DISPATCH", "区水务局"),
        event("R6", "2026-01-14 18:00:00", "CLOSE"),
    ]
    for r in rows:
        r.setdefault("category_l2", None)
    load(engine, rows, events)
    return engine


def sheet_rows(data: bytes, name: str) -> dict:
    """{first cell: row values} of a sheet's table (below the title block)."""
    ws = load_workbook(BytesIO(data))[name]
    return {r[0]: r for r in ws.iter_rows(values_only=True) if r[0] is not None}


def test_daily_report_figures(db):
    with db.connect() as conn:
        data = periodic.build_daily(conn, day=DAY, now=NOW)
        cut = datetime(2026, 1, 15, 12) - timedelta(microseconds=1)
        stages = overview.backlog_by_stage(conn, now=cut)
        intake = overview.daily_intake(conn, start=datetime(2026, 1, 14, 12), now=cut)
    summary = sheet_rows(data, "概况")
    assert summary["受理量"][1:4] == (3, 1, 2)              # R1 R2 R6 vs R3
    assert summary["办结量"][1] == 3 == int(intake["closed"].sum())   # R1 R3 R6 (R3 received earlier)
    assert summary["受理量"][1] == int(intake["received"].sum())
    assert summary["期末在办"][1] == 2 == int(stages["tickets"].sum())   # R2 R5; R4 arrives after 12:00
    assert summary["期末超期"][1] == 1 == int(stages["overdue"].sum())
    assert summary["签收按时率"][1] == pytest.approx(0.666667)          # R1 R6 on time, R2 late
    assert summary["有效回访量"][1] == 1 and summary["满意率"][1] == 1
    wb = load_workbook(BytesIO(data))
    assert wb["概况"]["B7"].number_format == "#,##0"
    assert wb["概况"]["B13"].number_format == "0.00%"
    assert wb["概况"].freeze_panes == "B7"
    assert wb["时效"]._charts and wb["趋势"]._charts
    assert wb["时效"].page_setup.orientation == "landscape"
    street = sheet_rows(data, "街乡镇")
    assert street[1][1:5] == ("中仓街道", 3, 3, 0)
    overdue = sheet_rows(data, "超期工单")
    assert "R5" in overdue


def test_builds_are_byte_identical(db):
    with db.connect() as conn:
        a = periodic.build_weekly(conn, day=DAY, now=NOW)
        b = periodic.build_weekly(conn, day=DAY, now=NOW)
    assert a == b
    props = load_workbook(BytesIO(a)).properties
    assert props.created == NOW and props.modified == NOW


def test_weekly_and_topic(db):
    with db.connect() as conn:
        weekly = periodic.build_weekly(conn, day=DAY, now=NOW)
        topic = periodic.build_topic(conn, day=DAY, now=NOW, category="供暖")
    w = sheet_rows(weekly, "概况")
    assert w["受理量"][1] == 5            # Mon 12th – now: R1 R2 R3 R4 R6
    assert w["期末在办"][1] == 3          # R2 R4 R5 at 14:00
    t = sheet_rows(topic, "概况")
    assert t["受理量"][1] == 2 and t["办结量"][1] == 1 and t["期末在办"][1] == 1
    assert "人员" not in load_workbook(BytesIO(topic)).sheetnames


def test_monthly_equals_kpi(db):
    with db.connect() as conn:
        data = periodic.build_monthly(conn, day=DAY, now=NOW, period="calendar")
        result = assessment.month_result(conn, "2026-01", NOW)
        content = rc.build_content(conn, rc.spec_for("monthly", DAY), now=NOW)
    rows = sheet_rows(data, "月度考核")
    assert Decimal(str(rows["月度得分"][7])) == result.score
    assert Decimal(str(rows["应付金额（元）"][7])) == result.amount
    sign = rows["签收及时率"]
    ind = result.indicator("sign_on_time_rate")
    assert (sign[1], sign[2]) == (ind.numerator, ind.denominator) == (4, 6)   # R2 late, R4 never signed
    assert sheet_rows(data, "概况")["受理量"][1] == 6
    assert content.headline["clocks"]["sign"]["share"] == Fraction(4, 6)


def test_assessment_period_window():
    s = rc.spec_for("monthly", date(2026, 1, 19), period="assessment")
    assert (s.start, s.end, s.prev_start) == (datetime(2026, 1, 19), datetime(2026, 2, 19), datetime(2025, 12, 19))
    assert s.report_no == "月报-2026-02-考核期"
    d = rc.spec_for("daily", DAY, window_start_hour=8)
    assert (d.start, d.end, d.due_at) == (datetime(2026, 1, 14, 8), datetime(2026, 1, 15, 8), datetime(2026, 1, 15, 9))
    with pytest.raises(rc.ReportError):
        rc.spec_for("topic", DAY, category=" ")


def test_delivery(db):
    spec = rc.spec_for("daily", DAY)
    with db.begin() as conn:
        row = periodic.record_delivery(conn, spec, username="u_analyst", role="analyst",
                                       now=datetime(2026, 1, 15, 12, 50))
        assert (row["outcome"], row["on_time"], row["report_type"]) == ("new", True, "日报")
        again = periodic.record_delivery(conn, spec, username="u_analyst", role="analyst",
                                         now=datetime(2026, 1, 15, 14, 0))
        assert again["outcome"] == "unchanged" and again["delivered_at"] == datetime(2026, 1, 15, 12, 50)
        with pytest.raises(periodic.DeliveryError):
            periodic.record_delivery(conn, spec, username="u_leader", role="leader", now=NOW)
    with db.connect() as conn:
        got = conn.execute(sa.select(reports)).mappings().all()
        assert [(r["report_no"], r["due_at"], r["staff_no"]) for r in got] == [
            ("日报-2026-01-15", datetime(2026, 1, 15, 13), "u_analyst")]
        actions = [r[0] for r in conn.execute(sa.select(audit_log.c.action))]
        assert actions.count("report_delivered") == 2 and "access_denied" in actions


def test_delivery_refused_in_frozen_month(db):
    with db.begin() as conn:
        conn.execute(month_signoffs.insert().values(month="2026-01", state="frozen", frozen=True))
    with db.begin() as conn, pytest.raises(periodic.DeliveryError, match="冻结"):
        periodic.record_delivery(conn, rc.spec_for("weekly", DAY), username="u_admin", role="admin", now=NOW)


def test_cli_report(sqlite_engine, tmp_path):
    ld(sqlite_engine, [tk("C1", "2026-01-15 09:00:00")], [ev("C1", "2026-01-15 09:10:00", "SIGN")])
    url = sqlite_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "d.xlsx"
    assert main(["--db", url, "report", "daily", "--date", "2026-01-15", "--now", "2026-01-15 12:30:00",
                 "--out", str(out)]) == 0
    assert sheet_rows(out.read_bytes(), "概况")["受理量"][1] == 1
    assert main(["--db", url, "report", "topic", "--date", "2026-01-15", "--out", str(tmp_path / "t.xlsx")]) == 1
    with sqlite_engine.connect() as conn:
        assert backlog.backlog_totals(conn, now=datetime(2026, 1, 15, 12))["open"] == 1


# a 概况 as a month of the demo has it: a count with its percentage change, a rate up and a rate down
SUMMARY = rc.Section("概况", pd.DataFrame([
    ["受理量", 12276, 11000, 1276, Decimal("0.116000")],
    ["签收按时率", Decimal("0.985800"), Decimal("0.973200"), Decimal("0.012600"), None],
    ["满意率", Decimal("0.800000"), Decimal("0.903500"), Decimal("-0.103500"), None],
    ["综合成绩", Decimal("91.18"), None, None, None],
], columns=rc.SUMMARY_COLUMNS, dtype=object), row_formats=["count", "rate", "rate", "score"])


def test_summary_changes_on_the_page():
    """A rate's change reads in percentage points, a count's as a count, 环比 as a signed percentage."""
    shown = rc.display_frame(SUMMARY).set_index("指标")
    assert list(shown["变化"]) == ["1,276", "+1.26 个百分点", "-10.35 个百分点", "—"]
    assert list(shown["环比"]) == ["+11.60%", "—", "—", "—"]
    assert list(shown["本期"]) == ["12,276", "98.58%", "80.00%", "91.18"]
    assert list(shown["上期"]) == ["11,000", "97.32%", "90.35%", "—"]


def test_summary_changes_in_the_workbook():
    """The workbook's cells read as the page: the rate's change holds points in a 个百分点 format,
    环比 a fraction in a signed percentage format; the section's frame is left as it was; the
    same frame and `now` give the same bytes."""
    from dashboard.services.reports import xlsx

    now = datetime(2026, 1, 15, 10, 30)

    def book() -> bytes:
        wb = xlsx.new_workbook(now)
        xlsx.write_table(wb.create_sheet("概况"), SUMMARY.frame, row_formats=SUMMARY.row_formats,
                         row_format_columns=("本期", "上期", "变化"))
        return xlsx.save(wb, now)

    data = book()
    assert data == book()
    ws = load_workbook(BytesIO(data))["概况"]
    cells = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    change, ratio = cells["签收按时率"][3], cells["受理量"][4]
    assert (change.value, change.number_format) == (1.26, '+0.00" 个百分点";-0.00" 个百分点";+0.00" 个百分点"')
    assert (cells["满意率"][3].value, cells["满意率"][3].number_format) == (-10.35, change.number_format)
    assert (ratio.value, ratio.number_format) == (0.116, "+0.00%;-0.00%;+0.00%")
    assert (cells["受理量"][3].value, cells["受理量"][3].number_format) == (1276, "#,##0")
    assert (cells["签收按时率"][1].value, cells["签收按时率"][1].number_format) == (0.9858, "0.00%")
    assert SUMMARY.frame.loc[1, "变化"] == Decimal("0.012600")
