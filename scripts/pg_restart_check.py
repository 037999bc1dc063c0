"""Survive a PostgreSQL restart under a running wall display, without a reload.

Run on a machine whose PostgreSQL may be restarted (it stops and starts the local cluster):
    python scripts/pg_restart_check.py
It builds a small demo database, starts `streamlit run serve.py`, opens /wall in headless Chromium,
stops PostgreSQL, checks the red banner over the last good figures, starts PostgreSQL again and
checks that the same page (no reload) recovers. Exit code 0 = pass.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.helpers import settle, sign_in  # noqa: E402

DB = "hotline_restart_check"
ADMIN_URL = "postgresql+psycopg://127.0.0.1:5432/test"
URL = f"postgresql+psycopg://127.0.0.1:5432/{DB}"
PORT = 8597
PASSWORD = "restart-check-password"
BANNER = "数据库暂时无法连接"


def cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True)


def cli(*args: str, stdin: str | None = None) -> None:
    subprocess.run([sys.executable, "-m", "dashboard", "--db", URL, *args], cwd=ROOT, check=True,
                   input=stdin, text=True, capture_output=True)


def wait_for(page, predicate, seconds: float, what: str) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for: {what}")


def main() -> int:
    import sqlalchemy as sa
    from playwright.sync_api import sync_playwright

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{DB}"'))
    admin.dispose()
    cli("demo", "--days", "7", "--tickets-per-day", "200", "--no-users")
    cli("users", "add", "restart_wall", "--role", "display", "--password-stdin", stdin=PASSWORD + "\n")
    env = dict(os.environ, HOTLINE_DB_URL=URL)
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(PORT),
                               "--server.headless", "true"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(60):
            try:
                urlopen(base + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            sign_in(page, base, "restart_wall", PASSWORD)
            page.goto(base + "/wall?kiosk=1&refresh=10")
            settle(page)
            page.evaluate("window.__noReload = 'still here'")
            before = page.inner_text("body")
            assert "在办积压" in before and BANNER not in before
            print("wall up; stopping PostgreSQL …")
            cluster("stop")
            wait_for(page, lambda: BANNER in page.inner_text("body"), 60, "the red banner")
            assert "在办积压" in page.inner_text("body"), "the last good figures are gone"
            print("banner shown over the last figures; starting PostgreSQL …")
            cluster("start")
            wait_for(page, lambda: BANNER not in page.inner_text("body"), 90, "recovery")
            assert page.evaluate("window.__noReload") == "still here", "the page was reloaded"
            print("PASS: recovered without a reload")
            browser.close()
        return 0
    finally:
        server.terminate()
        try:
            cluster("start")
        except subprocess.CalledProcessError:
            pass


if __name__ == "__main__":
    sys.exit(main())
