"""Back-test of the hourly intake forecast: `python -m benchmarks.forecast_backtest`.

For each of the last `--test-days` days of a history, forecast that day from the data before it
only, and compare hour by hour with what arrived. Prints the MAPE per hour of day and for the day
total. Without `--db` it builds a synthetic demo history (default 60 days) in a temporary SQLite file.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dashboard.infra.db import make_engine
from dashboard.services.demo import generate, surge_days
from domain.staffing import day_kind
from queries.forecast import forecast_for, hourly_intake


def mape_by_hour(conn, days: list[date]) -> tuple[dict[int, float | None], float | None, list[dict]]:
    """MAPE per hour over `days` (hours with no intake are skipped: a percentage of 0 is undefined),
    and the MAPE of the day totals."""
    errors: dict[int, list[float]] = {h: [] for h in range(24)}
    totals: list[float] = []
    rows = []
    for day in days:
        fc = forecast_for(conn, day=day, now=datetime.combine(day, time()), kind_of=day_kind)
        actual_df = hourly_intake(conn, start=datetime.combine(day, time()),
                                  end=datetime.combine(day + timedelta(days=1), time()))
        actual = {int(h): int(n) for h, n in zip(actual_df["hour"], actual_df["tickets"])}
        for h in range(24):
            a = actual.get(h, 0)
            if a > 0:
                errors[h].append(abs(a - fc.hours[h].expected) / a)
        total = sum(actual.values())
        if total > 0:
            totals.append(abs(total - fc.total()) / total)
        rows.append({"day": day, "actual": total, "forecast": fc.total(), "level": fc.level})
    by_hour = {h: (sum(v) / len(v) if v else None) for h, v in errors.items()}
    return by_hour, (sum(totals) / len(totals) if totals else None), rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.forecast_backtest", description="小时受理量预测回测（MAPE）")
    p.add_argument("--db", help="数据库 URL；不给则生成演示历史数据")
    p.add_argument("--days", type=int, default=60, help="演示历史天数（默认 60）")
    p.add_argument("--tickets-per-day", type=int, default=400)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--end", type=date.fromisoformat, default=date(2026, 1, 15), help="最后一天 YYYY-MM-DD")
    p.add_argument("--test-days", type=int, default=14, help="回测最近多少天（默认 14）")
    args = p.parse_args(argv)


    tmp = None
    surges: list[date] = []
    if args.db:
        engine = make_engine(args.db)
    else:
        tmp = tempfile.TemporaryDirectory()
        engine = make_engine(f"sqlite:///{Path(tmp.name) / 'backtest.db'}")
        generate(engine, days=args.days, tickets_per_day=args.tickets_per_day, seed=args.seed, end=args.end,
                 now=datetime.combine(args.end, time(23, 59, 59)))
        surges = surge_days(args.end, args.days)
        print(f"演示历史：{args.days} 天，每天约 {args.tickets_per_day} 件，截至 {args.end}；"
              f"突增日 {', '.join(str(d) for d in surges)}")
    days = [args.end - timedelta(days=k) for k in range(args.test_days - 1, -1, -1)]
    with engine.connect() as conn:
        by_hour, total, rows = mape_by_hour(conn, days)
    print(f"回测 {days[0]} 至 {days[-1]}（每天只用此前的数据预测）")
    print("小时  MAPE")
    for h in range(24):
        v = by_hour[h]
        print(f"{h:02d}时  {'—' if v is None else f'{v:.1%}'}")
    print(f"全天合计 MAPE：{'—' if total is None else f'{total:.1%}'}")
    ordinary = [d for d in days if d not in surges]
    if surges and len(ordinary) < len(days):
        with engine.connect() as conn:
            by_hour_o, total_o, _ = mape_by_hour(conn, ordinary)
        print(f"不含突增日（{len(ordinary)} 天）：全天合计 MAPE {'—' if total_o is None else f'{total_o:.1%}'}；"
              "分小时 " + " ".join(f"{h:02d}时 {'—' if v is None else f'{v:.0%}'}" for h, v in by_hour_o.items()))
    print("日期        实际  预测  水平系数")
    for r in rows:
        print(f"{r['day']}  {r['actual']:>5}  {r['forecast']:>6.0f}  {r['level']:.2f}")
    engine.dispose()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
