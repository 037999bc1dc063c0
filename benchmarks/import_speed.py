"""Import throughput benchmark (not a test): `python -m benchmarks.import_speed [--rows N] [--db URL]`.

Writes a CSV of N tickets (the headers of docs/imports.md, with 签收/派单/办结 columns) and an events file,
imports both into a fresh database and prints rows per second. Target: ≥ 20,000 ticket rows/s.
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from dashboard.infra.db import make_engine
from dashboard.services.bootstrap import init_db
from dashboard.services.ingest import run_import
from dashboard.services.reference import STREET_NAMES

TICKET_HEADER = ["工单编号", "接收时间", "来电号码", "诉求类型", "紧急程度", "时限类型", "一级分类", "二级分类", "标题",
                 "主要内容", "诉求地址", "被反映街乡镇", "承办单位", "是否纳入考核", "签收时间", "派单时间", "办结时间"]


def generate(n: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    rnd = random.Random(seed)
    start = datetime(2025, 1, 1)
    fmt = "%Y-%m-%d %H:%M:%S"
    tickets_csv, events_csv = folder / "bench_tickets.csv", folder / "bench_events.csv"
    with open(tickets_csv, "w", encoding="utf-8", newline="") as ft, \
            open(events_csv, "w", encoding="utf-8", newline="") as fe:
        ft.write(",".join(TICKET_HEADER) + "\n")
        fe.write("工单编号,操作时间,操作,工号,单位,说明\n")
        for i in range(n):
            no = f"B{i:08d}"
            rec = start + timedelta(seconds=i * 60 + rnd.randrange(60))
            sign = rec + timedelta(seconds=rnd.randrange(60, 2400))
            disp = sign + timedelta(seconds=rnd.randrange(60, 7200))
            close = disp + timedelta(seconds=rnd.randrange(3600, 10 * 86400))
            street = STREET_NAMES[i % len(STREET_NAMES)]
            # one caller in six calls again within days (hashed like any import: docs/repeats.md)
            caller = i - rnd.randrange(1, 3000) if i > 3000 and rnd.random() < 1 / 6 else i
            phone = f"139{caller:08d}"
            ft.write(f"{no},{rec:{fmt}},{phone},投诉,一般,一般,住房,物业管理,物业问题{i},楼道灯不亮,某小区{i % 500}号楼,"
                     f"{street},{street},是,{sign:{fmt}},{disp:{fmt}},{close:{fmt}}\n")
            reply = disp + (close - disp) / 2
            fe.write(f"{no},{reply:{fmt}},回复,,{street},\n")
            fe.write(f"{no},{reply + timedelta(minutes=30):{fmt}},质检通过,Q{i % 16:03d},,\n")
    return tickets_csv, events_csv


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.import_speed")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--db", help="数据库 URL（默认临时 SQLite 文件）")
    args = ap.parse_args(argv)


    print(f"负载（1/5/15 分钟）：{_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.db or f"sqlite:///{folder / 'bench.db'}"
        engine = make_engine(url)
        init_db(engine)
        # the file carries callers' numbers: a key for their hashes when the shell has none
        os.environ.setdefault("HOTLINE_PII_KEY", "benchmark-only-key-" + "b" * 32)
        t0 = time.perf_counter()
        tickets_csv, events_csv = generate(args.rows, folder)
        print(f"生成 {args.rows} 张工单用时 {time.perf_counter() - t0:.1f}s")
        for kind, path in (("tickets", tickets_csv), ("events", events_csv)):
            data = path.read_bytes()
            t0, c0 = time.perf_counter(), time.process_time()
            res = run_import(engine, kind, path.name, data, username="bench")
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            # CPU time too: on a shared machine the wall clock also measures the neighbours.
            print(f"{kind}: {res.status} {res.summary()}；用时 {dt:.1f}s，{res.rows_total / dt:,.0f} 行/秒"
                  f"（进程 CPU {dc:.1f}s，{res.rows_total / dc:,.0f} 行/秒）")
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_import(engine, "tickets", tickets_csv.name, tickets_csv.read_bytes(), username="bench")
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        print(f"tickets（重复导入）: {res.summary()}；用时 {dt:.1f}s，{res.rows_total / dt:,.0f} 行/秒"
              f"（进程 CPU {dc:.1f}s，{res.rows_total / dc:,.0f} 行/秒）")
        engine.dispose()
    print(f"负载（1/5/15 分钟）：{_load()}")
    return 0


def _load() -> str:
    """The machine's load averages: next to every measurement, since the CPUs are shared."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "—"


if __name__ == "__main__":
    raise SystemExit(main())
