"""The first visit after the app (re)starts, straight to a page's own URL: the wall PC reloading its
bookmark after a night-time service restart, a leader opening a link from a message. Each starts
its own server, so its first request is the first one that process has seen."""
from __future__ import annotations

from tests.browser.conftest import PASSWORD, start_streamlit, stop_streamlit
from tests.browser.helpers import STEP_TIMEOUT_MS, error_texts, settle, sign_in, watch_runs

VIEWPORT = {"width": 1920, "height": 1080}
REFUSAL = "无权访问"


def test_first_request_to_a_page_url_gets_the_sign_in_form(server, browser):
    base, proc = start_streamlit(server["db_url"], server["work"], "first-visit-signed-out.log")
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        watch_runs(page)
        page.goto(base + "/assessment")
        page.get_by_label("用户名").wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        body = page.inner_text("body")
        assert REFUSAL not in body and "Page not found" not in body
        sign_in(page, base, "b_reviewer", PASSWORD, path="/assessment")
        page.get_by_role("heading", name="月度考核").first.wait_for(timeout=STEP_TIMEOUT_MS)
        assert "/assessment" in page.url and REFUSAL not in page.inner_text("body")
        assert not error_texts(page)
    finally:
        ctx.close()
        stop_streamlit(proc)


def test_signed_in_wall_reloads_its_bookmark_after_a_restart(server, browser):
    base, first = start_streamlit(server["db_url"], server["work"], "first-visit-before-restart.log")
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        sign_in(page, base, "b_display", PASSWORD, path="/wall?kiosk=1")
        stop_streamlit(first)
        # the restarted service (on another port here; the session cookie is the host's, so it goes along)
        base, second = start_streamlit(server["db_url"], server["work"], "first-visit-after-restart.log")
        try:
            page.goto(base + "/wall?kiosk=1")
            page.get_by_text("在办积压").first.wait_for(timeout=STEP_TIMEOUT_MS)
            settle(page)
            body = page.inner_text("body")
            assert REFUSAL not in body and "Page not found" not in body and "/wall" in page.url
            assert not error_texts(page)
        finally:
            stop_streamlit(second)
    finally:
        ctx.close()


def test_an_address_naming_no_page_says_so_in_chinese(server, browser):
    from dashboard.web.page_not_found import MESSAGE

    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        watch_runs(page)
        page.goto(server["base"] + "/no-such-page")
        page.get_by_label("用户名").wait_for(timeout=STEP_TIMEOUT_MS)     # signed out: the sign-in form
        settle(page)
        assert "Page not found" not in page.inner_text("body")
        sign_in(page, server["base"], "b_leader", PASSWORD)
        page.goto(server["base"] + "/staff-old")
        page.get_by_text(MESSAGE).first.wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        body = page.inner_text("body")
        assert "Page not found" not in body and "does not seem to exist" not in body
        assert page.locator('[data-testid="stMetric"]').count() > 0          # the leader's first page
    finally:
        ctx.close()
