"""AppTests for /reports (报表中心): per allowed role, every kind, the daily report's sections against
figures counted again from the raw data, the delivery button, the workbook built on request only."""
from collections import Counter
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.web.reads import reports as data
from domain.access import PAGE_BY_KEY
from queries.schema import reports
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.raw_rows import callback_counts, is_open, overdue, read_events, read_tickets, sign_clock

PAGE = "pages/reports.py"
ROLES = PAGE_BY_KEY["reports"].roles


@pytest.mark.parametrize("role", ROLES)
def test_reports_page_renders(app_db, role):
    at = app_as(role, PAGE)
    assert not errors(at), errors(at)
    assert at.title[0].value == "报表中心"
    labels = [m.label for m in at.metric]
    assert "受理量" in labels and "期末在办" in labels
    assert len(at.dataframe) >= 1
    delivery = [b for b in at.button if b.label == "登记为已报送"]
    assert bool(delivery) == (role in ("analyst", "manager", "supervisor", "admin"))


def test_delivery_click_records_the_report(app_db):
    at = app_as("analyst", PAGE)
    next(b for b in at.button if b.label == "登记为已报送").click().run()
    assert not errors(at), errors(at)
    assert any("日报-2026-01-15" in s.value for s in list(at.success) + list(at.info))
    with make_engine(app_db).connect() as conn:
        row = conn.execute(sa.select(reports).where(reports.c.report_no == "日报-2026-01-15")).mappings().one()
    assert row["report_type"] == "日报" and row["staff_no"] == "u_analyst"


@pytest.mark.parametrize("kind", ["weekly", "monthly", "topic"])
def test_other_kinds_render(app_db, kind):
    at = app_as("manager", PAGE)
    at.segmented_control(key="report_kind").set_value(kind).run()
    assert not errors(at), errors(at)
    assert len(at.tabs) > 5


# The daily report the page opens with: 15 January, its window from 12:00 the day before, seen at
# app_db's `now`, before that window ends (进行中): the previous window is compared over the same
# elapsed part, from 12:00 two days before up to the same time of day as `now`.
NOW = APP_NOW
START = datetime(2026, 1, 14, 12)
PREVIOUS_START = datetime(2026, 1, 13, 12)
SECTIONS = ["概况", "趋势", "时效", "三率", "在办阶段", "分类", "街乡镇", "承办单位", "超期工单", "人员"]


def _pct(num: int, den: int) -> str:
    return f"{(Decimal(num) * 100 / Decimal(den)).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def figures(app_db) -> dict:
    """The report's figures counted again from the raw tickets and events of app_db, in plain Python."""
    eng = make_engine(app_db)
    with eng.connect() as conn:
        tickets = read_tickets(conn, ["ticket_no", "received_at", "street", "category_l1", "sla_class", "deadline_at",
                                      "in_assessment", "callback_valid", "contacted", "resolved", "satisfaction"])
        events = read_events(conn)
    eng.dispose()
    current = [t for t in tickets if START <= t.received_at <= NOW]
    previous_cut = PREVIOUS_START + (NOW - START)
    previous = [t for t in tickets if PREVIOUS_START <= t.received_at <= previous_cut]

    on_time, late, running = sign_clock(tickets, events, START, START + timedelta(days=1), NOW)
    open_ = [t for t in tickets if is_open(t, events.get(t.ticket_no, []), NOW)]
    late_tickets = overdue(tickets, events, NOW)

    hours = [START + timedelta(hours=h) for h in range(24)]
    return {
        "received": (len(current), len(previous)),
        "sign": (on_time, late, running),
        "hourly": [(f"{h:%m-%d %H}:00", sum(1 for t in current if h <= t.received_at < h + timedelta(hours=1)))
                   for h in hours],
        "callbacks": (callback_counts(tickets, START, START + timedelta(days=1)),
                      callback_counts(tickets, PREVIOUS_START, previous_cut + timedelta(seconds=1))),
        "open": (len(open_), len(late_tickets)),
        "overdue": late_tickets,
        "streets": Counter(t.street for t in current),
        "categories": Counter(t.category_l1 for t in current),
    }


def _ints(column) -> list[int]:
    """Counts as shown (the grid's Arrow copy may turn a column of ints into floats)."""
    return [int(float(v)) for v in column]


def test_each_tab_shows_the_figures_of_the_raw_data(app_db, figures):
    """Tabs open one at a time (only the open one is read); each shows the figures counted again
    from the raw tickets and events: the window's receipts, its hours, the sign clock, the callbacks,
    the backlog, the overdue tickets, the receipts per street and category."""
    at = app_as("manager", PAGE)
    expected = ["生成报表", *SECTIONS, "台账核对", "报送记录"]
    assert [t.label for t in at.tabs][:len(expected)] == expected   # sections added below the tabs follow
    shown = {}
    for name in SECTIONS:
        at.session_state["report_section_daily"] = name
        at.run()
        assert not errors(at), errors(at)
        shown[name] = at.dataframe[0].value
    # the demo window has receipts, late signs, callbacks, a backlog and an overdue ticket: not vacuous
    assert figures["received"][0] > 50 and figures["sign"][1] > 0 and figures["open"][1] > 0

    summary = shown["概况"].set_index("指标")
    received, previous = figures["received"]
    assert (summary.loc["受理量", "本期"], summary.loc["受理量", "上期"]) == (f"{received:,}", f"{previous:,}")
    assert (summary.loc["期末在办", "本期"], summary.loc["期末超期", "本期"]) == tuple(f"{n:,}" for n in figures["open"])
    on_time, late, running = figures["sign"]
    assert summary.loc["签收按时率", "本期"] == _pct(on_time, on_time + late)

    trend = shown["趋势"]
    assert list(zip(trend["时段"], _ints(trend["受理"]), strict=True)) == figures["hourly"]

    sign = shown["时效"].set_index("时限").loc["签收"]
    assert _ints(sign[["应考核", "按时", "超时", "计时中（不计）"]]) == [on_time + late, on_time, late, running]

    rates = shown["三率"].set_index("期间")[["有效回访", "已联系", "已解决", "满意", "基本满意"]]
    assert (_ints(rates.loc["本期"]), _ints(rates.loc["上期"])) == figures["callbacks"]

    stages = shown["在办阶段"].set_index("阶段").loc["合计"]
    assert _ints(stages[["在办", "其中超期"]]) == list(figures["open"])
    assert list(shown["超期工单"]["工单编号"]) == figures["overdue"]

    for name, label, counted in (("街乡镇", "街乡镇", "streets"), ("分类", "一级分类", "categories")):
        table = shown[name]
        got = {k: n for k, n in zip(table[label], _ints(table["受理"]), strict=True) if n}
        assert got == dict(figures[counted]), name
    assert sum(_ints(shown["承办单位"]["受理"])) == received
    assert list(shown["人员"]["岗位"]) == ["派单专员", "退单专员", "质检专员", "协查专员", "数据分析专员"]


def test_workbook_is_built_on_request_only(app_db):
    """The download button carries a callable (deferred): the page run itself builds no workbook."""
    calls = []
    real = data.periodic.render
    data.periodic.render = lambda content: calls.append(content) or real(content)
    try:
        at = app_as("manager", PAGE)
    finally:
        data.periodic.render = real
    assert not errors(at), errors(at)
    button = next(b for b in at.get("download_button") if "下载日报" in b.proto.label)
    assert button.proto.deferred_file_id or not button.proto.url
    assert calls == []
