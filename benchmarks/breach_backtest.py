"""Back-test of the breach forecast: `python -m benchmarks.breach_backtest --db URL`.

For each of the last `--test-days` days at 08:00 (the stand-up), forecast the tickets due in the
next 24 hours from the data as it stood then only (queries/breach.py reads ticket_facts as of that
moment), and compare with what happened. Reports, for the forecast and for the baseline "every open
ticket past 80 % of its limit breaches":
- MAE: mean absolute error of expected vs actual breaches per unit and day (over the unit-days with
  at least one ticket due);
- Brier score: mean of (predicted breach probability − actual 0/1)² over the tickets due.
Without `--db` it builds the default demo (`python -m dashboard demo`'s window) in a temporary
SQLite file, which takes a few minutes.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.demo import generate
from domain.breach import (
    HORIZON,
    Estimator,
    HistoryRow,
    Target,
    brier,
    forecast,
    mean_absolute_error,
    past_baseline_share,
)
from queries.breach import breach_history, breach_targets
from queries.schema import ticket_facts

STAND_UP = time(8, 0)


def day_result(conn, at: datetime) -> dict:
    """The forecast, the baseline and the outcome of the tickets due in the 24 h after `at`."""
    history = breach_history(conn, now=at)
    estimator = Estimator(HistoryRow(r.unit, r.sla_class, int(r.open_through), bool(r.on_time), int(r.tickets))
                          for r in history.itertuples())
    due = breach_targets(conn, now=at, as_of=True)
    targets = [Target(r.ticket_no, r.unit, r.sla_class, r.received_at.to_pydatetime(), r.deadline_at.to_pydatetime())
               for r in due.itertuples()]
    tickets, units = [], defaultdict(lambda: [Fraction(0), 0, 0])   # unit -> [expected, baseline, actual]
    for f, r in zip(forecast(targets, estimator, at), due.itertuples(), strict=True):
        on_time = r.closed_at is not None and not _missing(r.closed_at) and r.closed_at <= r.deadline_at
        returned = not _missing(r.return_approved_at) and r.return_approved_at <= r.deadline_at
        breached = not on_time and not returned
        baseline = past_baseline_share(f.target.received_at, f.target.deadline_at, at)
        tickets.append((f.breach, baseline, breached))
        u = units[f.target.unit]
        u[0] += f.breach
        u[1] += int(baseline)
        u[2] += int(breached)
    return {"at": at, "tickets": tickets, "units": dict(units)}


def _missing(x) -> bool:
    return x is None or x != x   # NaT compares unequal to itself


def summarise(days: list[dict]) -> dict:
    tickets = [t for d in days for t in d["tickets"]]
    unit_days = [u for d in days for u in d["units"].values()]
    return {
        "tickets": len(tickets),
        "breached": sum(1 for t in tickets if t[2]),
        "unit_days": len(unit_days),
        "mae": mean_absolute_error((u[0], u[2]) for u in unit_days),
        "mae_baseline": mean_absolute_error((Fraction(u[1]), u[2]) for u in unit_days),
        "brier": brier((q, b) for q, _, b in tickets),
        "brier_baseline": brier((Fraction(int(base)), b) for _, base, b in tickets),
        "expected": sum((u[0] for u in unit_days), Fraction(0)),
        "baseline_total": sum(u[1] for u in unit_days),
    }


def _f(x: Fraction | None, digits: int = 3) -> str:
    return "—" if x is None else f"{float(x):.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.breach_backtest", description="超期预测回测（MAE、Brier）")
    p.add_argument("--db", help="数据库 URL；不给则在临时文件中生成默认演示数据")
    p.add_argument("--test-days", type=int, default=28, help="回测最近多少天（默认 28）")
    p.add_argument("--now", help="数据截止时间 YYYY-MM-DD HH:MM:SS（默认：库中最新的流转时间）")
    p.add_argument("--daily", action="store_true", help="逐日列出")
    args = p.parse_args(argv)

    tmp = None
    if args.db:
        engine = make_engine(args.db)
    else:
        tmp = tempfile.TemporaryDirectory()
        engine = make_engine(f"sqlite:///{Path(tmp.name) / 'backtest.db'}")
        generate(engine)
    with engine.connect() as conn:
        if args.now:
            data_end = datetime.fromisoformat(args.now)
        else:
            latest = conn.execute(sa.select(sa.func.max(ticket_facts.c.last_event_at))).scalar()
            if latest is None:
                print("数据库中没有工单", file=sys.stderr)
                return 1
            data_end = latest if isinstance(latest, datetime) else datetime.fromisoformat(str(latest))
        last_day = (data_end - HORIZON).date()
        if datetime.combine(last_day, STAND_UP) + HORIZON > data_end:
            last_day -= timedelta(days=1)
        days = [last_day - timedelta(days=k) for k in range(args.test_days - 1, -1, -1)]
        results = [day_result(conn, datetime.combine(d, STAND_UP)) for d in days]
    s = summarise(results)
    print(f"回测 {days[0]} 至 {days[-1]} 每天 {STAND_UP:%H:%M}，预测其后 24 小时内到期的在办工单"
          f"（数据截至 {data_end:%Y-%m-%d %H:%M:%S}）")
    print(f"到期工单 {s['tickets']:,} 张，实际超期 {s['breached']:,} 张；单位·日 {s['unit_days']:,} 个")
    print(f"预期超期合计 {_f(s['expected'], 1)}，基线预测合计 {s['baseline_total']:,}")
    print("方法                        MAE（单位·日）  Brier")
    print(f"超期预测                    {_f(s['mae']):>12}  {_f(s['brier'])}")
    print(f"基线（超过时限 80% 即超期）  {_f(s['mae_baseline']):>12}  {_f(s['brier_baseline'])}")
    if args.daily:
        print("日期        到期  实际  预期   基线")
        for d, r in zip(days, results, strict=True):
            units = r["units"].values()
            print(f"{d}  {len(r['tickets']):>4}  {sum(u[2] for u in units):>4}  "
                  f"{float(sum((u[0] for u in units), Fraction(0))):>5.1f}  {sum(u[1] for u in units):>4}")
    engine.dispose()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
