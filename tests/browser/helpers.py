"""Waiting for Streamlit to finish a run, signing in, and finding error elements."""
from __future__ import annotations

import time

ERROR_SELECTORS = ['[data-testid="stException"]', '[data-testid="stAlertContentError"]']


def settle(page, timeout: float = 45) -> None:
    """Wait until the app is idle: no 'running' status and no spinner, twice in a row."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    deadline = time.time() + timeout
    quiet = 0
    while time.time() < deadline:
        busy = page.evaluate("""() => {
            const s = document.querySelector('[data-testid="stStatusWidget"]');
            const spin = document.querySelector('[data-testid="stSpinner"]');
            const skeleton = document.querySelector('[data-testid="stSkeleton"]');
            return Boolean((s && s.innerText.match(/Running|运行/)) || spin || skeleton);
        }""")
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
        time.sleep(0.4)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    page.get_by_label("用户名").wait_for(timeout=30000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stMetric"]', timeout=30000)
    settle(page)


def error_texts(page) -> list[str]:
    texts = []
    for sel in ERROR_SELECTORS:
        texts += [el.inner_text()[:300] for el in page.query_selector_all(sel)]
    return texts
