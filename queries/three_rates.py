"""三率 counts (DESIGN 3.3): population = received in the period, in_assessment and callback_valid."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import tickets as t

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
    row = conn.execute(sa.select(*_counts(None)).where(population_filter(start, end))).mappings().one()
    return {k: int(row[k] or 0) for k in DISTRICT_COUNTS_COLUMNS}
