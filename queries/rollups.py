"""Reads over the rollup tables (queries.schema.rollup_daily / rollup_hourly), exact to the ticket.

A window [start, end) is split into whole days, read from the rollups, and the partial days at
its edges, read from the tickets, so every function returns what the same GROUP BY over the
tickets returns. The rollups hold the tickets' received days (dashboard.rollups keeps them current).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import rollup_daily as rd, rollup_hourly as rh, tickets as t
from queries.sql import day_of, hour_of

COUNT_COLUMNS = ["population", "contacted", "resolved", "satisfied", "basic_satisfied"]


def split(start: datetime, end: datetime) -> tuple[date | None, date | None, list[tuple[datetime, datetime]]]:
    """[start, end) as whole days [first, last] (or None) plus at most two partial ranges."""
    if end <= start:
        return None, None, []
    first_mid = datetime.combine(start.date(), time())
    if first_mid < start:
        first_mid += timedelta(days=1)
    last_mid = datetime.combine(end.date(), time())
    if last_mid <= first_mid:
        return None, None, [(start, end)]
    parts = []
    if start < first_mid:
        parts.append((start, first_mid))
    if last_mid < end:
        parts.append((last_mid, end))
    return first_mid.date(), (last_mid - timedelta(days=1)).date(), parts


def _one():
    return sa.literal(1)


def _n(cond):
    return sa.func.coalesce(sa.func.sum(sa.case((cond, _one()), else_=0)), 0)


def population_counts(conn: Connection, *, start: datetime, end: datetime) -> dict:
    """DESIGN 3.3 counts of tickets received in [start, end) (end exclusive).

    population · contacted · resolved · satisfied · basic_satisfied (int)
    """
    first, last, parts = split(start, end)
    total = dict.fromkeys(COUNT_COLUMNS, 0)
    if first is not None:
        row = conn.execute(sa.select(*[sa.func.coalesce(sa.func.sum(rd.c[c]), 0).label(c) for c in COUNT_COLUMNS])
                           .where(rd.c.day >= first, rd.c.day <= last)).mappings().one()
        for c in COUNT_COLUMNS:
            total[c] += int(row[c] or 0)
    pop = sa.and_(t.c.in_assessment, t.c.callback_valid)
    for lo, hi in parts:
        row = conn.execute(sa.select(
            _n(pop).label("population"), _n(sa.and_(pop, t.c.contacted)).label("contacted"),
            _n(sa.and_(pop, t.c.resolved)).label("resolved"),
            _n(sa.and_(pop, t.c.satisfaction == "满意")).label("satisfied"),
            _n(sa.and_(pop, t.c.satisfaction == "基本满意")).label("basic_satisfied"))
            .where(t.c.received_at >= lo, t.c.received_at < hi)).mappings().one()
        for c in COUNT_COLUMNS:
            total[c] += int(row[c] or 0)
    return total


HOURLY_COLUMNS = ["day", "hour", "tickets"]


def hourly_received(conn: Connection, *, start: datetime, end: datetime) -> pd.DataFrame:
    """Tickets received per day and hour in [start, end): day (date) · hour (0–23) · tickets (int),
    sorted by day and hour, hours without tickets absent (as a GROUP BY gives them)."""
    first, last, parts = split(start, end)
    rows = []
    if first is not None:
        rows += [(r[0], r[1], r[2]) for r in conn.execute(
            sa.select(rh.c.day, rh.c.hour, rh.c.received).where(rh.c.day >= first, rh.c.day <= last, rh.c.received > 0))]
    for lo, hi in parts:
        d, h = day_of(t.c.received_at), hour_of(t.c.received_at)
        rows += [tuple(r) for r in conn.execute(
            sa.select(d, h, sa.func.count()).where(t.c.received_at >= lo, t.c.received_at < hi).group_by(d, h))]
    df = pd.DataFrame(rows, columns=HOURLY_COLUMNS)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return df.astype({"hour": "int64", "tickets": "int64"}).sort_values(["day", "hour"]).reset_index(drop=True)


DAILY_RECEIVED_COLUMNS = ["day", "received"]


def daily_received(conn: Connection, *, start: datetime, end: datetime) -> pd.DataFrame:
    """Tickets received per day in [start, end): day (date) · received (int), days with tickets only."""
    h = hourly_received(conn, start=start, end=end)
    out = h.groupby("day", as_index=False)["tickets"].sum().rename(columns={"tickets": "received"})
    return out.astype({"received": "int64"})[DAILY_RECEIVED_COLUMNS]


def rollups_cover(conn: Connection, *, start: datetime, end: datetime) -> bool:
    """Whether the rollups hold exactly the tickets the tickets table holds for the whole days of
    [start, end): a guard for rows written past dashboard.rollups (raw SQL, old fixtures).
    One count over the received_at index and one over the rollup days."""
    first, last, _ = split(start, end)
    if first is None:
        return True
    lo, hi = datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time())
    n_tickets = conn.execute(sa.select(sa.func.count()).select_from(t)
                             .where(t.c.received_at >= lo, t.c.received_at < hi)).scalar_one()
    n_rolled = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(rd.c.received), 0))
                            .where(rd.c.day >= first, rd.c.day <= last)).scalar_one()
    return int(n_tickets) == int(n_rolled)
