"""Single sign-on through a real OpenID Connect provider (oidc-provider under Node, started here) and
Streamlit's st.login: an identity linked to a user lands on that role's pages; an unknown identity
and a disabled user are refused and audited; a user disabled while signed in is out on the next run;
after sign-out (here and at the provider) the identity's cookie replayed opens nothing."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
import sqlalchemy as sa
from streamlit.web.server.server_util import AUTH_COOKIE_NAME  # "_streamlit_user"

from dashboard.infra.db import make_engine
from dashboard.services import users
from queries.schema import audit_log
from tests.browser.conftest import ROOT, _free_port
from tests.browser.helpers import STEP_TIMEOUT_MS, settle, watch_runs

OIDC_DIR = ROOT / "tests" / "support" / "oidc"
VIEWPORT = {"width": 1920, "height": 1080}
ACCOUNTS = {   # provider account id -> its claims
    "sso-leader": {"email": "leader@sso.test", "name": "单点领导"},
    "sso-stranger": {"email": "stranger@sso.test", "name": "陌生人"},
    "sso-gone": {"email": "gone@sso.test", "name": "已停用"},
    "sso-leaver": {"email": "leaver@sso.test", "name": "将离职"},
    "sso-signout": {"email": "signout@sso.test", "name": "退出者"},
}


def _wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer: " + log.read_text()[-2000:])


@pytest.fixture(scope="module")
def sso_app(server, tmp_path_factory):
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        if os.environ.get("CI"):
            pytest.fail("the test OIDC provider is required in CI (scripts/test.sh runs npm ci in tests/support/oidc)")
        pytest.skip("no test OIDC provider (cd tests/support/oidc && npm ci)")
    work = tmp_path_factory.mktemp("sso")
    provider_port, app_port = _free_port(), _free_port()
    client_secret = secrets.token_urlsafe(24)
    config = {"port": provider_port, "accounts": ACCOUNTS,
              "client": {"client_id": "hotline", "client_secret": client_secret,
                         "redirect_uris": [f"http://127.0.0.1:{app_port}/oauth2callback"],
                         # Streamlit's st.logout sends the browser to the provider's end-session
                         # endpoint, which returns it to the redirect URL: it must be registered
                         "post_logout_redirect_uris": [f"http://127.0.0.1:{app_port}/oauth2callback"]}}
    (work / "provider.json").write_text(json.dumps(config), encoding="utf-8")
    (work / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "hotline"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
        'client_kwargs = { prompt = "login" }\n', encoding="utf-8")
    with make_engine(server["db_url"]).begin() as conn:
        users.add(conn, "s_leader", "leader", None, display_name="单点领导", email="leader@sso.test")
        users.add(conn, "s_gone", "manager", None, email="gone@sso.test")
        users.disable(conn, "s_gone")
        users.add(conn, "s_leaver", "manager", None, display_name="将离职经理", email="leaver@sso.test")
        users.add(conn, "s_signout", "leader", None, display_name="退出者", email="signout@sso.test")
    provider_log, app_log = work / "provider.log", work / "streamlit.log"
    provider = subprocess.Popen([node, "server.mjs", str(work / "provider.json")], cwd=OIDC_DIR,
                                stdout=provider_log.open("w"), stderr=subprocess.STDOUT)
    env = dict(os.environ, HOTLINE_DB_URL=server["db_url"], HOTLINE_NOW="2026-01-15 23:59:00")
    app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(app_port),
                            "--server.address", "127.0.0.1", "--server.headless", "true",
                            "--browser.gatherUsageStats", "false", "--secrets.files", str(work / "secrets.toml")],
                           cwd=ROOT, env=env, stdout=app_log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration", provider, provider_log)
        _wait_for(f"http://127.0.0.1:{app_port}/_stcore/health", app, app_log)
        yield {"base": f"http://127.0.0.1:{app_port}", "provider": f"http://127.0.0.1:{provider_port}",
               "db_url": server["db_url"]}
    finally:
        for proc in (app, provider):
            proc.terminate()
        for proc in (app, provider):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def sso_sign_in(page, app: dict, account: str) -> None:
    """Click 「统一身份认证登录」, sign in at the provider as `account`, allow, and come back."""
    watch_runs(page)
    page.goto(app["base"] + "/")
    button = page.get_by_role("button", name="统一身份认证登录")
    button.wait_for(timeout=STEP_TIMEOUT_MS)
    settle(page)
    button.click()
    page.wait_for_url(app["provider"] + "/**", timeout=STEP_TIMEOUT_MS)
    page.locator('input[name="login"]').fill(account)
    page.locator('input[name="password"]').fill("any password: the test provider checks none")
    page.locator('button[type="submit"]').click()
    page.get_by_text("Authorize").first.wait_for(timeout=STEP_TIMEOUT_MS)   # the consent screen
    page.locator('button[type="submit"]').click()
    page.wait_for_url(app["base"] + "/**", timeout=STEP_TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stAlertContentError"]', timeout=STEP_TIMEOUT_MS)
    settle(page)


def refusals(db_url: str, claim: str) -> list[str]:
    with make_engine(db_url).connect() as conn:
        return [r[0] for r in conn.execute(sa.select(audit_log.c.detail).where(
            audit_log.c.action == "login_refused", audit_log.c.target == claim))]


def test_a_linked_identity_lands_on_its_roles_pages(sso_app, browser):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = ctx.new_page()
        sso_sign_in(page, sso_app, "sso-leader")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "单点领导 · 甲方领导" in sidebar
        assert "付款核算" in sidebar and "系统管理" not in sidebar     # the leader's menu, from our table
        page.get_by_text("今日受理").first.wait_for(timeout=STEP_TIMEOUT_MS)
        # the identity lives in Streamlit's signed cookie, which page scripts cannot read
        identity = [c for c in ctx.cookies() if c["name"] == AUTH_COOKIE_NAME]
        assert len(identity) == 1 and identity[0]["httpOnly"], ctx.cookies()
        assert all(c["httpOnly"] for c in ctx.cookies() if c["name"].startswith(AUTH_COOKIE_NAME))
        assert AUTH_COOKIE_NAME not in page.evaluate("document.cookie")
    finally:
        ctx.close()


@pytest.mark.parametrize("account, claim, words, reason", [
    ("sso-stranger", "stranger@sso.test", "未在本系统登记", "sso unknown"),
    ("sso-gone", "gone@sso.test", "已停用", "sso disabled"),
])
def test_unknown_and_disabled_identities_are_refused_and_audited(sso_app, browser, account, claim, words, reason):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = ctx.new_page()
        sso_sign_in(page, sso_app, account)
        error = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
        assert words in error and claim in error
        assert page.query_selector('[data-testid="stSidebar"]') is None
        assert page.query_selector('[data-testid="stMetric"]') is None
        assert refusals(sso_app["db_url"], claim) == [reason]
    finally:
        ctx.close()


def test_a_user_disabled_while_signed_in_is_out_on_the_next_run(sso_app, browser):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = ctx.new_page()
        sso_sign_in(page, sso_app, "sso-leaver")
        assert "将离职经理" in page.locator('[data-testid="stSidebar"]').inner_text()
        with make_engine(sso_app["db_url"]).begin() as conn:
            users.disable(conn, "s_leaver")
        page.locator('[data-testid="stSidebar"]').get_by_text("积压工单").click()   # the next run
        page.get_by_text("已停用").first.wait_for(timeout=STEP_TIMEOUT_MS)
        settle(page)
        assert page.get_by_role("button", name="退出登录").count() == 0
        assert page.query_selector('[data-testid="stMetric"]') is None
    finally:
        ctx.close()


def test_after_sign_out_the_identity_cookie_replayed_is_refused(sso_app, browser):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = ctx.new_page()
        sso_sign_in(page, sso_app, "sso-signout")
        assert "退出者 · 甲方领导" in page.locator('[data-testid="stSidebar"]').inner_text()
        kept = ctx.cookies()                      # what a script or a shared PC could keep
        assert any(c["name"].startswith("_streamlit_user") for c in kept)
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(sso_app["provider"] + "/**", timeout=STEP_TIMEOUT_MS)   # signed out at the provider too
        page.locator('button[name="logout"][value="yes"]').click()
        page.get_by_role("button", name="统一身份认证登录").wait_for(timeout=STEP_TIMEOUT_MS)
    finally:
        ctx.close()

    replay = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        replay.add_cookies(kept)
        page = replay.new_page()
        watch_runs(page)
        page.goto(sso_app["base"] + "/")
        page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stAlertContentError"]', timeout=STEP_TIMEOUT_MS)
        settle(page)
        assert page.query_selector('[data-testid="stSidebar"]') is None
        assert page.query_selector('[data-testid="stMetric"]') is None
        assert "已退出" in page.locator('[data-testid="stAlertContentError"]').first.inner_text()
        assert refusals(sso_app["db_url"], "signout@sso.test") == ["sso ended"]
    finally:
        replay.close()
