"""A steady feed beside a benchmark (not a test): the example ticketing system on a fresh MariaDB
database keeps receiving tickets (PER_DAY a day, evenly, with their flow steps and closes;
dashboard.services.feed.demo_source), and the real `feed SOURCE.yaml` service pulls them into the
benchmarked database every minute. Used by `python -m benchmarks.pages --steady-feed PER_DAY`.
The tickets it brought stay (they are a day's ordinary traffic); the feed's own records are removed.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.feed import demo_source
from queries.schema import feed_rejects, feed_runs, feed_watermarks, feeds

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
PULL_EVERY = 60     # seconds, as mappings/source-mariadb-example.yaml


def mariadb_source(admin_url: str, prefix: str) -> tuple[str, str]:
    """A fresh MariaDB database `prefix_…` holding the example ticketing schema: (its URL, its
    name, which is also the feed's name when the source file is named after it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url)
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    admin.dispose()
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    demo_source.create(url)
    return url, name


def drop_mariadb_source(admin_url: str, name: str) -> None:
    admin = sa.create_engine(admin_url)
    with admin.connect() as c:
        c.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def stop(*procs: subprocess.Popen, timeout: float = 30) -> None:
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()


def forget_feed(db_url: str, name: str) -> None:
    """Remove a benchmark's feed from the benchmarked database (its watermarks would skip the next
    source's rows, and `health` would report it late from then on)."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        for table in (feed_rejects, feed_runs, feed_watermarks):
            conn.execute(table.delete().where(table.c.feed == name))
        conn.execute(feeds.delete().where(feeds.c.name == name))
    engine.dispose()


@contextlib.contextmanager
def steady_feed(db_url: str, per_day: int, admin_url: str = DEFAULT_SOURCE_ADMIN):
    """While inside: one new ticket every 86,400 / PER_DAY seconds in the source, pulled every
    PULL_EVERY seconds. Yields the folder holding the feed's log and source file."""
    source_url, name = mariadb_source(admin_url, "feedsteady")
    work = Path(tempfile.mkdtemp(prefix="steady-feed-"))
    config = demo_source.source_file(work / f"{name}.yaml", source_url, every=PULL_EVERY)   # the feed's name
    env = {k: v for k, v in os.environ.items() if k != "HOTLINE_NOW"}
    env["HOTLINE_LOG_LEVEL"] = "warning"
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys; from dashboard.services.feed import demo_source; "
         "demo_source.run(sys.argv[1], per_minute=1, seconds_between=float(sys.argv[2]), say=lambda _: None)",
         source_url, str(86_400 / per_day)], cwd=ROOT, env=env,
        stdout=open(work / "writer.log", "w"), stderr=subprocess.STDOUT)
    feed = subprocess.Popen([sys.executable, "-m", "dashboard", "--db", db_url, "feed", str(config)], cwd=ROOT,
                            env=env, stdout=open(work / "feed.log", "w"), stderr=subprocess.STDOUT)
    try:
        yield work
    finally:
        stop(writer, feed)
        drop_mariadb_source(admin_url, name)
        forget_feed(db_url, name)
