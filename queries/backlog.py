"""Open tickets at a moment in time (docs/lifecycle.md): breakdowns, overdue and at-risk lists.

Open = is_open in ticket_facts and received at or before `now`. Overdue: now > deadline_at.
At risk: at_risk_at ≤ now ≤ deadline_at (not yet overdue).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import ticket_events as ev
from queries.schema import ticket_facts as tf
from queries.sql import count_if, seconds_between, tuples

AGE_BUCKETS = ("< 1 天", "1–3 天", "3–7 天", "> 7 天")
DIMENSIONS = ("stage", "age", "street", "unit", "category")
BACKLOG_COLUMNS = ["key", "tickets", "overdue", "at_risk"]


class BacklogError(ValueError):
    """Unknown breakdown (message in Chinese)."""


def _open(now: datetime):
    return sa.and_(tf.c.is_open, tf.c.received_at <= now)


def _overdue(now: datetime):
    return tf.c.deadline_at < now


def _at_risk(now: datetime):
    return sa.and_(tf.c.at_risk_at <= now, tf.c.deadline_at >= now)


def age_bucket(now: datetime):
    """Age of an open ticket: [0, 1 d) · [1 d, 3 d) · [3 d, 7 d) · ≥ 7 d, from received_at to now."""
    return sa.case(
        (tf.c.received_at > now - timedelta(days=1), AGE_BUCKETS[0]),
        (tf.c.received_at > now - timedelta(days=3), AGE_BUCKETS[1]),
        (tf.c.received_at > now - timedelta(days=7), AGE_BUCKETS[2]),
        else_=AGE_BUCKETS[3],
    )


def backlog_by(conn: Connection, *, now: datetime, dimension: str) -> pd.DataFrame:
    """Open tickets at `now` per value of `dimension` (stage, age, street, unit, category).

    key (str; '（未填）' for a blank) · tickets (int) · overdue (int) · at_risk (int);
    ordered by tickets, largest first (age buckets and stages in their natural order are left
    to the caller).
    """
    if dimension not in DIMENSIONS:
        raise BacklogError(f"未知的分组方式：{dimension}")
    key = {
        "stage": tf.c.stage,
        "age": age_bucket(now),
        "street": sa.func.coalesce(tf.c.street, "（未填）"),
        "unit": sa.func.coalesce(tf.c.unit, "（未派单）"),
        "category": sa.func.coalesce(tf.c.category_l1, "（未分类）"),
    }[dimension]
    stmt = (
        sa.select(
            key.label("key"),
            sa.func.count().label("tickets"),
            count_if(_overdue(now)).label("overdue"),
            count_if(_at_risk(now)).label("at_risk"),
        )
        .where(_open(now))
        .group_by(key)
        .order_by(sa.func.count().desc(), key)
    )
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=BACKLOG_COLUMNS)
    return df.astype({"key": str, "tickets": "int64", "overdue": "int64", "at_risk": "int64"})


def backlog_totals(conn: Connection, *, now: datetime) -> dict:
    """open · overdue · at_risk (int) at `now`."""
    row = conn.execute(sa.select(
        sa.func.count().label("open"),
        count_if(_overdue(now)).label("overdue"),
        count_if(_at_risk(now)).label("at_risk"),
    ).where(_open(now))).mappings().one()
    return {k: int(row[k] or 0) for k in ("open", "overdue", "at_risk")}


STAGE_AGE_COLUMNS = ["stage", "age", "tickets"]


def backlog_stage_age(conn: Connection, *, now: datetime) -> pd.DataFrame:
    """Open tickets per stage × age bucket (for a stacked chart).

    stage (str) · age (str, AGE_BUCKETS) · tickets (int)
    """
    age = age_bucket(now)
    stmt = sa.select(tf.c.stage, age.label("age"), sa.func.count().label("tickets")).where(
        _open(now)).group_by(tf.c.stage, age)
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=STAGE_AGE_COLUMNS)
    return df.astype({"tickets": "int64"})


ATTENTION_COLUMNS = ["ticket_no", "received_at", "deadline_at", "seconds", "stage", "street", "unit", "category",
                     "urgency", "sla_class", "urge_count"]


def attention_list(conn: Connection, *, now: datetime, kind: str, limit: int = 2000) -> pd.DataFrame:
    """The overdue (kind='overdue') or at-risk (kind='at_risk') open tickets, earliest deadline first.

    ticket_no · received_at · deadline_at · seconds (int: overdue → seconds past the deadline;
    at risk → seconds left) · stage · street · unit · category · urgency · sla_class · urge_count
    """
    if kind == "overdue":
        cond, secs = _overdue(now), seconds_between(tf.c.deadline_at, sa.literal(now, sa.DateTime))
    elif kind == "at_risk":
        cond, secs = _at_risk(now), seconds_between(sa.literal(now, sa.DateTime), tf.c.deadline_at)
    else:
        raise BacklogError(f"未知的清单类型：{kind}")
    stmt = (
        sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.deadline_at, secs.label("seconds"), tf.c.stage,
                  tf.c.street, tf.c.unit, tf.c.category_l1.label("category"), tf.c.urgency, tf.c.sla_class,
                  tf.c.urge_count)
        .where(_open(now), cond)
        .order_by(tf.c.deadline_at, tf.c.ticket_no)
        .limit(limit)
    )
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=ATTENTION_COLUMNS)
    return df.astype({"seconds": "int64", "urge_count": "int64"})


TIMELINE_COLUMNS = ["at", "action", "staff_no", "unit", "detail"]


def ticket_events_of(conn: Connection, *, ticket_no: str, now: datetime | None = None) -> pd.DataFrame:
    """A ticket's events in time order (the timeline behind a list row).

    at (datetime) · action (code) · staff_no · unit · detail (str)
    """
    stmt = sa.select(ev.c.at, ev.c.action, ev.c.staff_no, ev.c.unit, ev.c.detail).where(
        ev.c.ticket_no == ticket_no).order_by(ev.c.at, ev.c.id)
    if now is not None:
        stmt = stmt.where(ev.c.at <= now)
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=TIMELINE_COLUMNS)
