"""Two app instances behind the real nginx of the load-test kit (loadtest/nginx.conf), with nginx
as the only trusted proxy (HOTLINE_TRUSTED_PROXIES=127.0.0.1/32).

Clients are told apart by their source address on the loopback network (127.0.0.10, 127.0.0.11 …,
all local on Linux): nginx forwards each one's address, the instances believe it because nginx is
trusted, and a client that talks to an instance directly, from an address outside the list, cannot
forge one."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services import login_guard
from queries.schema import audit_log
from tests.browser.conftest import PASSWORD, ROOT, _free_port
from tests.browser.helpers import SESSION_COOKIE, STEP_TIMEOUT_MS, settle, sign_in, watch_runs

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
VIEWPORT = {"width": 1920, "height": 1080}


def _wait_healthy(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/_stcore/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the instance on {port} did not start: " + log.read_text()[-2000:])


@pytest.fixture(scope="module")
def behind_nginx(server, tmp_path_factory):
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (scripts/test.sh installs nginx-light)")
        pytest.skip("no nginx (apt-get install -y nginx-light)")
    work = tmp_path_factory.mktemp("nginx")
    env = dict(os.environ, HOTLINE_DB_URL=server["db_url"], HOTLINE_NOW="2026-01-15 23:59:00",
               HOTLINE_TRUSTED_PROXIES="127.0.0.1/32")
    ports = [_free_port(), _free_port()]
    procs = []
    for port in ports:
        log = work / f"streamlit-{port}.log"
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT), log))
    front = _free_port()
    conf = (ROOT / "loadtest" / "nginx.conf").read_text(encoding="utf-8")
    conf = conf.replace("127.0.0.1:8600", f"127.0.0.1:{front}")
    conf = conf.replace("127.0.0.1:8601", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8602", f"127.0.0.1:{ports[1]}")
    # every test browser comes from one address: spread them as run.sh does (per User-Agent)
    conf = re.sub(r"^(\s*)ip_hash;.*$", r'\1hash "$remote_addr$http_user_agent" consistent;', conf, flags=re.M)
    (work / "nginx.conf").write_text(conf, encoding="utf-8")
    try:
        for (proc, log), port in zip(procs, ports, strict=True):
            _wait_healthy(port, proc, log)
        subprocess.run([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")], check=True, capture_output=True)
        yield {"front": front, "instances": ports, "db_url": server["db_url"]}
    finally:
        pid_file = work / "nginx.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().strip()), signal.SIGQUIT)
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def post_sign_in(port: int, source: str, username: str, password: str,
                 headers: dict | None = None) -> tuple[int, str, str]:
    """Post the sign-in form from a given loopback address; returns (status, where to, cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    conn.request("POST", "/auth/local/login", urlencode({"username": username, "password": password, "next": "/"}),
                 {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("location") or "", response.getheader("set-cookie") or ""


def failures_from(db_url: str, client: str) -> int:
    with make_engine(db_url).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(
            audit_log.c.action == "login_failed", audit_log.c.client == client)).scalar()


def test_spraying_from_one_forwarded_address_is_slowed_while_another_signs_in(behind_nginx):
    outcomes = []
    for i in range(30):
        status, location, cookie = post_sign_in(behind_nginx["front"], "127.0.0.10", f"spray_{i:02d}",
                                                "not the password at all")
        assert status == 303 and not cookie
        outcomes.append(location.split("signin=")[1].split("&")[0])
    free = login_guard.FREE_ATTEMPTS
    assert outcomes[:free] == ["failed"] * free
    assert outcomes[free:] == ["throttled"] * (30 - free)        # the 6th and later wait
    assert failures_from(behind_nginx["db_url"], "127.0.0.10") == free
    # another address, through the same nginx, signs in normally
    status, location, cookie = post_sign_in(behind_nginx["front"], "127.0.0.11", "b_analyst", PASSWORD)
    assert status == 303 and "signin=" not in location
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(behind_nginx):
    direct = behind_nginx["instances"][0]
    post_sign_in(direct, "127.0.0.12", "forged_one", "not the password at all",
                 {"X-Forwarded-For": "10.66.0.1", "X-Real-IP": "10.66.0.1"})
    assert failures_from(behind_nginx["db_url"], "127.0.0.12") == 1
    assert failures_from(behind_nginx["db_url"], "10.66.0.1") == 0
    # through nginx, an address the client wrote into its own header is not taken either
    post_sign_in(behind_nginx["front"], "127.0.0.13", "forged_two", "not the password at all",
                 {"X-Forwarded-For": "10.66.0.2"})
    assert failures_from(behind_nginx["db_url"], "127.0.0.13") == 1
    assert failures_from(behind_nginx["db_url"], "10.66.0.2") == 0


def _shows_pages(browser, base: str, cookies: list) -> bool:
    """Open `base` with only these cookies: True when the app signed in, False at the sign-in form."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        ctx.add_cookies(cookies)
        page = ctx.new_page()
        watch_runs(page)
        page.goto(base + "/")
        page.wait_for_selector('[data-testid="stMetric"], #hotline-username', timeout=STEP_TIMEOUT_MS)
        settle(page)
        return page.query_selector('[data-testid="stMetric"]') is not None
    finally:
        ctx.close()


def test_session_cookie_is_hidden_from_scripts_and_dead_after_sign_out_on_both_instances(behind_nginx, browser):
    front = f"http://127.0.0.1:{behind_nginx['front']}"
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    try:
        sign_in(page, front, "b_manager", PASSWORD)
        cookies = [c for c in ctx.cookies() if c["name"] == SESSION_COOKIE]
        assert cookies and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Lax"
        assert cookies[0]["value"] not in page.evaluate("document.cookie")
        assert SESSION_COOKIE not in page.evaluate("document.cookie")
        instances = [f"http://127.0.0.1:{port}" for port in behind_nginx["instances"]]
        # the session lives in the database: either instance accepts the cookie …
        assert all(_shows_pages(browser, base, cookies) for base in instances)
        page.get_by_role("button", name="退出登录").click()
        page.locator("#hotline-username").wait_for(timeout=STEP_TIMEOUT_MS)
    finally:
        ctx.close()
    # … and after signing out, replaying it is refused by both
    assert not any(_shows_pages(browser, base, cookies) for base in instances)
