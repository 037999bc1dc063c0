"""The data feeds' state for /admin and the freshness badge (docs/feed.md)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import feed_is_late
from queries.schema import feed_rejects, feed_runs, feeds

FEEDS_COLUMNS = ["name", "source", "every_seconds", "created_at", "last_success_at"]


def feed_list(conn: Connection) -> pd.DataFrame:
    """name · source (URL without password) · every_seconds · created_at · last_success_at (None if never)"""
    rows = conn.execute(sa.select(*[feeds.c[c] for c in FEEDS_COLUMNS]).order_by(feeds.c.name)).all()
    return pd.DataFrame(rows, columns=FEEDS_COLUMNS)


RUNS_COLUMNS = ["started_at", "finished_at", "kind", "status", "rows_pulled", "rejects", "lag_seconds", "error"]


def recent_runs(conn: Connection, *, feed: str, limit: int = 100) -> pd.DataFrame:
    """The feed's last `limit` runs, newest first: started_at · finished_at · kind · status
    (running/ok/failed) · rows_pulled (rows that changed our database) · rejects · lag_seconds · error"""
    rows = conn.execute(sa.select(*[feed_runs.c[c] for c in RUNS_COLUMNS]).where(feed_runs.c.feed == feed)
                        .order_by(feed_runs.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=RUNS_COLUMNS)


REJECTS_COLUMNS = ["at", "kind", "row_key", "watermark", "reason", "row_json", "waiting"]


def rejects(conn: Connection, *, feed: str, limit: int = 5000) -> pd.DataFrame:
    """The feed's rows kept aside, newest first: at · kind · row_key · watermark · reason ·
    row_json (the row's cells) · waiting (an event waiting for its ticket)"""
    rows = conn.execute(sa.select(*[feed_rejects.c[c] for c in REJECTS_COLUMNS]).where(feed_rejects.c.feed == feed)
                        .order_by(feed_rejects.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=REJECTS_COLUMNS)


def last_success_at(conn: Connection, *, now: datetime) -> tuple[bool, datetime | None]:
    """(whether any feed is recorded, the newest successful pull at or before `now`)."""
    any_feed = conn.execute(sa.select(feeds.c.name).limit(1)).first() is not None
    if not any_feed:
        return False, None
    last = conn.execute(sa.select(sa.func.max(feeds.c.last_success_at)).where(feeds.c.last_success_at <= now)).scalar()
    return True, last


def late(conn: Connection, *, now: datetime) -> list:
    """The feeds started by `now` that have not succeeded within FEED_LATE_FACTOR × their interval
    (counted from their last success, or from their start when they never succeeded), by name:
    rows of name · every_seconds · created_at · last_success_at."""
    rows = conn.execute(sa.select(feeds.c.name, feeds.c.every_seconds, feeds.c.created_at, feeds.c.last_success_at)
                        .where(feeds.c.created_at <= now).order_by(feeds.c.name)).all()
    return [r for r in rows if feed_is_late(r.last_success_at or r.created_at, int(r.every_seconds), now)]


def any_late(conn: Connection, *, now: datetime) -> bool:
    """Whether a feed is late: the freshness badge then warns although the data may still be
    younger than the rules' amber minutes."""
    return bool(late(conn, now=now))
