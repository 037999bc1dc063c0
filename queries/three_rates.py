"""三率 counts (DESIGN 3.3): population = received in the period, in_assessment and callback_valid."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.rollups import population_counts, rollups_cover
from queries.schema import rollup_daily as rd, ticket_facts as tf, tickets as t, units

DISTRICT_COUNTS_COLUMNS = ["population", "contacted", "resolved", "satisfied", "basic_satisfied"]


def _counts(population_filter):
    one = sa.literal(1)
    return [
        sa.func.count().label("population"),
        sa.func.coalesce(sa.func.sum(sa.case((t.c.contacted, one), else_=0)), 0).label("contacted"),
        sa.func.coalesce(sa.func.sum(sa.case((t.c.resolved, one), else_=0)), 0).label("resolved"),
        sa.func.coalesce(sa.func.sum(sa.case((t.c.satisfaction == "满意", one), else_=0)), 0).label("satisfied"),
        sa.func.coalesce(sa.func.sum(sa.case((t.c.satisfaction == "基本满意", one), else_=0)), 0)
        .label("basic_satisfied"),
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
    if rollups_cover(conn, start=start, end=stop):   # whole days from the rollups (issue 8)
        return population_counts(conn, start=start, end=stop)
    row = conn.execute(sa.select(*_counts(None)).where(population_filter(start, end))).mappings().one()
    return {k: int(row[k] or 0) for k in DISTRICT_COUNTS_COLUMNS}


UNIT_COUNTS_COLUMNS = ["unit", "received", "closed", "population", "contacted", "resolved", "satisfied",
                       "basic_satisfied"]
RANKING_KINDS = {"street": ("street",), "department": ("department", "company")}


def unit_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime, kind: str) -> pd.DataFrame:
    """Per handling unit (tickets.unit matched to units.name) of a kind — 'street' (街乡镇) or
    'department' (区直单位: departments and public-service companies) — every such unit, also
    those without tickets. `end` is inclusive (23:59:59 of the 18th).

    unit (str) · received (int: tickets received in the period) · closed (int: of those, closed
    at or before `now`) · population (int: 有效回访, DESIGN 3.3 population) · contacted · resolved
    · satisfied · basic_satisfied (int, over the population)
    """
    one = sa.literal(1)
    in_period = sa.and_(t.c.received_at >= start, t.c.received_at < end + timedelta(seconds=1))
    pop = sa.and_(t.c.in_assessment, t.c.callback_valid)

    def n(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, one), else_=0)), 0)

    per_unit = (
        sa.select(
            t.c.unit.label("unit"),
            sa.func.count().label("received"),
            n(sa.and_(tf.c.closed_at.is_not(None), tf.c.closed_at <= now)).label("closed"),
            n(pop).label("population"),
            n(sa.and_(pop, t.c.contacted)).label("contacted"),
            n(sa.and_(pop, t.c.resolved)).label("resolved"),
            n(sa.and_(pop, t.c.satisfaction == "满意")).label("satisfied"),
            n(sa.and_(pop, t.c.satisfaction == "基本满意")).label("basic_satisfied"),
        )
        # the facts row carries the ticket's received_at: the same range in the join lets
        # PostgreSQL use its index instead of hashing all 3 M facts (2.5 s → ms; issue 8)
        .select_from(t.outerjoin(tf, sa.and_(tf.c.ticket_no == t.c.ticket_no, tf.c.received_at >= start,
                                             tf.c.received_at < end + timedelta(seconds=1))))
        .where(in_period, t.c.unit.is_not(None))
        .group_by(t.c.unit)
        .subquery("per_unit")
    )
    cols = UNIT_COUNTS_COLUMNS[1:]
    stmt = (sa.select(units.c.name.label("unit"), *[sa.func.coalesce(per_unit.c[c], 0).label(c) for c in cols])
            .select_from(units.outerjoin(per_unit, per_unit.c.unit == units.c.name))
            .where(units.c.kind.in_(RANKING_KINDS[kind]))
            .order_by(units.c.code))
    df = pd.DataFrame(conn.execute(stmt).all(), columns=UNIT_COUNTS_COLUMNS)
    return df.astype({c: "int64" for c in cols})


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
    if all(s.time() == midnight and (e + timedelta(seconds=1)).time() == midnight for _, s, e in periods) \
            and rollups_cover(conn, start=lo, end=hi):
        # whole-day periods (19th–18th or calendar months): one pass over the rollups (issue 8)
        day_label = sa.case(*[(sa.and_(rd.c.day >= s.date(), rd.c.day <= e.date()), lab) for lab, s, e in periods])
        stmt = (sa.select(day_label.label("label"),
                          *[sa.func.coalesce(sa.func.sum(rd.c[k]), 0).label(k) for k in DISTRICT_COUNTS_COLUMNS])
                .where(rd.c.day >= lo.date(), rd.c.day < hi.date()).group_by(day_label))
    else:
        label = sa.case(*[(sa.and_(t.c.received_at >= s, t.c.received_at < e + timedelta(seconds=1)), lab)
                          for lab, s, e in periods])
        stmt = (sa.select(label.label("label"), *_counts(None))
                .where(t.c.received_at >= lo, t.c.received_at < hi, t.c.in_assessment, t.c.callback_valid)
                .group_by(label))
    got = {r.label: r for r in conn.execute(stmt) if r.label is not None}
    rows = [[lab] + [int(getattr(got[lab], k) or 0) if lab in got else 0 for k in DISTRICT_COUNTS_COLUMNS]
            for lab, _, _ in periods]
    return pd.DataFrame(rows, columns=["label"] + DISTRICT_COUNTS_COLUMNS)
