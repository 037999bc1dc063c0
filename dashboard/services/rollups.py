"""Rollup tables (queries.schema.rollup_daily / rollup_hourly) kept current with the tickets.

A rollup row sums the tickets received on one day (by street, unit and first-level category;
by hour), with the 三率 population (docs/three-rates.md) and its answers. `refresh_days` recomputes whole days
from the tickets table inside the caller's transaction, so a day in a rollup is always exactly
the GROUP BY of its tickets: the importer calls it for the received days of every ticket a
file touched (before and after the change), the demo loader for its whole window.
Readers (queries/rollups.py) use whole days from here and the rest from the tickets.
"""
from __future__ import annotations

import weakref
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from domain.vocabulary import BASIC_SATISFIED, SATISFIED
from queries.schema import ROLLUP_COUNTS, rollup_daily, rollup_day_totals, rollup_hourly, ticket_facts
from queries.schema import tickets as t
from queries.sql import as_date, day_of, hour_of

CHUNK_DAYS = 400


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as (first, last) runs of consecutive days."""
    out: list[tuple[date, date]] = []
    for d in days:
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _one():
    return sa.literal(1)


def _n(cond):
    return sa.func.coalesce(sa.func.sum(sa.case((cond, _one()), else_=0)), 0)


def _daily_select(first: date, last: date):
    pop = sa.and_(t.c.in_assessment, t.c.callback_valid)
    day = day_of(t.c.received_at)
    street = sa.func.coalesce(t.c.street, "")
    unit = sa.func.coalesce(t.c.unit, "")
    cat = sa.func.coalesce(t.c.category_l1, "")
    return (sa.select(day.label("day"), street.label("street"), unit.label("unit"), cat.label("category_l1"),
                      sa.func.count().label("received"), _n(pop).label("population"),
                      _n(sa.and_(pop, t.c.contacted)).label("contacted"),
                      _n(sa.and_(pop, t.c.resolved)).label("resolved"),
                      _n(sa.and_(pop, t.c.satisfaction == SATISFIED)).label("satisfied"),
                      _n(sa.and_(pop, t.c.satisfaction == BASIC_SATISFIED)).label("basic_satisfied"))
            .where(t.c.received_at >= datetime.combine(first, time()),
                   t.c.received_at < datetime.combine(last + timedelta(days=1), time()))
            .group_by(day, street, unit, cat))


def _hourly_select(first: date, last: date):
    day, hour = day_of(t.c.received_at), hour_of(t.c.received_at)
    return (sa.select(day.label("day"), hour.label("hour"), sa.func.count().label("received"))
            .where(t.c.received_at >= datetime.combine(first, time()),
                   t.c.received_at < datetime.combine(last + timedelta(days=1), time()))
            .group_by(day, hour))


DAILY_COLUMNS = ["day", "street", "unit", "category_l1", *ROLLUP_COUNTS]


def _totals_select(lo: date, hi: date):
    """rollup_daily summed per day for the days [lo, hi)."""
    rd = rollup_daily
    return (sa.select(rd.c.day, *[sa.func.sum(rd.c[c]) for c in ROLLUP_COUNTS])
            .where(rd.c.day >= lo, rd.c.day < hi).group_by(rd.c.day))


def refresh_days(conn: Connection, days: Iterable) -> int:
    """Recompute the rollups of these received days (dates, datetimes or ISO strings) from the
    tickets; returns the number of days refreshed. Runs in the caller's transaction."""
    wanted = sorted({as_date(d) for d in days if d is not None})
    for first, last in _ranges(wanted):
        while first <= last:
            stop = min(last, first + timedelta(days=CHUNK_DAYS - 1))
            lo, hi = first, stop + timedelta(days=1)
            conn.execute(rollup_daily.delete().where(rollup_daily.c.day >= lo, rollup_daily.c.day < hi))
            conn.execute(rollup_hourly.delete().where(rollup_hourly.c.day >= lo, rollup_hourly.c.day < hi))
            conn.execute(rollup_day_totals.delete().where(rollup_day_totals.c.day >= lo, rollup_day_totals.c.day < hi))
            conn.execute(rollup_daily.insert().from_select(DAILY_COLUMNS, _daily_select(first, stop)))
            conn.execute(rollup_hourly.insert().from_select(["day", "hour", "received"], _hourly_select(first, stop)))
            conn.execute(rollup_day_totals.insert().from_select(["day", *ROLLUP_COUNTS], _totals_select(lo, hi)))
            first = stop + timedelta(days=1)
    return len(wanted)


def received_days(conn: Connection, ticket_nos: Iterable[str]) -> set[date]:
    """The received days the facts table holds for these tickets (the days before a change)."""
    nos = sorted(set(ticket_nos))
    out: set[date] = set()
    for i in range(0, len(nos), 900):
        out |= {as_date(d) for (d,) in conn.execute(
            sa.select(ticket_facts.c.received_day).distinct().where(ticket_facts.c.ticket_no.in_(nos[i:i + 900])))}
    return out


def rebuild_all(conn: Connection) -> int:
    """Every day from the first to the last received ticket."""
    lo, hi = conn.execute(sa.select(sa.func.min(t.c.received_at), sa.func.max(t.c.received_at))).one()
    conn.execute(rollup_daily.delete())
    conn.execute(rollup_hourly.delete())
    conn.execute(rollup_day_totals.delete())
    if lo is None:
        return 0
    lo, hi = as_date(lo), as_date(hi)
    return refresh_days(conn, [lo + timedelta(days=k) for k in range((hi - lo).days + 1)])


_found_complete: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_once(conn: Connection) -> None:
    """ensure, until it once finds everything there for the connection's engine: tables and
    indexes do not go away while the program runs, and every import and each of the feed's batches
    asks (the catalogue look-ups were 3 % of a catch-up on PostgreSQL). What it creates is only
    trusted to stay once a later call finds it, in case the caller's transaction rolls it back."""
    if conn.engine in _found_complete:
        return
    if not ensure(conn):
        _found_complete.add(conn.engine)


def ensure(conn: Connection) -> bool:
    """Create the rollup tables on a database made before they existed, and fill them from its
    tickets; also creates facts indexes added since. Returns True when it created anything. Cheap
    when all exist (two catalogue look-ups)."""
    insp = sa.inspect(conn)
    # indexes added to existing tables since a database was created (e.g. the open-backlog index)
    have = {ix["name"] for ix in insp.get_indexes(ticket_facts.name)}
    added = [ix for ix in ticket_facts.indexes if ix.name not in have]
    for ix in added:
        ix.create(conn)
    missing = [tbl for tbl in (rollup_daily, rollup_hourly, rollup_day_totals) if not insp.has_table(tbl.name)]
    if not missing:
        return bool(added)
    for tbl in missing:
        tbl.create(conn, checkfirst=True)
    rebuild_all(conn)
    return True
