"""Waiting for Streamlit to finish a run, signing in, and finding error elements."""
from __future__ import annotations

import time

ERROR_SELECTORS = ['[data-testid="stException"]', '[data-testid="stAlertContentError"]']


def settle(page, timeout: float = 90) -> None:
    """Wait until the script run has finished (the app's script state is 'notRunning'), twice in a row."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    deadline = time.time() + timeout
    quiet = 0
    while time.time() < deadline:
        state = page.evaluate("""() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app ? app.getAttribute('data-test-script-state') : null;
        }""")
        quiet = quiet + 1 if state == "notRunning" else 0
        if quiet >= 2:
            return
        time.sleep(0.3)
    raise TimeoutError(f"the page was still running after {timeout} s")


def sign_in(page, base: str, username: str, password: str, attempts: int = 3) -> None:
    """Sign in through the form; a cold server may re-render the form while it is being filled,
    so an attempt that does not reach the app is retried."""
    page.goto(base + "/")
    for attempt in range(attempts):
        page.get_by_label("用户名").wait_for(timeout=90000)
        settle(page)
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        try:
            page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stMetric"]', timeout=60000)
            break
        except Exception:  # noqa: BLE001 - retried below, raised on the last attempt
            if attempt == attempts - 1:
                raise
            page.goto(base + "/")
    settle(page)
    # The login cookie is written by a browser-side component after the first signed-in run;
    # wait for it so that a later page load (a typed URL) restores the session.
    for _ in range(100):
        if any(c["name"] == "hotline_auth" for c in page.context.cookies()):
            return
        time.sleep(0.2)
    raise AssertionError("the login cookie was not written")


def error_texts(page) -> list[str]:
    texts = []
    for sel in ERROR_SELECTORS:
        texts += [el.inner_text()[:300] for el in page.query_selector_all(sel)]
    return texts
