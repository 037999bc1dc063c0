"""Feed catch-up benchmark (not a test): `python -m benchmarks.feed_speed [--rows N] [--batch B] [--pg ADMIN_URL]`.

Builds a SQLite source in the example ticketing schema (mappings/source-mariadb-schema.sql, via
dashboard.services.feed.demo_source) with N changed tickets, pulls them with `feed --once` into a
fresh database, and imports the same tickets into another fresh database from a CSV file holding
every cell the feed's query returns, read with the feed's value maps: rows per second of both
(wall and process CPU). Target: the feed's catch-up at the import's speed (the feed
adds no more than 20 % to it). With --pg, both targets are temporary PostgreSQL databases made
(and dropped) through ADMIN_URL; else temporary SQLite files.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.bootstrap import init_db
from dashboard.services.feed import config, demo_source, sql_source
from dashboard.services.ingest import run_import
from dashboard.services.reference import STREET_NAMES

# the example schema's codes of 诉求类型 and 时限类型 (the example source file maps them)
APPEAL_CODES = [1, 2, 3, 5]
SLA_CODES = [2, 3, 4]


def build(n: int, folder: Path, seed: int = 1) -> str:
    """A SQLite source with n tickets (distinct updated_at, a third of them closed)."""
    url = f"sqlite:///{folder / 'source.db'}"
    demo_source.create(url)
    rnd = random.Random(seed)
    start = datetime(2025, 1, 1)
    rows = []
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    for i in range(n):
        recv = start + timedelta(seconds=i * 60 + rnd.randrange(60))
        closed = recv + timedelta(hours=rnd.randrange(2, 96)) if i % 3 == 0 else None
        street = STREET_NAMES[i % len(STREET_NAMES)]
        rows.append((f"B{i:08d}", (recv - timedelta(minutes=2)).strftime(fmt), recv.strftime(fmt),
                     rnd.choice(APPEAL_CODES), 0, rnd.choice(SLA_CODES), "住房", "物业管理", f"物业问题{i}", "楼道灯不亮",
                     f"某小区{i % 500}号楼", street, street, 1, (recv + timedelta(days=3)).strftime(fmt),
                     closed.strftime(fmt) if closed else None, 1, recv.strftime(fmt),
                     (start + timedelta(seconds=i)).strftime(fmt)))
    db = sqlite3.connect(folder / "source.db")
    db.executemany("INSERT INTO t_order (order_no, call_time, recv_time, sqlx, jjcd, sxlx, fl1, fl2, title, content, addr, "
                   "street_name, handle_unit, kh_flag, deadline, bj_time, status_code, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return url


def import_file(cfg: config.FeedConfig, folder: Path) -> Path:
    """The same tickets as an import file: every cell the feed's query returns for them (the
    source's own codes, read with the feed's value maps), so both check and write the same
    columns."""
    ks = cfg.kinds["tickets"]
    source = sql_source.source_engine(cfg)
    try:
        with source.connect() as conn:
            total = conn.execute(sa.text("SELECT COUNT(*) FROM t_order")).scalar_one()
        names, rows = sql_source.fetch(source, ks, sql_source.since_for(None, ks, 0, "sqlite"), total)
    finally:
        source.dispose()
    path = folder / "tickets.csv"
    sql_source.to_frame(names, rows).to_csv(path, index=False, encoding="utf-8")
    return path


def _targets(pg_admin: str | None, folder: Path):
    if not pg_admin:
        return [f"sqlite:///{folder / 'feed.db'}", f"sqlite:///{folder / 'import.db'}"], lambda: None
    admin = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    names = [f"bench_feed_{uuid.uuid4().hex[:8]}", f"bench_import_{uuid.uuid4().hex[:8]}"]
    with admin.connect() as c:
        for name in names:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            for name in names:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return [sa.engine.make_url(pg_admin).set(database=n).render_as_string(hide_password=False) for n in names], drop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.feed_speed")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3,
                    help="轮数：每轮各在新库中运行一次 feed 与 import（先后交替），取中位数（默认 3）")
    ap.add_argument("--pg", help="PostgreSQL 管理连接 URL：目标库为其中的临时数据库（默认临时 SQLite 文件）")
    args = ap.parse_args(argv)
    print(f"负载（1/5/15 分钟）：{_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        source_url = build(args.rows, folder)
        src = demo_source.source_file(folder / "source.yaml", source_url, events=None)
        cfg = config.load(src)
        cfg.kinds["tickets"] = config.KindSource(**{**cfg.kinds["tickets"].__dict__, "batch": args.batch})
        tickets_csv = import_file(cfg, folder)
        print(f"生成数据源 {args.rows:,} 张工单用时 {time.perf_counter() - t0:.1f}s")
        feeds, imports = [], []
        for round_no in range(max(1, args.repeat)):
            work = folder / f"round{round_no}"
            work.mkdir()
            (feed_url, import_url), drop = _targets(args.pg, work)
            try:
                # the machine's speed drifts: the two take turns going first
                for which in (("feed", "import") if round_no % 2 == 0 else ("import", "feed")):
                    if which == "feed":
                        feeds.append(_feed(feed_url, cfg, args.rows))
                    else:
                        imports.append(_import(import_url, cfg, tickets_csv))
            finally:
                drop()
        (dt, dc), (di, ci) = _medians(feeds), _medians(imports)
        print(f"中位数（{len(feeds)} 轮）：feed {args.rows / dt:,.0f} 行/秒，import {args.rows / di:,.0f} 行/秒；"
              f"feed / import 用时之比 {dt / di:.2f}（CPU {dc / ci:.2f}）")
    print(f"负载（1/5/15 分钟）：{_load()}")
    return 0


def _feed(url: str, cfg: config.FeedConfig, rows: int) -> tuple[float, float]:
    engine = make_engine(url)
    init_db(engine)
    t0, c0 = time.perf_counter(), time.process_time()
    code = sql_source.run(engine, cfg, once=True)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT COUNT(*) FROM tickets")).scalar_one()
    engine.dispose()
    print(f"feed --once（批 {cfg.kinds['tickets'].batch:,}）: 退出码 {code}，工单 {got:,}；用时 {dt:.1f}s，"
          f"{rows / dt:,.0f} 行/秒（进程 CPU {dc:.1f}s，{rows / dc:,.0f} 行/秒）")
    return dt, dc


def _import(url: str, cfg: config.FeedConfig, path: Path) -> tuple[float, float]:
    engine = make_engine(url)
    init_db(engine)
    t0, c0 = time.perf_counter(), time.process_time()
    res = run_import(engine, "tickets", path.name, path.read_bytes(), username="bench",
                     mapping=cfg.kinds["tickets"].mapping)
    di, ci = time.perf_counter() - t0, time.process_time() - c0
    engine.dispose()
    print(f"import tickets（同一批工单）: {res.summary()}；用时 {di:.1f}s，{res.rows_total / di:,.0f} 行/秒"
          f"（进程 CPU {ci:.1f}s，{res.rows_total / ci:,.0f} 行/秒）")
    return di, ci


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "—"


if __name__ == "__main__":
    raise SystemExit(main())
