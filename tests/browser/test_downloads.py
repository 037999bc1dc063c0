"""The report, stand-up and 三率 workbooks are built when the button is clicked (Streamlit's deferred
download: the button carries a callable) and arrive in a real browser as complete workbooks; the
report's tabs read their section when opened."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import PASSWORD
from tests.browser.helpers import STEP_TIMEOUT_MS, download, error_texts, settle, sign_in

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1920, "height": 1080}


def test_report_workbook_and_lazy_tabs(server, browser):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], "b_supervisor", PASSWORD)
        page.goto(f"{server['base']}/reports")
        settle(page)
        assert not error_texts(page)
        page.get_by_role("tab", name="人员").click()
        settle(page)
        panel = page.get_by_role("tabpanel", name="人员")
        panel.locator('[data-testid="stDataFrame"]').wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        assert not error_texts(page)
        wb = load_workbook(BytesIO(download(page, "下载日报（Excel）")))
        assert wb.sheetnames[:5] == ["概况", "趋势", "时效", "三率", "在办阶段"]
        assert "人员" in wb.sheetnames and wb["概况"].max_row > 10
    finally:
        ctx.close()


def test_standup_workbook(server, browser):
    from dashboard.services.reports.standup import SHEETS

    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], "b_supervisor", PASSWORD)
        page.goto(f"{server['base']}/standup")
        settle(page)
        assert not error_texts(page)
        wb = load_workbook(BytesIO(download(page, "导出班前会 Excel")))
        assert tuple(wb.sheetnames) == SHEETS
        head = [c.value for c in wb["昨日概况"][1]]
        assert head[:3] == ["组别", "指标", "数量"]
    finally:
        ctx.close()


def test_three_rates_workbook(server, browser):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], "b_supervisor", PASSWORD)
        page.goto(f"{server['base']}/three-rates")
        settle(page)
        assert not error_texts(page)
        wb = load_workbook(BytesIO(download(page, "导出 Excel（街乡镇 + 区直单位排名）")))
        assert wb.sheetnames == ["街乡镇", "区直单位"]
        assert wb["街乡镇"].max_row == 1 + 22 + 1      # header, 22 街乡镇, 汇总
    finally:
        ctx.close()
