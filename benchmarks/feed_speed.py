"""Feed catch-up benchmark (not a test): `python -m benchmarks.feed_speed [--rows N] [--batch B] [--pg ADMIN_URL]`.

Builds a SQLite source in the example ticketing schema (mappings/source-mariadb-schema.sql, via
dashboard.services.feed.demo_source) with N changed tickets, pulls them with `feed --once` into a
fresh database, and imports the same tickets as a CSV file into another fresh database: rows per
second of both (wall and process CPU). Target: the feed's catch-up at the import's speed (the feed
adds no more than 20 % to it). With --pg, both targets are temporary PostgreSQL databases made
(and dropped) through ADMIN_URL; else temporary SQLite files.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
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

APPEAL = {1: "咨询", 2: "求助", 3: "投诉", 5: "建议"}
SLA = {2: "及时", 3: "一般", 4: "疑难"}
CSV_HEADER = ["工单编号", "来电时间", "接收时间", "诉求类型", "紧急程度", "时限类型", "一级分类", "二级分类", "标题",
              "主要内容", "诉求地址", "被反映街乡镇", "承办单位", "是否纳入考核", "截止时间", "办结时间"]


def build(n: int, folder: Path, seed: int = 1) -> tuple[str, Path]:
    """A SQLite source with n tickets (distinct updated_at, a third of them closed) and the same
    tickets as an import CSV."""
    url = f"sqlite:///{folder / 'source.db'}"
    demo_source.create(url)
    rnd = random.Random(seed)
    start = datetime(2025, 1, 1)
    rows, lines = [], []
    for i in range(n):
        recv = start + timedelta(seconds=i * 60 + rnd.randrange(60))
        closed = recv + timedelta(hours=rnd.randrange(2, 96)) if i % 3 == 0 else None
        sqlx, sxlx = rnd.choice(list(APPEAL)), rnd.choice(list(SLA))
        street = STREET_NAMES[i % len(STREET_NAMES)]
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        rows.append((f"B{i:08d}", (recv - timedelta(minutes=2)).strftime(fmt), recv.strftime(fmt), sqlx, 0, sxlx,
                     "住房", "物业管理", f"物业问题{i}", "楼道灯不亮", f"某小区{i % 500}号楼", street, street, 1,
                     (recv + timedelta(days=3)).strftime(fmt), closed.strftime(fmt) if closed else None, 1,
                     recv.strftime(fmt), (start + timedelta(seconds=i)).strftime(fmt)))
        lines.append([f"B{i:08d}", f"{recv - timedelta(minutes=2):%Y-%m-%d %H:%M:%S}", f"{recv:%Y-%m-%d %H:%M:%S}",
                      APPEAL[sqlx], "一般", SLA[sxlx], "住房", "物业管理", f"物业问题{i}", "楼道灯不亮",
                      f"某小区{i % 500}号楼", street, street, "是", f"{recv + timedelta(days=3):%Y-%m-%d %H:%M:%S}",
                      f"{closed:%Y-%m-%d %H:%M:%S}" if closed else ""])
    db = sqlite3.connect(folder / "source.db")
    db.executemany("INSERT INTO t_order (order_no, call_time, recv_time, sqlx, jjcd, sxlx, fl1, fl2, title, content, addr, "
                   "street_name, handle_unit, kh_flag, deadline, bj_time, status_code, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    path = folder / "tickets.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        w.writerows(lines)
    return url, path


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
    ap.add_argument("--pg", help="PostgreSQL 管理连接 URL：目标库为其中的临时数据库（默认临时 SQLite 文件）")
    args = ap.parse_args(argv)
    print(f"负载（1/5/15 分钟）：{_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        source_url, tickets_csv = build(args.rows, folder)
        print(f"生成数据源 {args.rows:,} 张工单用时 {time.perf_counter() - t0:.1f}s")
        (feed_url, import_url), drop = _targets(args.pg, folder)
        try:
            src = demo_source.source_file(folder / "source.yaml", source_url, events=None)
            cfg = config.load(src)
            cfg.kinds["tickets"] = config.KindSource(**{**cfg.kinds["tickets"].__dict__, "batch": args.batch})
            engine = make_engine(feed_url)
            init_db(engine)
            t0, c0 = time.perf_counter(), time.process_time()
            code = sql_source.run(engine, cfg, once=True)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            with engine.connect() as conn:
                got = conn.execute(sa.text("SELECT COUNT(*) FROM tickets")).scalar_one()
            engine.dispose()
            print(f"feed --once（批 {args.batch:,}）: 退出码 {code}，工单 {got:,}；用时 {dt:.1f}s，{args.rows / dt:,.0f} 行/秒"
                  f"（进程 CPU {dc:.1f}s，{args.rows / dc:,.0f} 行/秒）")
            engine = make_engine(import_url)
            init_db(engine)
            t0, c0 = time.perf_counter(), time.process_time()
            res = run_import(engine, "tickets", tickets_csv.name, tickets_csv.read_bytes(), username="bench")
            di, ci = time.perf_counter() - t0, time.process_time() - c0
            engine.dispose()
            print(f"import tickets（同一批工单）: {res.summary()}；用时 {di:.1f}s，{res.rows_total / di:,.0f} 行/秒"
                  f"（进程 CPU {ci:.1f}s，{res.rows_total / ci:,.0f} 行/秒）")
            print(f"feed / import 用时之比：{dt / di:.2f}（CPU {dc / ci:.2f}）")
        finally:
            drop()
    print(f"负载（1/5/15 分钟）：{_load()}")
    return 0


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "—"


if __name__ == "__main__":
    raise SystemExit(main())
