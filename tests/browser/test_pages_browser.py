"""Every page in each role's menu renders in a real browser at 1920×1080 without an error element;
a typed URL outside the role is refused; a cookie replayed after logout is refused."""
from __future__ import annotations

import pytest

from domain.access import PAGES, ROLES, pages_for
from tests.browser.conftest import PASSWORD, ROOT
from tests.browser.helpers import SESSION_COOKIE, STEP_TIMEOUT_MS, error_texts, settle, sign_in, watch_runs

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1920, "height": 1080}


def _existing(role):
    return [p for p in pages_for(role) if (ROOT / p.file).exists()]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_menu_page_renders(server, browser, shots_dir, role):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], f"b_{role}", PASSWORD)
        problems = {}
        for p in _existing(role):
            page.goto(f"{server['base']}/{p.path}")
            settle(page)
            found = error_texts(page)
            if found:
                problems[p.path or "/"] = found
            page.screenshot(path=str(shots_dir / f"{role}-{p.key}.png"), full_page=False)
        assert not problems, problems
    finally:
        ctx.close()


def _forbidden_pair():
    for role in ("analyst", "supervisor", "leader", "reviewer", "manager"):
        for p in PAGES:
            if (ROOT / p.file).exists() and p not in pages_for(role):
                return role, p
    return None, None


def test_typed_url_outside_role_is_refused(server, browser):
    role, forbidden = _forbidden_pair()
    if forbidden is None:
        pytest.skip("every existing page is open to every desk role")
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], f"b_{role}", PASSWORD)
        page.goto(f"{server['base']}/{forbidden.path}")
        page.get_by_text("无权访问").first.wait_for(timeout=STEP_TIMEOUT_MS)
        assert page.query_selector('[data-testid="stDataFrame"]') is None
    finally:
        ctx.close()


def test_cookie_replayed_after_logout_is_refused(server, browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    sign_in(page, server["base"], "b_leader", PASSWORD)
    cookies = ctx.cookies()
    (session,) = [c for c in cookies if c["name"] == SESSION_COOKIE]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    # page JavaScript cannot read the session token
    assert SESSION_COOKIE not in page.evaluate("document.cookie")
    assert session["value"] not in page.evaluate("document.cookie")
    # the cookie alone restores a session before logout …
    fresh = browser.new_context(viewport=VIEWPORT)
    fresh.add_cookies(cookies)
    p2 = fresh.new_page()
    watch_runs(p2)
    p2.goto(server["base"] + "/")
    settle(p2)
    try:
        p2.wait_for_selector('[data-testid="stMetric"]', timeout=STEP_TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - report what the page showed instead
        pytest.fail("the cookie did not restore the session: " + p2.inner_text("body")[:500])
    fresh.close()
    # … and is refused after it
    page.get_by_role("button", name="退出登录").click()
    # signed out (the session revoked on the server) once the form is back
    page.get_by_label("用户名").wait_for(timeout=STEP_TIMEOUT_MS)
    settle(page)
    ctx.close()
    replay = browser.new_context(viewport=VIEWPORT)
    replay.add_cookies(cookies)
    p3 = replay.new_page()
    watch_runs(p3)
    p3.goto(server["base"] + "/")
    p3.get_by_label("用户名").wait_for(timeout=STEP_TIMEOUT_MS)
    settle(p3)
    assert p3.get_by_label("用户名").count() == 1
    assert p3.query_selector('[data-testid="stMetric"]') is None
    replay.close()


def test_wall_kiosk_for_the_display_account(server, browser, shots_dir):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        sign_in(page, server["base"], "b_display", PASSWORD)
        page.goto(f"{server['base']}/wall?kiosk=1&rotate=20")
        settle(page)
        body = page.inner_text("body")
        # with ?rotate the screen shown depends on the clock: check the wall itself, not one tile
        assert "Page not found" not in body
        assert "接诉即办运行态势" in body
        assert not page.query_selector('[data-testid="stSidebar"]') or not page.is_visible('[data-testid="stSidebar"]')
        assert not error_texts(page)
        page.screenshot(path=str(shots_dir / "display-wall-kiosk.png"))
    finally:
        ctx.close()


def test_bookmarked_wall_url_signs_in_and_stays(server, browser):
    """The wall PC opens its bookmark signed out: the login form, no 'page not found', then the wall."""
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    try:
        watch_runs(page)
        page.goto(f"{server['base']}/wall?kiosk=1&refresh=30&rotate=90")
        page.get_by_label("用户名").wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        assert "Page not found" not in page.inner_text("body")
        page.get_by_label("用户名").fill("b_display")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        # with ?rotate the screen shown depends on the clock: wait for the header every screen has
        page.get_by_text("秒刷新").first.wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        body = page.inner_text("body")
        assert "Page not found" not in body and "/wall" in page.url
        # the bookmark's settings came through the sign-in: the wall says its refresh
        assert all(p in page.url for p in ("kiosk=1", "refresh=30", "rotate=90")) and "每 30 秒刷新" in body
        assert not error_texts(page)
    finally:
        ctx.close()
