"""The breach forecast's history as of the start of an hour, counted once and kept in the database.

queries.breach.breach_history counts the last 90 days of tickets (about a quarter of a second at
3 million tickets); the forecast uses it as of the start of the hour, so within an hour every page
and every app instance can share one count. The feed service counts it after its cycles (`warm`),
so no page waits for it; without a feed, the first page of the hour counts it and keeps it
(`history`). An import within the hour does not change the hour's count — as the per-process cache
before it, the history moves on at the next hour; rebuilding the facts, regenerating the demo data
and importing a calendar year forget every kept hour (`forget`).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard.services import kept_figures
from dashboard.services.kept_figures import read_or_count
from queries.breach import HISTORY_COLUMNS, breach_history
from queries.schema import breach_history_snapshots as snapshots
from queries.sql import insert_ignore

KEEP = timedelta(days=2)     # older hours are dropped when a new one is stored


def hour_start(now: datetime) -> datetime:
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


def forget(conn: Connection) -> None:
    """Drop every kept hour (the data they were counted from was replaced)."""
    conn.execute(snapshots.delete())


def history(read: Engine, hour: datetime, *, keep: Callable[[], Engine] | None = None) -> pd.DataFrame:
    """The history of `hour`: the kept one, else counted now and, through `keep` (the writers'
    engine), kept for the rest of the hour (kept_figures.read_or_count: best effort, never waiting
    long for another writer; a kept history that cannot be read is counted)."""
    with read.connect() as conn:
        return read_or_count(conn, f"breach history of {hour}", load=lambda c: _boxed(stored(c, hour)),
                             count=lambda c: breach_history(c, now=hour),
                             store=lambda c, counted: store(c, hour, counted, now=datetime.now()), keep=keep)


def warm(engine: Engine, now: datetime) -> bool:
    """Count and keep the history of the hour of `now` unless it is kept already (the feed service,
    after each good cycle); True when it counted. Counted on a read, kept in a short write."""
    hour = hour_start(now)
    with engine.connect() as conn:
        if conn.execute(sa.select(snapshots.c.as_of).where(snapshots.c.as_of == hour)).first() is not None:
            return False
        counted = breach_history(conn, now=hour)
    with engine.begin() as conn:
        store(conn, hour, counted, now=now)
    return True


def warm_for_service(engine: Engine) -> None:
    """warm at the current time for the feed service (kept_figures.warm_for_service: logged, a
    failure only logged)."""
    kept_figures.warm_for_service(engine, "breach_history", warm)


def _boxed(history: pd.DataFrame | None) -> tuple[pd.DataFrame] | None:
    return None if history is None else (history,)


def _frame(rows: list) -> pd.DataFrame:
    df = pd.DataFrame([tuple(r) for r in rows], columns=HISTORY_COLUMNS)
    return df.astype({"unit": str, "sla_class": str, "open_through": "int64", "on_time": bool, "tickets": "int64"})
