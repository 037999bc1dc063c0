"""Reads over the rollup tables (queries.schema.rollup_daily / rollup_hourly), exact to the ticket.

A window [start, end) is split into whole days, read from the rollups, and the partial days at
its edges, read from the tickets, so every function returns what the same GROUP BY over the
tickets returns. The rollups hold the tickets' received days (dashboard.services.rollups keeps them current).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.vocabulary import BASIC_SATISFIED, SATISFIED
from queries.schema import ROLLUP_COUNTS, ticket_day_counts
from queries.schema import rollup_daily as rd
from queries.schema import rollup_day_totals as rt
from queries.schema import rollup_hourly as rh
from queries.schema import tickets as t
from queries.sql import count_if, day_of, hour_of

COUNT_COLUMNS = list(ROLLUP_COUNTS[1:])     # the 三率 population and its answers


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


def whole_day_sums(conn: Connection, *, first: date, last: date, by=None) -> list:
    """One pass over rollup_daily for the days [first, last]: rows of (key, received, population,
    contacted, resolved, satisfied, basic_satisfied), the sums per value of the rollup column or
    expression `by` (None: one row for all days, key None). received is what rollups_cover
    compares with the tickets (pass its total as `rolled`)."""
    cols = [sa.func.coalesce(sa.func.sum(rd.c[c]), 0).label(c) for c in ROLLUP_COUNTS]
    key = sa.null() if by is None else by
    stmt = sa.select(key.label("key"), *cols).where(rd.c.day >= first, rd.c.day <= last)
    if by is not None:
        stmt = stmt.group_by(by)
    return [tuple(r) for r in conn.execute(stmt)]


def day_totals(conn: Connection, *, first: date, last: date, per_day: bool = False) -> list:
    """whole_day_sums of the district from rollup_day_totals (one row a day): rows of (key,
    received, population, contacted, resolved, satisfied, basic_satisfied), key = the day
    (per_day) or None (one row for all days)."""
    cols = [sa.func.coalesce(sa.func.sum(rt.c[c]), 0).label(c) for c in ROLLUP_COUNTS]
    if per_day:
        stmt = sa.select(rt.c.day.label("key"), *[rt.c[c] for c in ROLLUP_COUNTS])
    else:
        stmt = sa.select(sa.null().label("key"), *cols)
    return [tuple(r) for r in conn.execute(stmt.where(rt.c.day >= first, rt.c.day <= last))]


def partial_counts(conn: Connection, *, start: datetime, end: datetime) -> dict:
    """三率 population counts of the tickets received in [start, end), from the tickets."""
    pop = sa.and_(t.c.in_assessment, t.c.callback_valid)
    row = conn.execute(sa.select(
        count_if(pop).label("population"), count_if(sa.and_(pop, t.c.contacted)).label("contacted"),
        count_if(sa.and_(pop, t.c.resolved)).label("resolved"),
        count_if(sa.and_(pop, t.c.satisfaction == SATISFIED)).label("satisfied"),
        count_if(sa.and_(pop, t.c.satisfaction == BASIC_SATISFIED)).label("basic_satisfied"))
        .where(t.c.received_at >= start, t.c.received_at < end)).mappings().one()
    return {c: int(row[c] or 0) for c in COUNT_COLUMNS}


def population_counts(conn: Connection, *, start: datetime, end: datetime, whole_days: list | None = None) -> dict:
    """三率 population counts of tickets received in [start, end) (end exclusive).

    population · contacted · resolved · satisfied · basic_satisfied (int)

    `whole_days`: the whole_day_sums row of the whole days of the window when the caller has read it.
    """
    first, last, parts = split(start, end)
    total = dict.fromkeys(COUNT_COLUMNS, 0)
    if first is not None and last is not None:
        row = whole_days if whole_days is not None else day_totals(conn, first=first, last=last)[0]
        for c, v in zip(COUNT_COLUMNS, row[2:]):
            total[c] += int(v or 0)
    for lo, hi in parts:
        for c, v in partial_counts(conn, start=lo, end=hi).items():
            total[c] += v
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


def rollups_cover(conn: Connection, *, start: datetime, end: datetime, rolled: int | None = None) -> bool:
    """Whether the rollups hold exactly the tickets the tickets table holds for the whole days of
    [start, end): a guard for rows written past dashboard.services.rollups (raw SQL, old fixtures).
    The tickets' count (tickets_received) against the day totals' (`rolled`: that sum of
    received when the caller's own pass over those days has it)."""
    first, last, _ = split(start, end)
    if first is None or last is None:
        return True
    n_tickets = tickets_received(conn, first=first, last=last)
    if rolled is None:
        rolled = day_totals(conn, first=first, last=last)[0][1]
    return int(n_tickets) == int(rolled)


def tickets_received(conn: Connection, *, first: date, last: date) -> int:
    """Tickets received on the days [first, last], whoever wrote them: on PostgreSQL the sum of
    ticket_day_counts (kept by triggers on tickets, revision 0008: a year is 365 rows instead
    of 730,000 index entries), on SQLite one count over the received_at index."""
    if conn.dialect.name == "postgresql":
        c = ticket_day_counts.c
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(c.tickets), 0))
                                .where(c.day >= first, c.day <= last)).scalar_one())
    lo, hi = datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time())
    return int(conn.execute(sa.select(sa.func.count()).select_from(t)
                            .where(t.c.received_at >= lo, t.c.received_at < hi)).scalar_one())
