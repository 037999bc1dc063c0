"""The overview's figures: intake today vs the same weekday, backlog, overdue, at risk, freshness."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries import feeds
from queries.schema import import_log, ticket_events, tickets
from queries.schema import ticket_facts as tf
from queries.sql import count_if, day_of, tuples

WEEKS_BACK = 4


def intake_vs_weekday(conn: Connection, *, now: datetime, weeks: int = WEEKS_BACK) -> dict:
    """Tickets received today up to `now`, and the mean of the same window on the previous
    `weeks` same weekdays (only days that have data count in the mean).

    today (int) · weekday_mean (float | None) · weekday_days (int)
    """
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = now - day_start
    today = conn.execute(sa.select(sa.func.count()).select_from(tf).where(
        tf.c.received_at >= day_start, tf.c.received_at <= now)).scalar_one()
    counts = []
    for k in range(1, weeks + 1):
        start = day_start - timedelta(days=7 * k)
        counts.append(sa.select(sa.func.count().label("n")).select_from(tf).where(
            tf.c.received_at >= start, tf.c.received_at <= start + elapsed).scalar_subquery())
    past = conn.execute(sa.select(*[c.label(f"w{i}") for i, c in enumerate(counts)])).one()
    with_data = [int(n) for n in past if n]
    mean = sum(with_data) / len(with_data) if with_data else None
    return {"today": int(today), "weekday_mean": mean, "weekday_days": len(with_data)}


BACKLOG_BY_STAGE_COLUMNS = ["stage", "tickets", "overdue", "at_risk"]


def backlog_by_stage(conn: Connection, *, now: datetime) -> pd.DataFrame:
    """Open tickets at `now` per stage (the stage names of docs/lifecycle.md).

    stage (str) · tickets (int) · overdue (int: now > deadline_at) · at_risk (int)
    """
    stmt = (
        sa.select(
            tf.c.stage,
            sa.func.count().label("tickets"),
            count_if(tf.c.deadline_at < now).label("overdue"),
            count_if(sa.and_(tf.c.at_risk_at <= now, tf.c.deadline_at >= now)).label("at_risk"),
        )
        .where(tf.c.is_open, tf.c.received_at <= now)
        .group_by(tf.c.stage)
    )
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=BACKLOG_BY_STAGE_COLUMNS)
    return df.astype({"tickets": "int64", "overdue": "int64", "at_risk": "int64"})


def month_intake(conn: Connection, *, now: datetime) -> int:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(conn.execute(sa.select(sa.func.count()).select_from(tf).where(
        tf.c.received_at >= start, tf.c.received_at <= now)).scalar_one())


def latest_data_at(conn: Connection, *, now: datetime) -> datetime | None:
    """The newest event or import at or before `now` (data freshness, docs/lifecycle.md); when a
    data feed is recorded, its last successful pull (docs/feed.md), once it has had one."""
    has_feed, pulled = feeds.last_success_at(conn, now=now)
    if has_feed and pulled is not None:
        return pulled
    last_event = conn.execute(sa.select(sa.func.max(ticket_events.c.at)).where(ticket_events.c.at <= now)).scalar()
    last_import = conn.execute(sa.select(sa.func.max(import_log.c.at)).where(
        import_log.c.at <= now, import_log.c.status != "refused")).scalar()
    candidates = [t for t in (last_event, last_import) if t is not None]
    return max(candidates) if candidates else None


def first_data_at(conn: Connection, *, now: datetime) -> datetime | None:
    """The earliest ticket received or event at or before `now` (where the data start), or None."""
    first_ticket = sa.select(sa.func.min(tickets.c.received_at)).where(tickets.c.received_at <= now).scalar_subquery()
    first_event = sa.select(sa.func.min(ticket_events.c.at)).where(ticket_events.c.at <= now).scalar_subquery()
    found = [t for t in conn.execute(sa.select(first_ticket, first_event)).one() if t is not None]
    return min(found) if found else None


DAILY_INTAKE_COLUMNS = ["day", "received", "closed"]


def daily_intake(conn: Connection, *, start: datetime, now: datetime) -> pd.DataFrame:
    """Per day from `start` to `now`: tickets received, and tickets closed (by close day).

    day (date) · received (int) · closed (int)
    """
    received = (sa.select(tf.c.received_day.label("day"), sa.func.count().label("n"))
                .where(tf.c.received_at >= start, tf.c.received_at <= now).group_by(tf.c.received_day))
    closed_day = day_of(tf.c.closed_at)
    closed = (sa.select(closed_day.label("day"), sa.func.count().label("n"))
              .where(tf.c.closed_at >= start, tf.c.closed_at <= now).group_by(closed_day))
    r = pd.DataFrame(tuples(conn.execute(received)), columns=["day", "received"])
    c = pd.DataFrame(tuples(conn.execute(closed)), columns=["day", "closed"])
    for df in (r, c):
        df["day"] = pd.to_datetime(df["day"]).dt.date
    out = pd.merge(r, c, on="day", how="outer").fillna(0).sort_values("day")
    return out.astype({"received": "int64", "closed": "int64"})[DAILY_INTAKE_COLUMNS].reset_index(drop=True)
