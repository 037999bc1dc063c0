"""Killed at any moment (kill -9, 20 times during a large pull in small batches), the feed loses
nothing and doubles nothing: a final run leaves exactly the source's tickets and events.

Before every run the source changes again (a slice of orders updated in place, new flow rows), so
each run has many batches to pull however fast the machine is, and the kill lands inside them.

Three pairings: a MariaDB source into SQLite (batches read, then written) and into PostgreSQL (the
production pairing, where the next batches are read in a second thread while these are written
and a batch's commit does not wait for the disk), and a PostgreSQL source into PostgreSQL."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from queries.schema import feed_runs
from tests.support.feed_sources import (
    ROOT,
    OrderSystem,
    mariadb_source,
    our_events,
    our_tickets,
    postgresql_source,
    source_file,
)

ORDERS = 30_000
KILLS = 20
CHANGED_PER_RUN = 12_000          # orders updated in place before each run: a dozen batches of 1,000
KILL_WITHIN_SECONDS = 0.8         # after the run has started; well inside a dozen batches


def runs_started(engine) -> int:
    with engine.connect() as conn:
        try:
            return conn.execute(sa.select(sa.func.count()).select_from(feed_runs)).scalar_one()
        except sa.exc.DBAPIError:      # the first process is still creating the schema
            return 0


def change_in_place(system: OrderSystem, run: int, nos: list[str]) -> None:
    """What the ticketing system does all day: callback results written into a window of orders
    (each with its own later updated_at) and flow rows added for some of them."""
    first = (run * CHANGED_PER_RUN) % ORDERS          # a window of the orders, wrapping round
    if system.engine.dialect.name == "postgresql":
        callback_at, updated_at = "recv_time + INTERVAL '2 days'", "CAST(:base AS timestamp) + id * INTERVAL '1 second'"
    else:
        callback_at, updated_at = "DATE_ADD(recv_time, INTERVAL 2 DAY)", "DATE_ADD(:base, INTERVAL id SECOND)"
    with system.engine.begin() as c:
        c.execute(sa.text(
            f"UPDATE t_order SET hf_time = {callback_at}, hf_valid = 1, hf_contacted = 1, "
            "hf_resolved = (id + :run) % 2, myd = 1 + (id + :run) % 3, "
            f"updated_at = {updated_at} "
            "WHERE MOD(id - 1 - :first + :orders, :orders) < :n"),
            {"run": run, "base": datetime(2026, 10, 1) + timedelta(days=run), "first": first, "orders": ORDERS,
             "n": CHANGED_PER_RUN})
    window = (nos[first:] + nos[:first])[:CHANGED_PER_RUN]
    system.add_flow(window[::7], 8, after_minutes=90 + run, remark=f"催办{run}")


PAIRINGS = [("sqlite", "mariadb"), ("postgresql", "mariadb"), ("postgresql", "postgresql")]


@pytest.fixture(params=PAIRINGS, ids=[f"{source}-into-{target}" for target, source in PAIRINGS])
def pairing(request):
    """(our database, emptied; the source's URL, its kind) of one pairing."""
    target, kind = request.param
    engine = request.getfixturevalue("sqlite_engine" if target == "sqlite" else "pg_engine")
    url, drop = mariadb_source() if kind == "mariadb" else postgresql_source()
    yield engine, url, kind
    drop()


def test_twenty_kill_9_during_a_large_pull_lose_and_double_nothing(pairing, tmp_path):
    engine, source_url, kind = pairing
    system = OrderSystem(source_url, seed=11)
    nos = system.add_orders(ORDERS, datetime(2026, 9, 1, 0, 0, 0), step_seconds=20)
    system.add_flow(nos[::3], 1)
    system.add_flow(nos[::5], 2, after_minutes=30, remark="派单")
    path = source_file(tmp_path, source_url, kind, overlap=0, tickets={"batch": 1000}, events={"batch": 1000})
    db = engine.url.render_as_string(hide_password=False)
    cmd = [sys.executable, "-m", "dashboard", "--db", db, "feed", str(path), "--once"]
    env = {**os.environ, "HOTLINE_LOG_LEVEL": "error"}
    rng = random.Random(20261206)
    killed = 0
    for run in range(KILLS):
        change_in_place(system, run, nos)
        before = runs_started(engine)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill during the pull: once this process has started its run, at a random moment
        while proc.poll() is None and runs_started(engine) == before:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, KILL_WITHIN_SECONDS))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
    assert killed >= KILLS // 2                      # most runs were cut short mid-pull
    final = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr

    assert our_tickets(engine) == system.expected_tickets()
    assert Counter(our_events(engine)) == Counter(system.expected_events())
    with engine.connect() as conn:
        statuses = Counter(conn.execute(sa.select(feed_runs.c.status)).scalars())
    assert statuses["running"] == 0 and statuses["failed"] >= killed // 2 and statuses["ok"] >= 2
