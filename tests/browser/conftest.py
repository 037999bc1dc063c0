"""A real `streamlit run` on a small demo database, and headless Chromium driving it."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
PASSWORD = "browser-test-password"
NOW = "2026-01-15 23:59:00"  # the demo data runs to the end of its last day


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(db_url: str, *args: str, stdin: str | None = None) -> None:
    subprocess.run([sys.executable, "-m", "dashboard", "--db", db_url, *args], cwd=ROOT, check=True,
                   input=stdin, text=True, capture_output=True)


def _enrol_totp(db_url: str, username: str) -> None:
    """Enrol an account's second factor as its first sign-in would, and let sign_in() give codes."""
    import pyotp

    from dashboard.infra.db import make_engine
    from dashboard.services import second_factor
    from tests.browser import helpers

    with make_engine(db_url).begin() as conn:
        started = second_factor.start_enrolment(conn, username)
        totp = pyotp.TOTP(started.secret)
        earlier = totp.at(int(time.time()) - 30)   # confirm with an older step than any sign-in uses
        assert second_factor.check(conn, username, earlier, purpose="enrolment", confirming=True) == "accepted"
    helpers.TOTP_SECRETS[username] = started.secret


def start_streamlit(db_url: str, work: Path, log_name: str = "streamlit.log") -> tuple[str, subprocess.Popen]:
    """`streamlit run serve.py` on the database, as the service units start it; returns its base URL
    once its health check answers."""
    port = _free_port()
    env = dict(os.environ, HOTLINE_DB_URL=db_url, HOTLINE_NOW=NOW)
    log = open(work / log_name, "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urlopen(base + "/_stcore/health", timeout=2).status == 200:
                return base, proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("streamlit did not start: " + (work / log_name).read_text()[-2000:])


def stop_streamlit(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from domain.access import ROLES

    work = tmp_path_factory.mktemp("browser")
    db_url = f"sqlite:///{work / 'browser.db'}"
    # one key for the demo's callers, the TOTP secrets sealed here and every server started later
    os.environ.setdefault("HOTLINE_PII_KEY", "browser-test-pii-key-" + "q" * 40)
    _cli(db_url, "demo", "--days", "21", "--tickets-per-day", "150", "--end", NOW[:10], "--no-users")
    for role in ROLES:
        _cli(db_url, "users", "add", f"b_{role}", "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    _enrol_totp(db_url, "b_admin")
    base, proc = start_streamlit(db_url, work)
    yield {"base": base, "db_url": db_url, "work": work}
    stop_streamlit(proc)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots_dir():
    path = Path(os.environ.get("HOTLINE_SCREENSHOTS", ROOT / "screenshots" / "tmp"))
    if path.exists() and path.name == "tmp":
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path
