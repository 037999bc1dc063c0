"""三率 counts (docs/three-rates.md): population = received in the period, in_assessment and callback_valid."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.vocabulary import BASIC_SATISFIED, SATISFIED
from queries.rollups import day_totals, population_counts, rollups_cover, split, whole_day_sums
from queries.schema import rollup_daily as rd
from queries.schema import ticket_facts as tf
from queries.schema import tickets as t
from queries.schema import units
from queries.sql import as_date, count_if, day_of

DISTRICT_COUNTS_COLUMNS = ["population", "contacted", "resolved", "satisfied", "basic_satisfied"]


def _counts(population_filter):
    return [
        sa.func.count().label("population"),
        count_if(t.c.contacted).label("contacted"),
        count_if(t.c.resolved).label("resolved"),
        count_if(t.c.satisfaction == SATISFIED).label("satisfied"),
        count_if(t.c.satisfaction == BASIC_SATISFIED).label("basic_satisfied"),
    ]


def population_filter(start: datetime, end_inclusive: datetime):
    # `< end + 1 s` so that 23:59:59.5 on the 18th still belongs to the period
    return sa.and_(t.c.received_at >= start, t.c.received_at < end_inclusive + timedelta(seconds=1),
                   t.c.in_assessment,
                   t.c.callback_valid)


def district_counts(conn: Connection, *, start: datetime, end: datetime) -> dict:
    """The period's counts; `end` is inclusive (23:59:59 of the 18th).

    population · contacted · resolved · satisfied (满意) · basic_satisfied (基本满意), all int
    """
    stop = end + timedelta(seconds=1)
    first, last, _ = split(start, stop)
    # whole days from the rollups rather than the tickets: one pass gives the sums and the guard's total
    days = day_totals(conn, first=first, last=last)[0] if first is not None and last is not None else None
    if rollups_cover(conn, start=start, end=stop, rolled=None if days is None else days[1]):
        return population_counts(conn, start=start, end=stop, whole_days=days)
    row = conn.execute(sa.select(*_counts(None)).where(population_filter(start, end))).mappings().one()
    return {k: int(row[k] or 0) for k in DISTRICT_COUNTS_COLUMNS}


def district_counts_by_day(conn: Connection, *, first: date, last: date) -> dict[date, dict]:
    """district_counts of each day of [first, last]: {day: {population, …}}, every day present —
    from the rollups when they hold exactly the tickets of those days, else one GROUP BY."""
    zero = dict.fromkeys(DISTRICT_COUNTS_COLUMNS, 0)
    out, d = {}, first
    while d <= last:
        out[d] = dict(zero)
        d += timedelta(days=1)
    rows = day_totals(conn, first=first, last=last, per_day=True)
    start, stop = datetime.combine(first, datetime.min.time()), datetime.combine(last + timedelta(days=1),
                                                                                  datetime.min.time())
    if rollups_cover(conn, start=start, end=stop, rolled=sum(int(r[1] or 0) for r in rows)):
        for r in rows:
            out[as_date(r[0])] = {c: int(v or 0) for c, v in zip(DISTRICT_COUNTS_COLUMNS, r[2:])}
        return out
    day = day_of(t.c.received_at)
    stmt = sa.select(day.label("day"), *_counts(None)).where(
        population_filter(start, stop - timedelta(seconds=1))).group_by(day)
    for r in conn.execute(stmt).mappings():
        out[as_date(r["day"])] = {c: int(r[c] or 0) for c in DISTRICT_COUNTS_COLUMNS}
    return out


UNIT_COUNTS_COLUMNS = ["unit", "received", "closed", "population", "contacted", "resolved", "satisfied",
                       "basic_satisfied"]
RANKING_KINDS = {"street": ("street",), "department": ("department", "company")}


def unit_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime, kind: str) -> pd.DataFrame:
    """Per handling unit (tickets.unit matched to units.name) of a kind — 'street' (街乡镇) or
    'department' (区直单位: departments and public-service companies) — every such unit, also
    those without tickets. `end` is inclusive (23:59:59 of the 18th).

    unit (str) · received (int: tickets received in the period) · closed (int: of those, closed
    at or before `now`) · population (int: 有效回访, the 三率 population) · contacted · resolved
    · satisfied · basic_satisfied (int, over the population)
    """
    df = ranking_counts(conn, start=start, end=end, now=now)
    return df[df["kind"].isin(RANKING_KINDS[kind])][UNIT_COUNTS_COLUMNS].reset_index(drop=True)


def ranking_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime | None) -> pd.DataFrame:
    """unit_counts of every ranking kind at once (the 三率 page ranks 街乡镇 and 区直单位 from one
    read): the UNIT_COUNTS_COLUMNS and `kind` (units.kind), in units.code order.

    now=None: `closed` is not read (0): the counts of a ranking's order and composites only,
    which do not depend on `now` (the previous period's, for the change columns).

    Whole-day periods read the rollups (received and the 3.3 counts per tickets.unit) and the
    facts (closed per unit): exact when the rollups cover the period and every ticket of it has
    its facts row with the ticket's unit (facts.unit is tickets.unit, or the dispatch unit when
    the ticket has none: the tickets without a unit must be the facts rows without one).
    Otherwise, one GROUP BY over the tickets joined to their facts.
    """
    rows = units_of_kinds(conn)
    stop = end + timedelta(seconds=1)
    counts = _ranking_counts_rolled(conn, start=start, stop=stop, now=now)
    if counts is None:
        counts = _ranking_counts_joined(conn, start=start, stop=stop, now=now)
    cols = UNIT_COUNTS_COLUMNS[1:]
    data = [[name, kind] + [int(counts.get(name, {}).get(c, 0)) for c in cols] for name, kind in rows]
    df = pd.DataFrame(data, columns=["unit", "kind"] + cols)
    return df.astype({c: "int64" for c in cols})[UNIT_COUNTS_COLUMNS + ["kind"]]


def units_of_kinds(conn: Connection) -> list[tuple[str, str]]:
    """(name, kind) of the units ranked in 三率 (every RANKING_KINDS kind), by code."""
    kinds = sorted({k for ks in RANKING_KINDS.values() for k in ks})
    return [tuple(r) for r in conn.execute(sa.select(units.c.name, units.c.kind)
                                           .where(units.c.kind.in_(kinds)).order_by(units.c.code))]


def _ranking_counts_rolled(conn: Connection, *, start: datetime, stop: datetime, now: datetime | None) -> dict | None:
    first, last, parts = split(start, stop)
    if first is None or last is None or parts:
        return None
    by_unit = whole_day_sums(conn, first=first, last=last, by=rd.c.unit)
    if not rollups_cover(conn, start=start, end=stop, rolled=sum(int(r[1]) for r in by_unit)):
        return None
    if now is None:
        return {r[0]: dict(zip(["received"] + DISTRICT_COUNTS_COLUMNS, (int(x) for x in r[1:])), closed=0)
                for r in by_unit if r[0] != ""}
    f_unit = sa.func.coalesce(tf.c.unit, "")
    closed = count_if(tf.c.closed_at <= now)
    facts = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
        sa.select(f_unit, sa.func.count(), closed)
        .where(tf.c.received_at >= start, tf.c.received_at < stop).group_by(f_unit))}
    received = {r[0]: int(r[1]) for r in by_unit}
    # every ticket has its facts row (same received_at range, one row per ticket), and the
    # tickets without a unit ('' in the rollups) are exactly the facts rows without one
    if sum(n for n, _ in facts.values()) != sum(received.values()) \
            or facts.get("", (0, 0))[0] != received.get("", 0):
        return None
    out = {}
    for r in by_unit:
        if r[0] == "":
            continue
        out[r[0]] = dict(zip(["received"] + DISTRICT_COUNTS_COLUMNS, (int(x) for x in r[1:])))
        out[r[0]]["closed"] = facts.get(r[0], (0, 0))[1]
    return out


def _ranking_counts_joined(conn: Connection, *, start: datetime, stop: datetime, now: datetime | None) -> dict:
    in_period = sa.and_(t.c.received_at >= start, t.c.received_at < stop)
    pop = sa.and_(t.c.in_assessment, t.c.callback_valid)

    stmt = (
        sa.select(
            t.c.unit.label("unit"),
            sa.func.count().label("received"),
            (sa.literal(0) if now is None
             else count_if(sa.and_(tf.c.closed_at.is_not(None), tf.c.closed_at <= now))).label("closed"),
            count_if(pop).label("population"),
            count_if(sa.and_(pop, t.c.contacted)).label("contacted"),
            count_if(sa.and_(pop, t.c.resolved)).label("resolved"),
            count_if(sa.and_(pop, t.c.satisfaction == SATISFIED)).label("satisfied"),
            count_if(sa.and_(pop, t.c.satisfaction == BASIC_SATISFIED)).label("basic_satisfied"),
        )
        # the facts row carries the ticket's received_at: the same range in the join lets
        # PostgreSQL use its index instead of hashing all 3 M facts (2.5 s → ms at 3 M tickets)
        .select_from(t if now is None else
                     t.outerjoin(tf, sa.and_(tf.c.ticket_no == t.c.ticket_no, tf.c.received_at >= start,
                                             tf.c.received_at < stop)))
        .where(in_period, t.c.unit.is_not(None))
        .group_by(t.c.unit)
    )
    return {r["unit"]: dict(r) for r in conn.execute(stmt).mappings()}


def periods_counts(conn: Connection, *, periods: list[tuple[str, datetime, datetime]]) -> pd.DataFrame:
    """District counts of several periods in one query; `periods` = [(label, start, end inclusive)].

    label (str) · population · contacted · resolved · satisfied · basic_satisfied (int);
    one row per period, in the given order, zeros for a period without tickets.
    """
    if not periods:
        return pd.DataFrame(columns=["label"] + DISTRICT_COUNTS_COLUMNS)
    lo = min(s for _, s, _ in periods)
    hi = max(e for _, _, e in periods) + timedelta(seconds=1)
    midnight = datetime.min.time()
    got: dict[str, dict[str, int]] | None = None
    if all(s.time() == midnight and (e + timedelta(seconds=1)).time() == midnight for _, s, e in periods):
        # whole-day periods (19th–18th or calendar months): one pass over the rollups, summed
        # per day and the days then given to their periods here
        by_day = day_totals(conn, first=lo.date(), last=(hi - timedelta(days=1)).date(), per_day=True)
        if rollups_cover(conn, start=lo, end=hi, rolled=sum(int(r[1]) for r in by_day)):
            got = {}
            for r in by_day:
                day = as_date(r[0])
                lab = next((lab for lab, s, e in periods if s.date() <= day <= e.date()), None)
                if lab is not None:
                    acc = got.setdefault(lab, dict.fromkeys(DISTRICT_COUNTS_COLUMNS, 0))
                    for k, v in zip(DISTRICT_COUNTS_COLUMNS, r[2:]):
                        acc[k] += int(v or 0)
    if got is None:
        label = sa.case(*[(sa.and_(t.c.received_at >= s, t.c.received_at < e + timedelta(seconds=1)), lab)
                          for lab, s, e in periods])
        stmt = (sa.select(label.label("label"), *_counts(None))
                .where(t.c.received_at >= lo, t.c.received_at < hi, t.c.in_assessment, t.c.callback_valid)
                .group_by(label))
        got = {r.label: {k: int(getattr(r, k) or 0) for k in DISTRICT_COUNTS_COLUMNS}
               for r in conn.execute(stmt) if r.label is not None}
    rows = [[lab] + [got[lab][k] if lab in got else 0 for k in DISTRICT_COUNTS_COLUMNS] for lab, _, _ in periods]
    return pd.DataFrame(rows, columns=["label"] + DISTRICT_COUNTS_COLUMNS)
