"""Ticket list and ticket timeline for the 工单查询 page (/tickets).

Reads ticket_facts (stage, deadlines, flags as of all known events) joined to tickets for the
descriptive columns. Overdue / at risk are judged at a bound `now`, never the database clock.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.vocabulary import STAGE_CLOSED
from queries.schema import ticket_events as ev
from queries.schema import ticket_facts as tf
from queries.schema import tickets as t

TICKET_LIST_COLUMNS = ["ticket_no", "received_at", "stage", "is_open", "deadline_at", "closed_at", "overdue",
                       "at_risk", "street", "unit", "category_l1", "category_l2", "appeal_type", "urgency",
                       "title"]
TIMELINE_COLUMNS = ["at", "action", "action_label", "staff_no", "unit", "detail"]


def _overdue(now: datetime):
    return sa.or_(sa.and_(tf.c.is_open, tf.c.deadline_at < now),
                  sa.and_(tf.c.stage == STAGE_CLOSED, tf.c.is_late))


def _at_risk(now: datetime):
    return sa.and_(tf.c.is_open, tf.c.at_risk_at <= now, tf.c.deadline_at >= now)


def ticket_list(conn: Connection, *, now: datetime, start: datetime | None = None, end: datetime | None = None,
                stages: list[str] | None = None, overdue: bool | None = None, at_risk: bool | None = None,
                street: str | None = None, unit: str | None = None, category_l1: str | None = None,
                appeal_type: str | None = None, staff_no: str | None = None, ticket_no_like: str | None = None,
                limit: int = 50, offset: int = 0) -> tuple[pd.DataFrame, int]:
    """A page of tickets received in [start, end) and by `now`, newest first, and the total count.

    ticket_no · received_at · stage · is_open · deadline_at · closed_at · overdue (bool: open and
    deadline_at < now, or closed late) · at_risk (bool: open, at_risk_at ≤ now ≤ deadline_at) · street ·
    unit · category_l1 · category_l2 · appeal_type · urgency · title
    """
    cond = [tf.c.received_at <= now]
    if start is not None:
        cond.append(tf.c.received_at >= start)
    if end is not None:
        cond.append(tf.c.received_at < end)
    if stages:
        cond.append(tf.c.stage.in_(list(stages)))
    if overdue is not None:
        cond.append(_overdue(now) if overdue else sa.not_(_overdue(now)))
    if at_risk is not None:
        cond.append(_at_risk(now) if at_risk else sa.not_(_at_risk(now)))
    if street:
        cond.append(tf.c.street == street)
    if unit:
        cond.append(tf.c.unit == unit)
    if category_l1:
        cond.append(tf.c.category_l1 == category_l1)
    if appeal_type:
        cond.append(tf.c.appeal_type == appeal_type)
    if staff_no:
        cond.append(sa.exists().where(ev.c.ticket_no == tf.c.ticket_no, ev.c.staff_no == staff_no,
                                      ev.c.at <= now))
    if ticket_no_like:
        pattern = "%" + ticket_no_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cond.append(tf.c.ticket_no.like(pattern, escape="\\"))
    total = conn.execute(sa.select(sa.func.count()).select_from(tf).where(*cond)).scalar_one()
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.stage, tf.c.is_open, tf.c.deadline_at,
                      tf.c.closed_at, sa.case((_overdue(now), True), else_=False).label("overdue"),
                      sa.case((_at_risk(now), True), else_=False).label("at_risk"), tf.c.street, tf.c.unit,
                      tf.c.category_l1, t.c.category_l2, tf.c.appeal_type, tf.c.urgency, t.c.title)
            .join(t, t.c.ticket_no == tf.c.ticket_no)
            .where(*cond)
            .order_by(tf.c.received_at.desc(), tf.c.ticket_no.desc())
            .limit(limit).offset(offset))
    df = pd.read_sql(stmt, conn)
    for col in ("is_open", "overdue", "at_risk"):
        df[col] = df[col].astype(bool)
    return df[TICKET_LIST_COLUMNS], int(total)


def ticket_timeline(conn: Connection, ticket_no: str, *, labels: dict[str, str],
                    now: datetime | None = None) -> pd.DataFrame:
    """The ticket's events in time order (ties in import order).

    at · action (code) · action_label (Chinese, from `labels`: pass domain.lifecycle.ACTIONS)
    · staff_no · unit · detail ('' when none)
    """
    stmt = (sa.select(ev.c.at, ev.c.action, ev.c.staff_no, ev.c.unit, ev.c.detail)
            .where(ev.c.ticket_no == ticket_no).order_by(ev.c.at, ev.c.id))
    if now is not None:
        stmt = stmt.where(ev.c.at <= now)
    df = pd.read_sql(stmt, conn)
    df["action_label"] = df["action"].map(lambda a: labels.get(a, a))
    return df[TIMELINE_COLUMNS]
