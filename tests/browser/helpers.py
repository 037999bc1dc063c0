"""Waiting for Streamlit to finish a run, signing in, downloading, and finding error elements.

Every wait here is for an event in the page (a script run ending, a component reporting its value,
a download), with a generous deadline for a cold server on a loaded machine; none is a
fixed pause."""
from __future__ import annotations

import time

ERROR_SELECTORS = ['[data-testid="stException"]', '[data-testid="stAlertContentError"]']
# A cold server on two shared cores may take this long for one step (first run of a page).
STEP_TIMEOUT_MS = 90_000

# Records, in the page, when a script run starts or ends and when a component (an iframe) reports
# its value. A component's value starts a new run, which on a loaded machine can come well after
# the first run ended: a page whose state reads "notRunning" may be about to run again.
_WATCH_RUNS = """
(() => {
  if (window.__hotlineRuns) return;
  const s = window.__hotlineRuns = {lastEvent: performance.now(), lastValue: -1, lastRunStart: -1};
  window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || !d.isStreamlitMessage || d.type !== 'streamlit:setComponentValue') return;
    s.lastEvent = s.lastValue = performance.now();
  });
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    let last = app.getAttribute('data-test-script-state');
    new MutationObserver(() => {
      const now = app.getAttribute('data-test-script-state');
      if (now === last) return;
      s.lastEvent = performance.now();
      if (now === 'running' || now === 'rerunRequested') s.lastRunStart = s.lastEvent;
      last = now;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    return true;
  };
  if (!watch()) {
    const o = new MutationObserver(() => { if (watch()) o.disconnect(); });
    o.observe(document, {childList: true, subtree: true});
  }
})();
"""

# Settled: connected, no run going, no component iframe still loading, no component value still
# waiting for its run, and nothing has happened in the page for a moment (a component that has
# just loaded posts its value within milliseconds of the render it is sent).
_SETTLED = """
(quietMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const s = window.__hotlineRuns;
  if (!app || !s) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  for (const f of document.querySelectorAll('iframe')) {
    // null for another origin (not one of the app's components); a hidden iframe may stay
    // 'uninitialized'
    if (f.contentDocument && f.contentDocument.readyState === 'loading') return false;
  }
  // A value that has started no run within 15 s never will (the app ignored it).
  if (s.lastValue > s.lastRunStart && performance.now() - s.lastValue < 15000) return false;
  return performance.now() - s.lastEvent >= quietMs;
}
"""


def watch_runs(page) -> None:
    """Record the page's runs from its first moment on, in this and every later document of the
    page's context (call before the first navigation; settle() calls it too)."""
    context = page.context
    if not getattr(context, "_hotline_watching", False):
        context.add_init_script(_WATCH_RUNS)
        context._hotline_watching = True
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page.evaluate(_WATCH_RUNS)   # the document already open, if it was opened before


def settle(page, timeout: float = 120, quiet_ms: int = 1000) -> None:
    """Wait until the app has finished its run and no further run is on its way."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    watch_runs(page)
    try:
        page.wait_for_function(_SETTLED, arg=quiet_ms, timeout=timeout * 1000, polling=100)
    except Exception as e:  # noqa: BLE001 - say what the page was doing
        state = page.evaluate("""() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && [app.getAttribute('data-test-script-state'),
                           app.getAttribute('data-test-connection-state')];
        }""")
        raise TimeoutError(f"the page did not settle within {timeout} s (state {state})") from e


SESSION_COOKIE = "hotline_session"
# TOTP secrets of the test accounts that must give a code at sign-in (filled by the server fixture),
# and the last time step each has used: a code is accepted once, so the next sign-in uses a later step.
TOTP_SECRETS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def totp_code(username: str) -> str:
    """A code the server has not seen yet: this step's, else the next one's (accepted one step
    early for clocks a little apart)."""
    import pyotp

    totp = pyotp.TOTP(TOTP_SECRETS[username])
    now = int(time.time()) // 30
    step = max(now, _LAST_STEP.get(username, -1) + 1)
    if step > now + 1:
        raise AssertionError("more than two sign-ins of one TOTP account within 30 s")
    _LAST_STEP[username] = step
    return totp.at(step * 30)


def sign_in(page, base: str, username: str, password: str, attempts: int = 3, path: str = "/") -> None:
    """Sign in through the form. The browser posts it to the sign-in route, whose answer sets the
    HttpOnly session cookie and sends the browser back to the page; a cold server may re-render the
    form while it is being filled, so an attempt that does not reach the app is retried."""
    watch_runs(page)
    page.goto(base + path)
    for attempt in range(attempts):
        page.get_by_label("用户名").wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        with page.expect_navigation(timeout=STEP_TIMEOUT_MS):
            page.get_by_role("button", name="登录", exact=True).click()
        try:
            page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stMetric"], '
                                   'input[aria-label="动态验证码"]', timeout=STEP_TIMEOUT_MS)
            code_field = page.locator('input[aria-label="动态验证码"]')
            if username in TOTP_SECRETS and code_field.count():
                settle(page)
                code_field.fill(totp_code(username))
                code_field.press("Enter")      # submits the form, as a user would
                page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stMetric"]',
                                       timeout=STEP_TIMEOUT_MS)
            break
        except Exception:  # noqa: BLE001 - retried below, raised on the last attempt
            if attempt == attempts - 1:
                raise
            page.goto(base + path)
    settle(page)
    if not any(c["name"] == SESSION_COOKIE for c in page.context.cookies()):
        raise AssertionError("the sign-in route set no session cookie")


def download(page, button_name: str, attempts: int = 3, timeout: float = 180) -> bytes:
    """Click a download button once the page has settled and return the file. A deferred download
    whose file the server no longer holds (the click raced a rerun of the page) shows an error under
    the button and no download: then the page is settled again and the button clicked again."""
    received: list = []

    def on_download(d) -> None:      # a plain function: Playwright cannot wrap a built-in method
        received.append(d)

    page.on("download", on_download)
    try:
        errors = []
        for _ in range(attempts):
            settle(page)
            button = page.get_by_role("button", name=button_name)
            button.wait_for(state="visible")
            error = page.locator('[data-testid="stDownloadButtonError"]')
            if error.count():           # an earlier attempt's message, cleared by the app after 5 s
                error.first.wait_for(state="detached")
            button.click()
            deadline = time.monotonic() + timeout
            while not received and time.monotonic() < deadline:
                if error.count() and error.first.is_visible():
                    errors.append(error.first.inner_text())
                    break
                page.wait_for_timeout(100)
            if received:
                download_ = received[0]
                assert download_.failure() is None, download_.failure()
                with open(download_.path(), "rb") as fh:
                    return fh.read()
            if not errors:
                raise TimeoutError(f"no download from 「{button_name}」 within {timeout} s")
        raise AssertionError(f"「{button_name}」 failed {attempts} times: {errors}")
    finally:
        page.remove_listener("download", on_download)


def error_texts(page) -> list[str]:
    texts = []
    for sel in ERROR_SELECTORS:
        texts += [el.inner_text()[:300] for el in page.query_selector_all(sel)]
    return texts
