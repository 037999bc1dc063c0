"""Drop a few new tickets and the next steps of earlier ones into an inbox folder every minute, for
the demo's live mode (`bash scripts/demo.sh --live`, docs/feed-inbox.md).

    python scripts/demo_drip.py data/inbox [--every 60] [--rounds N]

The feed (`python -m dashboard feed --inbox data/inbox`) imports them; the wall's figures move.
Files are written under a hidden name and renamed, so the feed never sees half a file.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from dashboard.infra import settings  # noqa: E402
from dashboard.services.demo.drip import Drip  # noqa: E402
from domain.vocabulary import DISPATCHER  # noqa: E402
from queries.schema import staff  # noqa: E402


def dispatchers(db_url: str) -> list[str]:
    """The demo's dispatchers still employed (their 工号 on 签收 and 派单), none if unreadable."""
    try:
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(staff.c.staff_no).where(staff.c.role == DISPATCHER,
                                                                  staff.c.left_on.is_(None)))
            return sorted(r for (r,) in rows)
    except Exception:  # noqa: BLE001 - the drip works without names
        return []


def drop(folder: Path, name: str, data: bytes) -> None:
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="演示：每分钟向收件箱放入几张新工单及其后续流转")
    p.add_argument("inbox")
    p.add_argument("--every", type=float, default=60.0, help="间隔秒数（默认 60）")
    p.add_argument("--rounds", type=int, default=0, help="轮数（默认一直运行）")
    p.add_argument("--db", default=None, help="读取派单专员工号的数据库（默认 HOTLINE_DB_URL）")
    args = p.parse_args(argv)
    folder = Path(args.inbox)
    folder.mkdir(parents=True, exist_ok=True)
    drip = Drip(seed=int(time.time()), dispatchers=dispatchers(settings.db_url(args.db)))
    n = 0
    while True:
        done = folder / "done"
        imported = {p.name for p in done.iterdir()} if done.is_dir() else set()
        tickets_name, tickets_data, events_name, events_data = drip.round(datetime.now(), imported)
        if events_data:
            drop(folder, events_name, events_data)
        drop(folder, tickets_name, tickets_data)
        print(f"已放入 {tickets_name}" + (f"、{events_name}" if events_data else ""), flush=True)
        n += 1
        if args.rounds and n >= args.rounds:
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
