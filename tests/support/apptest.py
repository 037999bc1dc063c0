"""AppTest harness: run app.py signed in as a role, on a page, against a small SQLite database."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.support.paths import ROOT


def app_as(role: str | None, page: str | None = None, *, timeout: float = 60, query: dict | None = None) -> AppTest:
    """app.py run as the user `u_<role>` (see the app_db fixture), switched to `page` (a pages/ file)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if query:
        for k, v in query.items():
            at.query_params[k] = v
    if role is not None:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = f"u_{role}"
        at.session_state["logout"] = None
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [str(e.value) for e in at.exception]
