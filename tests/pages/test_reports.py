"""AppTests for /reports (报表中心) per allowed role, delivery and the ledger upload."""
import math
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.reports import content as rc
from dashboard.web.reads import reports as data
from domain.access import PAGE_BY_KEY
from queries.schema import reports
from tests.support.apptest import app_as, errors

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


def _cells(df):
    """Cell values as text, numbers compared as numbers (the grid's Arrow copy turns a column of
    ints and blanks into floats)."""
    def norm(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return f"{float(v):.6f}"
        return str(v)
    return [[norm(v) for v in row] for row in df.itertuples(index=False)]


def test_each_tab_shows_its_section_of_the_workbook_content(app_db):
    """Tabs open one at a time (only the open one is read); each shows the frame build_content
    gives for that section, so the preview and the workbook keep one set of figures."""
    now = datetime(2026, 1, 15, 10, 30)
    with make_engine(app_db).connect() as conn:
        full = rc.build_content(conn, rc.spec_for("daily", now.date()), now=now)
    at = app_as("manager", PAGE)
    labels = [t.label for t in at.tabs]      # 生成报表, its section tabs, 台账核对, 报送记录
    assert labels[1:-2] == [s.name for s in full.sections]
    for section in full.sections:
        at.session_state["report_section_daily"] = section.name
        at.run()
        assert not errors(at), errors(at)
        shown = at.dataframe[0].value
        want = rc.display_frame(section)
        assert list(shown.columns) == list(want.columns), section.name
        assert len(shown) == len(want) > 0 or section.name in ("超期工单",), section.name
        assert _cells(shown) == _cells(want), section.name


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
