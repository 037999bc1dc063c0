"""The breach forecast's history as of the start of an hour, counted once and kept in the database.

queries.breach.breach_history counts the last 90 days of tickets (about a quarter of a second at
3 million tickets); the forecast uses it as of the start of the hour, so within an hour every page
and every app instance can share one count. The feed service counts it at the top of each hour
(`warm`), so no page waits for it; without a feed, the first page of the hour counts it and keeps
it (`history`). An import within the hour does not change the hour's count — as the per-process
cache before it, the history moves on at the next hour.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from queries.breach import HISTORY_COLUMNS, breach_history
from queries.schema import breach_history_snapshots as snapshots
from queries.sql import insert_ignore

log = logging.getLogger(__name__)

KEEP = timedelta(days=2)     # older hours are dropped when a new one is stored


def hour_of(now: datetime) -> datetime:
    """The start of the hour the forecast's history is counted at."""
    return now.replace(minute=0, second=0, microsecond=0)


def stored(conn: Connection, hour: datetime) -> pd.DataFrame | None:
    """The kept history of `hour`, None when it was not counted yet."""
    body = conn.execute(sa.select(snapshots.c.rows).where(snapshots.c.as_of == hour)).scalar()
    return None if body is None else _frame(json.loads(body))


def store(conn: Connection, hour: datetime, history: pd.DataFrame, *, now: datetime) -> None:
    """Keep the history of `hour` (a second writer of the same hour changes nothing) and drop the
    hours older than KEEP."""
    rows = [[str(u), str(s), int(o), bool(t), int(n)] for u, s, o, t, n in
            history[HISTORY_COLUMNS].itertuples(index=False, name=None)]
    insert_ignore(conn, snapshots, [{"as_of": hour, "rows": json.dumps(rows, ensure_ascii=False),
                                     "computed_at": now.replace(microsecond=0)}], ["as_of"])
    conn.execute(snapshots.delete().where(snapshots.c.as_of < hour - KEEP))


def history(read: Engine, hour: datetime, *, keep: Callable[[], Engine] | None = None) -> pd.DataFrame:
    """The history of `hour`: the kept one, else counted now and, through `keep` (the writers'
    engine), kept for the rest of the hour. Keeping is best effort: a page whose database role
    may not write still shows the forecast."""
    with read.connect() as conn:
        found = stored(conn, hour)
        if found is not None:
            return found
        counted = breach_history(conn, now=hour)
    if keep is not None:
        try:
            with keep().begin() as conn:
                store(conn, hour, counted, now=datetime.now())
        except Exception as e:  # noqa: BLE001 - a page still shows what it counted
            log.info("breach history of %s not kept: %s", hour, type(e).__name__)
    return counted


def warm(engine: Engine, now: datetime) -> bool:
    """Count and keep the history of the hour of `now` unless it is kept already (the feed service,
    after each cycle); True when it counted."""
    hour = hour_of(now)
    with engine.begin() as conn:
        if conn.execute(sa.select(snapshots.c.as_of).where(snapshots.c.as_of == hour)).first() is not None:
            return False
        store(conn, hour, breach_history(conn, now=hour), now=now)
    return True


def _frame(rows: list) -> pd.DataFrame:
    df = pd.DataFrame([tuple(r) for r in rows], columns=HISTORY_COLUMNS)
    return df.astype({"unit": str, "sla_class": str, "open_through": "int64", "on_time": bool, "tickets": "int64"})
