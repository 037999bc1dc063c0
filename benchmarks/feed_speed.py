"""Feed catch-up benchmark (not a test):
`python -m benchmarks.feed_speed [--rows N] [--batch B] [--history H] [--pg ADMIN_URL]`.

Builds a SQLite source in the example ticketing schema (mappings/source-mariadb-schema.sql, via
dashboard.services.feed.demo_source) with N changed tickets, pulls them with `feed --once` into a
fresh database, and imports the same tickets into another fresh database from a CSV file holding
every cell the feed's query returns, read with the feed's value maps: rows per second of both
(wall and process CPU). Target: the feed's catch-up at the import's speed (the feed
adds no more than 20 % to it). With --pg, both targets are temporary PostgreSQL databases made
(and dropped) through ADMIN_URL; else temporary SQLite files.

With --history H both targets first hold H older tickets (imported before the clock starts, the
last of them just before the backlog's first): a database in service, where a catch-up happens.
Then the import, like each of the feed's batches, writes into tables whose indexes exist and looks
back on stored tickets; into an empty database it is a first load, which builds the indexes once
after writing (ingest.writing.indexes_built_after), a path no batch of the feed can take.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.bootstrap import init_db
from dashboard.services.feed import config, demo_source, sql_source
from dashboard.services.ingest import run_import
from dashboard.services.reference import STREET_NAMES

# the example schema's codes of 诉求类型 and 时限类型 (the example source file maps them)
APPEAL_CODES = [1, 2, 3, 5]
SLA_CODES = [2, 3, 4]


BACKLOG_START = datetime(2025, 1, 1)


def build(n: int, folder: Path, seed: int = 1, *, start: datetime = BACKLOG_START, prefix: str = "B",
          name: str = "source.db") -> str:
    """A SQLite source with n tickets received a minute apart from `start` (distinct updated_at,
    a third of them closed)."""
    url = f"sqlite:///{folder / name}"
    demo_source.create(url)
    rnd = random.Random(seed)
    rows = []
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    for i in range(n):
        recv = start + timedelta(seconds=i * 60 + rnd.randrange(60))
        closed = recv + timedelta(hours=rnd.randrange(2, 96)) if i % 3 == 0 else None
        street = STREET_NAMES[i % len(STREET_NAMES)]
        rows.append((f"{prefix}{i:08d}", (recv - timedelta(minutes=2)).strftime(fmt), recv.strftime(fmt),
                     rnd.choice(APPEAL_CODES), 0, rnd.choice(SLA_CODES), "住房", "物业管理", f"物业问题{i}", "楼道灯不亮",
                     f"某小区{i % 500}号楼", street, street, 1, (recv + timedelta(days=3)).strftime(fmt),
                     closed.strftime(fmt) if closed else None, 1, recv.strftime(fmt),
                     (start + timedelta(seconds=i)).strftime(fmt)))
    db = sqlite3.connect(folder / name)
    db.executemany("INSERT INTO t_order (order_no, call_time, recv_time, sqlx, jjcd, sxlx, fl1, fl2, title, content, addr, "
                   "street_name, handle_unit, kh_flag, deadline, bj_time, status_code, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return url


def import_file(cfg: config.FeedConfig, folder: Path, name: str = "tickets.csv") -> Path:
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
    path = folder / name
    sql_source.to_frame(names, rows).to_csv(path, index=False, encoding="utf-8")
    return path


HISTORY_FILE_ROWS = 100_000      # an import file's rows stay well below the import's size limit


def _history_files(n: int, folder: Path) -> list[Path]:
    """Import files of n tickets received a minute apart up to the backlog's start."""
    url = build(n, folder, seed=2, start=BACKLOG_START - timedelta(minutes=n), prefix="H", name="history.db")
    cfg = config.load(demo_source.source_file(folder / "history.yaml", url, events=None))
    whole = pd.read_csv(import_file(cfg, folder, "history.csv"), dtype=str, keep_default_na=False)
    paths = []
    for k, lo in enumerate(range(0, len(whole), HISTORY_FILE_ROWS)):
        paths.append(folder / f"history-{k:03d}.csv")
        whole.iloc[lo:lo + HISTORY_FILE_ROWS].to_csv(paths[-1], index=False, encoding="utf-8")
    return paths


class Targets:
    """The fresh databases of a round (feed's, import's), each holding the same history: made
    from one database that imported it once (SQLite: a copy of its file; PostgreSQL: a template)."""

    def __init__(self, pg_admin: str | None, folder: Path, history: list[Path], mapping):
        self.pg_admin, self.folder, self.mapping = pg_admin, folder, mapping
        self.admin = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT") if pg_admin else None
        self.made: list[str] = []
        self.template = self._new("bench_history", empty=True)
        engine = make_engine(self.template)
        init_db(engine)
        t0, held = time.perf_counter(), 0
        for path in history:
            res = run_import(engine, "tickets", path.name, path.read_bytes(), username="bench", mapping=mapping)
            if not res.ok:
                raise SystemExit(f"历史数据导入失败：{res.message}")
            held += res.inserted
        if history:
            # a PostgreSQL database in service has been vacuumed and analysed after a large load
            # (autovacuum does both once that many rows were inserted): planner statistics, and
            # rows marked as committed and visible to all (a database made from a template right
            # away has neither, and its first reads of the history rows write them)
            if engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"历史数据：{held:,} 张工单，用时 {time.perf_counter() - t0:.1f}s（不计入）")
        engine.dispose()

    def _new(self, stem: str, *, empty: bool = False) -> str:
        name = f"{stem}_{uuid.uuid4().hex[:8]}"
        self.made.append(name)
        if self.admin is None:
            path = self.folder / f"{name}.db"
            if not empty:
                src = sqlite3.connect(sa.engine.make_url(self.template).database)
                dst = sqlite3.connect(path)
                src.backup(dst)
                src.close()
                dst.close()
            return f"sqlite:///{path}"
        # copied as files, not through the write-ahead log (PostgreSQL 15's default, WAL_LOG,
        # writes the whole history into the log, and its checkpoints ran on into the timed run)
        template = "" if empty else f' TEMPLATE "{sa.engine.make_url(self.template).database}" STRATEGY FILE_COPY'
        with self.admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"{template}'))
        assert self.pg_admin is not None
        return sa.engine.make_url(self.pg_admin).set(database=name).render_as_string(hide_password=False)

    def fresh(self) -> str:
        return self._new("bench_target")

    def drop(self) -> None:
        if self.admin is None:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        with self.admin.connect() as c:
            for name in self.made:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.feed_speed")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--history", type=int, default=0,
                    help="两个目标库先各导入的更早工单数（在用的数据库，不计时；默认 0：空库）")
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
        history = _history_files(args.history, folder) if args.history else []
        print(f"生成数据源 {args.rows:,} 张工单用时 {time.perf_counter() - t0:.1f}s")
        (folder / "targets").mkdir()
        targets = Targets(args.pg, folder / "targets", history, cfg.kinds["tickets"].mapping)
        feeds, imports = [], []
        try:
            for round_no in range(max(1, args.repeat)):
                # the machine's speed drifts: the two take turns going first
                for which in (("feed", "import") if round_no % 2 == 0 else ("import", "feed")):
                    if which == "feed":
                        feeds.append(_feed(targets.fresh(), cfg, args.rows, args.history))
                    else:
                        imports.append(_import(targets.fresh(), cfg, tickets_csv))
        finally:
            targets.drop()
        (dt, dc), (di, ci) = _medians(feeds), _medians(imports)
        print(f"中位数（{len(feeds)} 轮）：feed {args.rows / dt:,.0f} 行/秒，import {args.rows / di:,.0f} 行/秒；"
              f"feed / import 用时之比 {dt / di:.2f}（CPU {dc / ci:.2f}）")
    print(f"负载（1/5/15 分钟）：{_load()}")
    return 0


def _feed(url: str, cfg: config.FeedConfig, rows: int, history: int) -> tuple[float, float]:
    engine = make_engine(url)
    t0, c0 = time.perf_counter(), time.process_time()
    code = sql_source.run(engine, cfg, once=True)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT COUNT(*) FROM tickets")).scalar_one()
    engine.dispose()
    print(f"feed --once（批 {cfg.kinds['tickets'].batch:,}）: 退出码 {code}，工单 {got - history:,}；用时 {dt:.1f}s，"
          f"{rows / dt:,.0f} 行/秒（进程 CPU {dc:.1f}s，{rows / dc:,.0f} 行/秒）")
    return dt, dc


def _import(url: str, cfg: config.FeedConfig, path: Path) -> tuple[float, float]:
    engine = make_engine(url)
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
