"""The ledger parts render in a real browser for every role that may see them: each tab of 报表中心's
台账与质检报表 section, and the handovers on 班前会, without an error element."""
from __future__ import annotations

import pytest

from domain.access import PAGE_BY_KEY
from tests.browser.conftest import PASSWORD
from tests.browser.helpers import STEP_TIMEOUT_MS, error_texts, settle, sign_in

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1920, "height": 1080}
TABS = ("质检台账", "质检日报/周报/月报", "改进措施", "疑难·未解决·特殊工单", "工作日志与交接班")


@pytest.mark.parametrize("role", PAGE_BY_KEY["reports"].roles)
def test_ledger_tabs_render(server, browser, shots_dir, role):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], f"b_{role}", PASSWORD)
        page.goto(f"{server['base']}/reports")
        settle(page)
        page.get_by_text("台账与质检报表").first.wait_for(timeout=STEP_TIMEOUT_MS)
        problems = {}
        for name in TABS:
            tab = page.get_by_role("tab", name=name)
            tab.click()
            settle(page)
            tab.evaluate("e => e.scrollIntoView({block: 'start'})")
            found = error_texts(page)
            if found:
                problems[name] = found
            page.screenshot(path=str(shots_dir / f"{role}-ledgers-{name.replace('/', '_')}.png"))
        assert not problems, problems
        if role in PAGE_BY_KEY["standup"].roles:
            page.goto(f"{server['base']}/standup")
            settle(page)
            page.get_by_text("交接班与改进措施").first.wait_for(timeout=STEP_TIMEOUT_MS)
            assert not error_texts(page)
    finally:
        ctx.close()
