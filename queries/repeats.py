"""Repeat complaints (重复诉求, docs/repeats.md): counts and rates by 街乡镇, 承办单位 and category,
the most repeated problems of a period, the chain of earlier tickets of one ticket, open repeats.

Reads tickets.repeat_source_no (derived at import: a ticket is a repeat when it is set); periods
are half-open [start, end) by received_at, and nothing after `now` exists.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.repeats import MAX_CHAIN
from queries.schema import ticket_facts as tf
from queries.schema import tickets as t
from queries.sql import tuples

# the groupings of repeat_counts: key → the column (category: 二级分类, else 一级分类)
UNCLASSIFIED = "未分类"
UNKNOWN = "未填写"
REPEAT_COUNT_COLUMNS = ["key", "tickets", "repeats"]
TOP_REPEATED_COLUMNS = ["address", "category", "street", "tickets", "repeats", "first_received_at",
                        "last_received_at", "latest_ticket_no"]
CHAIN_COLUMNS = ["step", "ticket_no", "received_at", "category", "street", "unit", "address", "title",
                 "caller_last4", "repeat_source_no"]
OPEN_REPEAT_COLUMNS = ["ticket_no", "received_at", "repeat_source_no", "stage", "deadline_at", "street", "unit",
                       "category", "title"]


def _category():
    return sa.func.coalesce(sa.func.nullif(t.c.category_l2, ""), sa.func.nullif(t.c.category_l1, ""),
                            sa.literal(UNCLASSIFIED))


def _group_column(by: str):
    if by == "street":
        return sa.func.coalesce(sa.func.nullif(t.c.street, ""), sa.literal(UNKNOWN))
    if by == "unit":
        return sa.func.coalesce(sa.func.nullif(t.c.unit, ""), sa.literal(UNKNOWN))
    if by == "category":
        return _category()
    raise ValueError(f"unknown grouping {by!r}")


def _period(start: datetime, end: datetime, now: datetime | None) -> list:
    cond = [t.c.received_at >= start, t.c.received_at < end]
    if now is not None:
        cond.append(t.c.received_at <= now)
    return cond


def repeat_totals(conn: Connection, *, start: datetime, end: datetime, now: datetime | None = None) -> dict[str, int]:
    """{'tickets': received in the period, 'repeats': of them repeats}."""
    row = conn.execute(sa.select(sa.func.count(), sa.func.count(t.c.repeat_source_no))
                       .where(*_period(start, end, now))).one()
    return {"tickets": int(row[0]), "repeats": int(row[1])}


def repeat_counts(conn: Connection, *, start: datetime, end: datetime, by: str, now: datetime | None = None,
                  limit: int | None = None) -> pd.DataFrame:
    """Tickets received in [start, end) (and by `now`) grouped `by` 'street' (被反映街乡镇), 'unit'
    (承办单位) or 'category' (二级分类, else 一级分类, else 未分类).

    key · tickets · repeats — most repeats first, then key; groups without a repeat included.
    """
    key = _group_column(by).label("key")
    repeats = sa.func.count(t.c.repeat_source_no)
    stmt = (sa.select(key, sa.func.count().label("tickets"), repeats.label("repeats"))
            .where(*_period(start, end, now)).group_by(key).order_by(repeats.desc(), key))
    if limit:
        stmt = stmt.limit(limit)
    rows = conn.execute(stmt).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=REPEAT_COUNT_COLUMNS)
    return df.astype({"tickets": "int64", "repeats": "int64"})


def month_bounds(month: str) -> tuple[datetime, datetime]:
    y, m = int(month[:4]), int(month[5:7])
    return datetime(y, m, 1), datetime(y + (m == 12), m % 12 + 1, 1)


def top_repeated(conn: Connection, *, month: str | None = None, start: datetime | None = None,
                 end: datetime | None = None, now: datetime | None = None, limit: int = 10) -> pd.DataFrame:
    """The most repeated problems of a month ('YYYY-MM') or of [start, end): tickets of one
    normalised address and one category (二级分类, else 一级分类) received in the period, with
    at least one repeat among them (a caller's repeats of different places are counted by
    repeat_counts, not here).

    address (the first address as written) · category · street · tickets · repeats ·
    first_received_at · last_received_at · latest_ticket_no — most repeats first.
    """
    if month is not None:
        start, end = month_bounds(month)
    assert start is not None and end is not None
    cat = _category().label("category")
    repeats = sa.func.count(t.c.repeat_source_no)
    groups = (sa.select(t.c.address_key, cat, sa.func.count().label("tickets"), repeats.label("repeats"),
                        sa.func.min(t.c.received_at).label("first_received_at"),
                        sa.func.max(t.c.received_at).label("last_received_at"))
              .where(*_period(start, end, now), t.c.address_key.is_not(None))
              .group_by(t.c.address_key, cat).having(repeats > 0)
              .order_by(repeats.desc(), sa.func.count().desc(), t.c.address_key).limit(limit))
    rows = conn.execute(groups).all()
    out = []
    for key, category, n, reps, first, last in rows:
        latest = conn.execute(sa.select(t.c.ticket_no, t.c.address, t.c.street)
                              .where(t.c.address_key == key, t.c.received_at == last, _category() == category)
                              .order_by(t.c.ticket_no.desc()).limit(1)).first()
        first_row = conn.execute(sa.select(t.c.address).where(t.c.address_key == key, t.c.received_at == first)
                                 .limit(1)).first()
        out.append((first_row[0] if first_row else key, category, latest[2] if latest else None, int(n), int(reps),
                    first, last, latest[0] if latest else None))
    return pd.DataFrame(out, columns=TOP_REPEATED_COLUMNS)


def repeat_chain(conn: Connection, ticket_no: str, *, max_steps: int = MAX_CHAIN) -> pd.DataFrame:
    """The ticket and the earlier tickets it repeats, following 重复来源工单 back (at most
    `max_steps` steps): step (0 = the ticket itself) · ticket_no · received_at · category · street ·
    unit · address · title · caller_last4 · repeat_source_no. Empty when the ticket does not exist."""
    out: list[tuple] = []
    seen: set[str] = set()
    current: str | None = ticket_no
    cols = (t.c.ticket_no, t.c.received_at, _category().label("category"), t.c.street, t.c.unit, t.c.address,
            t.c.title, t.c.caller_last4, t.c.repeat_source_no)
    while current is not None and current not in seen and len(out) <= max_steps:
        row = conn.execute(sa.select(*cols).where(t.c.ticket_no == current)).first()
        if row is None:
            break
        seen.add(current)
        out.append((len(out), *row))
        current = row.repeat_source_no
    return pd.DataFrame(out, columns=CHAIN_COLUMNS)


def open_repeats(conn: Connection, *, now: datetime, limit: int = 50) -> tuple[pd.DataFrame, int]:
    """Open tickets (received by `now`) that repeat an earlier one, earliest deadline first, and
    how many there are: OPEN_REPEAT_COLUMNS (stage and deadline from the facts)."""
    cond = [tf.c.is_open, tf.c.received_at <= now, t.c.repeat_source_no.is_not(None)]
    base = sa.select(tf.c.ticket_no).join(t, t.c.ticket_no == tf.c.ticket_no).where(*cond)
    total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    stmt = (sa.select(t.c.ticket_no, t.c.received_at, t.c.repeat_source_no, tf.c.stage, tf.c.deadline_at, t.c.street,
                      t.c.unit, _category().label("category"), t.c.title)
            .join(tf, tf.c.ticket_no == t.c.ticket_no).where(*cond)
            .order_by(tf.c.deadline_at, t.c.ticket_no).limit(limit))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=OPEN_REPEAT_COLUMNS)
    return df, int(total)
