"""`python -m dashboard demo-source SOURCE_URL --config OUT.yaml [--per-minute N] [--history N] [--once]`:
a simulated operations system for demos (docs/feed.md): creates the example ticketing schema in
the source database, writes the feed's source file for it, then keeps adding tickets and flow rows."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from dashboard.cli.main import CliError
from dashboard.services.feed import demo_source


def run(args) -> int:
    url = args.source_url
    try:
        demo_source.create(url)
    except Exception as e:  # noqa: BLE001 - one line for the operator
        raise CliError(f"无法在演示数据源中建表：{str(e).splitlines()[0]}") from None
    out = demo_source.source_file(Path(args.config), url, every=args.every)
    print(f"演示数据源已就绪：{url}；数据接入配置已写入 {out}（python -m dashboard feed {out}）")
    if args.history:
        start = datetime.now() - timedelta(hours=args.history)
        for h in range(args.history):
            demo_source.add(url, tickets=max(args.per_minute * 6, 1), now=start + timedelta(hours=h), seed=h)
    if args.once:
        demo_source.add(url, tickets=args.per_minute, now=datetime.now())
        return 0
    demo_source.run(url, per_minute=args.per_minute)
    return 0
