"""/hotspots in a real browser: a 突增 topic with its keywords, trend and tickets, no error element;
and the pages leadership opens on a phone (/, /wall, /hotspots) at 390×844 without horizontal
scrolling of the page itself. Screenshots at both sizes go to the shots folder."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD
from tests.browser.helpers import STEP_TIMEOUT_MS, error_texts, settle, sign_in

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

# the page's own width against what it shows: the document and Streamlit's scrolling main area
OVERFLOW = """() => {
  const els = [document.documentElement, document.body, document.querySelector('[data-testid="stMain"]'),
               document.querySelector('[data-testid="stAppViewContainer"]')].filter(Boolean);
  return Math.max(...els.map(e => e.scrollWidth - e.clientWidth));
}"""


def _open(page, base: str, path: str) -> None:
    page.goto(f"{base}/{path}")
    settle(page)


def test_hotspots_page_in_the_browser(server, browser, shots_dir):
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], "b_leader", PASSWORD)
        _open(page, server["base"], "hotspots")
        page.get_by_text("突增指数").first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.get_by_text("关键词").first.wait_for(timeout=STEP_TIMEOUT_MS)
        page.wait_for_selector('[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]',
                               timeout=STEP_TIMEOUT_MS)
        assert page.query_selector('[data-testid="stDataFrame"]') is not None
        assert not error_texts(page), error_texts(page)
        body = page.inner_text("body")
        assert "供暖" in body and "每月一题候选" in body
        page.screenshot(path=str(shots_dir / "hotspots-1920.png"))
    finally:
        ctx.close()


@pytest.mark.parametrize("path, key, ready", [("", "overview", "在办积压"), ("wall", "wall", "在办积压"),
                                              ("hotspots", "hotspots", "突增指数")])
def test_phone_pages_fit_the_screen(server, browser, shots_dir, path, key, ready):
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], "b_leader", PASSWORD)
        page.set_viewport_size(PHONE)
        _open(page, server["base"], path)
        page.get_by_text(ready).first.wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        assert not error_texts(page), error_texts(page)
        page.screenshot(path=str(shots_dir / f"phone-{key}.png"))
        assert page.evaluate(OVERFLOW) <= 1, f"/{path} scrolls sideways on a phone"
    finally:
        ctx.close()
