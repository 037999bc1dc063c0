"""End-to-end feed latency (not a test): `python -m benchmarks.feed_latency --db URL [--samples 20]`.

A ticket committed in a MariaDB source (the example ticketing schema of mappings/) must appear in
the wall's figures within the feed's pull interval plus the wall's refresh. This measures it as it
happens on the intranet: against the database at URL (the 3 M-ticket benchmark set), the real
`feed SOURCE.yaml` service pulls from a fresh MariaDB source every --every seconds, the real
`streamlit run serve.py` serves the wall, and headless Chromium shows /wall?kiosk=1 signed in as a
display account, refreshing by itself every --refresh seconds.

Each sample waits a random 5–65 s (so samples fall at every phase of the pull and refresh
cycles), reads the 今日受理 tile, commits one new ticket received "now" in the source, and times
(a) until the ticket is in our database (the feed's part) and (b) until the tile shows one more
(what leadership sees). Prints each sample and the median and worst of both.

The source database and the feed's records are removed at the end; the display account
(bench_wall_…) is disabled; the 20-odd tickets stay. Not across midnight: 今日受理 starts again.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.request import urlopen

import sqlalchemy as sa

from benchmarks.steady_feed import DEFAULT_SOURCE_ADMIN, drop_mariadb_source, forget_feed, mariadb_source, stop
from dashboard.infra.db import make_engine
from dashboard.services.feed import demo_source
from dashboard.services.reference import STREET_NAMES
from queries.schema import tickets

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TILE = "今日受理"
READ_TILE = """(label) => {
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    const l = m.querySelector('[data-testid="stMetricLabel"]');
    const v = m.querySelector('[data-testid="stMetricValue"]');
    if (l && v && l.innerText.trim().startsWith(label)) return v.innerText;
  }
  return null;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(db: str, *args: str, stdin: str | None = None) -> None:
    subprocess.run([sys.executable, "-m", "dashboard", "--db", db, *args], cwd=ROOT, check=True, input=stdin,
                   text=True, capture_output=True)


def commit_ticket(source: sa.Engine, n: int) -> str:
    """One new ticket, received now, as the ticketing system writes it."""
    now = datetime.now().replace(microsecond=0)
    no = f"LAT{now:%Y%m%d%H%M%S}{n:03d}"
    with source.begin() as c:
        c.execute(demo_source.orders.insert().values(
            order_no=no, call_time=now, recv_time=now, sqlx=1, jjcd=0, sxlx=3, fl1="城乡建设", fl2="房屋管理",
            title="延迟测量", content="延迟测量工单", addr="通州区测试路1号", street_name=STREET_NAMES[0],
            handle_unit="区城管委", kh_flag=1, status_code=1, deadline=datetime(now.year + 1, 1, 1),
            created_at=now, updated_at=now))
    return no


def tile_value(page) -> int | None:
    text = page.evaluate(READ_TILE, TILE)
    digits = re.sub(r"[^0-9]", "", text or "")
    return int(digits) if digits else None


def sign_in(page, base: str, username: str, password: str, refresh: int) -> None:
    page.goto(f"{base}/wall?kiosk=1&refresh={refresh}")
    page.get_by_label("用户名").wait_for(timeout=120_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    # the first run at 3 M tickets reads everything cold
    page.wait_for_function(f"() => ({READ_TILE})({json.dumps(TILE)}) !== null", timeout=600_000)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="our database (the benchmark data set)")
    ap.add_argument("--source-admin", default=DEFAULT_SOURCE_ADMIN,
                    help="a MariaDB account that may create and drop a database")
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--every", type=int, default=60, help="the feed's pull interval (s)")
    ap.add_argument("--refresh", type=int, default=60, help="the wall's refresh (s)")
    ap.add_argument("--seed", type=int, default=20261206)
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="feedlat-"))
    source_url, source_name = mariadb_source(args.source_admin, "feedlat")
    source = sa.create_engine(source_url)
    config = demo_source.source_file(work / f"{source_name}.yaml", source_url, every=args.every)   # the feed's name
    user, password = f"bench_wall_{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(18)
    cli(args.db, "users", "add", user, "--role", "display", "--password-stdin", stdin=password + "\n")
    env = {**os.environ, "HOTLINE_DB_URL": args.db, "HOTLINE_LOG_LEVEL": "warning"}
    env.pop("HOTLINE_NOW", None)
    feed = subprocess.Popen([sys.executable, "-m", "dashboard", "--db", args.db, "feed", str(config)], cwd=ROOT,
                            env=env, stdout=open(work / "feed.log", "w"), stderr=subprocess.STDOUT)
    port = free_port()
    app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                            "--server.headless", "true", "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                           stdout=open(work / "streamlit.log", "w"), stderr=subprocess.STDOUT)
    ours = make_engine(args.db)
    feed_s, wall_s = [], []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if urlopen(base + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            sign_in(page, base, user, password, args.refresh)
            print(f"{datetime.now():%H:%M:%S} 大屏已打开（{TILE} {tile_value(page):,}），开始测量 {args.samples} 次", flush=True)
            for n in range(1, args.samples + 1):
                time.sleep(rng.uniform(5, 65))
                before = tile_value(page)
                no = commit_ticket(source, n)
                committed = time.monotonic()
                stored_after = shown_after = None
                while shown_after is None:
                    if stored_after is None:
                        with ours.connect() as c:
                            if c.execute(sa.select(tickets.c.ticket_no).where(tickets.c.ticket_no == no)).first():
                                stored_after = time.monotonic() - committed
                    value = tile_value(page)
                    if value is not None and before is not None and value > before:
                        shown_after = time.monotonic() - committed
                        stored_after = stored_after if stored_after is not None else shown_after
                    elif time.monotonic() - committed > 900:
                        raise SystemExit(f"样本 {n}：15 分钟内大屏未显示新工单")
                    time.sleep(0.25)
                feed_s.append(stored_after)
                wall_s.append(shown_after)
                print(f"{datetime.now():%H:%M:%S} 样本 {n:2d}：入库 {stored_after:6.1f} s，大屏 {shown_after:6.1f} s "
                      f"（{TILE} {before:,} → {value:,}）", flush=True)
            browser.close()
    finally:
        stop(app, feed)
        cli(args.db, "users", "disable", user)
        source.dispose()
        drop_mariadb_source(args.source_admin, source_name)
        forget_feed(args.db, source_name)
    if wall_s:
        print(f"入库：中位 {statistics.median(feed_s):.1f} s，最慢 {max(feed_s):.1f} s；"
              f"大屏：中位 {statistics.median(wall_s):.1f} s，最慢 {max(wall_s):.1f} s"
              f"（目标 {args.every + args.refresh} s = 拉取间隔 {args.every} s + 大屏刷新 {args.refresh} s；样本 {len(wall_s)}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
