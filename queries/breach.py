"""The breach forecast's inputs (docs/breach_forecast.md): the counted history and the tickets due.

Both read ticket_facts as of `now`: a ticket closed or returned after `now` counts as open then,
so the back-test can ask about a past morning with the same functions the pages use.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.breach import HISTORY_DAYS, HORIZON, SHARE_BUCKETS
from queries.schema import ticket_facts as tf
from queries.sql import seconds_between, tuples

NO_UNIT = "（未派单）"
HISTORY_COLUMNS = ["unit", "sla_class", "open_through", "on_time", "tickets"]
TARGET_COLUMNS = ["ticket_no", "unit", "sla_class", "received_at", "deadline_at", "stage", "closed_at",
                  "return_approved_at"]


def _unit():
    return sa.func.coalesce(tf.c.unit, NO_UNIT)


def _not_returned_by(now: datetime):
    return sa.or_(tf.c.return_approved_at.is_(None), tf.c.return_approved_at > now)


def breach_history(conn: Connection, *, now: datetime, days: int = HISTORY_DAYS,
                   buckets: int = SHARE_BUCKETS) -> pd.DataFrame:
    """Tickets received in the `days` before `now` whose deadline passed before `now` (so their
    outcome is known), not returned to the city by `now`, counted per unit × 时限类型 × open_through ×
    outcome.

    unit (str; NO_UNIT when never dispatched) · sla_class (str) · open_through (int 0…buckets: the
    number of share buckets at whose start the ticket was still open — ⌈buckets × closed / limit⌉
    capped at buckets, buckets when not closed by `now`) · on_time (bool: closed by its deadline) ·
    tickets (int)
    """
    span = seconds_between(tf.c.received_at, tf.c.deadline_at)
    taken = seconds_between(tf.c.received_at, tf.c.closed_at)
    closed_by_now = sa.and_(tf.c.closed_at.is_not(None), tf.c.closed_at <= now)
    open_through = sa.case(
        (sa.not_(closed_by_now), buckets),
        (taken * buckets >= span * buckets - span + 1, buckets),
        else_=(taken * buckets + span - 1) // span)
    on_time = sa.case((sa.and_(closed_by_now, tf.c.closed_at <= tf.c.deadline_at), 1), else_=0)
    inner = (sa.select(_unit().label("unit"), tf.c.sla_class.label("sla_class"),
                       open_through.label("open_through"), on_time.label("on_time"))
             .where(tf.c.received_at >= now - timedelta(days=days), tf.c.received_at <= now,
                    tf.c.deadline_at < now, tf.c.deadline_at > tf.c.received_at, _not_returned_by(now))
             .subquery())
    stmt = (sa.select(inner.c.unit, inner.c.sla_class, inner.c.open_through, inner.c.on_time,
                      sa.func.count().label("tickets"))
            .group_by(inner.c.unit, inner.c.sla_class, inner.c.open_through, inner.c.on_time)
            .order_by(inner.c.unit, inner.c.sla_class, inner.c.open_through, inner.c.on_time))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=HISTORY_COLUMNS)
    return df.astype({"unit": str, "sla_class": str, "open_through": "int64", "on_time": bool, "tickets": "int64"})


def breach_targets(conn: Connection, *, now: datetime, horizon: timedelta = HORIZON,
                   as_of: bool = False) -> pd.DataFrame:
    """The tickets open at `now` whose deadline falls in [now, now + horizon), earliest deadline
    first. Open: the stored state (is_open, as the backlog counts) and received by `now`; with
    `as_of` (the back-test at a past moment), not closed or returned by `now` whatever happened later.

    ticket_no · unit (str; NO_UNIT) · sla_class · received_at · deadline_at · stage (the stage stored
    now) · closed_at · return_approved_at (as stored now: the outcome, for the back-test)
    """
    stmt = (sa.select(tf.c.ticket_no, _unit().label("unit"), tf.c.sla_class, tf.c.received_at, tf.c.deadline_at,
                      tf.c.stage, tf.c.closed_at, tf.c.return_approved_at)
            .where(tf.c.deadline_at >= now, tf.c.deadline_at < now + horizon, tf.c.received_at <= now,
                   sa.and_(sa.or_(tf.c.closed_at.is_(None), tf.c.closed_at > now), _not_returned_by(now))
                   if as_of else tf.c.is_open)
            .order_by(tf.c.deadline_at, tf.c.ticket_no))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=TARGET_COLUMNS)
    for c in ("received_at", "deadline_at", "closed_at", "return_approved_at"):
        df[c] = pd.to_datetime(df[c], format="ISO8601")
    return df
