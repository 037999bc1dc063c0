"""AppTest harness: run app.py signed in as a role, on a page, against a small SQLite database."""
from __future__ import annotations

import os
import secrets

from streamlit.testing.v1 import AppTest

from tests.support.paths import ROOT


def sign_in_state(at: AppTest, username: str, *, second_factor: bool = True) -> str:
    """Open a real server-side session for `username` in the app's database (HOTLINE_DB_URL) and
    hand its token to the AppTest session, as a signed-in browser session holds it; returns it."""
    from sqlalchemy.exc import OperationalError

    from dashboard.infra.db import make_engine
    from dashboard.services import sessions
    from dashboard.web.auth import SSO_TOKEN_KEY

    try:
        with make_engine(os.environ["HOTLINE_DB_URL"]).begin() as conn:
            token = sessions.create(conn, username, method="password", second_factor_given=second_factor)
    except OperationalError:          # the database is down: a session it never confirmed
        token = secrets.token_urlsafe(32)
    at.session_state[SSO_TOKEN_KEY] = token
    return token


def app_as(role: str | None, page: str | None = None, *, timeout: float = 60, query: dict | None = None,
           second_factor: bool = True) -> AppTest:
    """app.py run as the user `u_<role>` (see the app_db fixture), switched to `page` (a pages/ file);
    `second_factor`: the session has just been given a TOTP code."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if query:
        for k, v in query.items():
            at.query_params[k] = v
    if role is not None:
        sign_in_state(at, f"u_{role}", second_factor=second_factor)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [str(e.value) for e in at.exception]


def password_sign_in(at: AppTest, username: str, password: str, client: str = "") -> AppTest:
    """Sign in as the browser's form post does (dashboard.web.local_signin.sign_in, the sign-in
    route's logic), then run the app with the session it opened, or with the refusal the route
    would redirect to (?signin=...)."""
    from dashboard.infra.db import make_engine
    from dashboard.web import local_signin
    from dashboard.web.auth import SSO_TOKEN_KEY
    from dashboard.web.signin_routes import OUTCOME_PARAM, WAIT_PARAM

    result = local_signin.sign_in(make_engine(os.environ["HOTLINE_DB_URL"]), username, password, client)
    if result.outcome == local_signin.OK:
        at.session_state[SSO_TOKEN_KEY] = result.token
    else:
        at.query_params[OUTCOME_PARAM] = result.outcome
        if result.wait:
            at.query_params[WAIT_PARAM] = str(result.wait)
    return at.run()


def signin_form(at: AppTest) -> str:
    """The password form's markup on the sign-in page ("" when it is not offered)."""
    return next((h.proto.body for h in at.get("html") if "hotline-signin" in h.proto.body), "")
