"""疑难、未解决、特殊工单台账 (docs/ledgers.md): open tickets of 时限类型 疑难, tickets with a callback
(回访时间 present) whose 是否解决 is 否, and tickets a supervisor flagged as special; with each
ticket's current unit, stage and its history (its events up to `now`, the latest of each ticket for the
workbook)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.vocabulary import HARD_SLA_CLASS
from queries.schema import special_flags, ticket_events, ticket_facts, tickets

SPECIAL_COLUMNS = ["ticket_no", "received_at", "sla_class", "stage", "unit", "street", "title", "deadline_at",
                   "callback_at", "events", "last_event_at", "last_action", "flag_reason", "flagged_by", "flagged_at"]


def _ts(value: datetime, name: str):
    return sa.bindparam(name, value, type_=sa.DateTime())


def _base(now: datetime):
    tf, t, e, f = ticket_facts, tickets, ticket_events, special_flags
    now_p = _ts(now, "sp_now")
    events = (sa.select(sa.func.count()).where(e.c.ticket_no == t.c.ticket_no, e.c.at <= now_p)
              .correlate(t).scalar_subquery())
    last = (sa.select(sa.func.max(e.c.at)).where(e.c.ticket_no == t.c.ticket_no, e.c.at <= now_p)
            .correlate(t).scalar_subquery())
    e2 = ticket_events.alias("e2")
    last_action = (sa.select(e2.c.action).where(e2.c.ticket_no == t.c.ticket_no, e2.c.at <= now_p)
                   .order_by(e2.c.at.desc(), e2.c.id.desc()).limit(1).correlate(t).scalar_subquery())
    active = sa.and_(f.c.ticket_no == t.c.ticket_no, f.c.flagged_at <= now_p,
                     sa.or_(f.c.cleared_at.is_(None), f.c.cleared_at > now_p))
    return sa.select(t.c.ticket_no, t.c.received_at, t.c.sla_class, tf.c.stage, t.c.unit, t.c.street, t.c.title,
                     tf.c.deadline_at, t.c.callback_at, events.label("events"), last.label("last_event_at"),
                     last_action.label("last_action"),
                     f.c.reason.label("flag_reason"), f.c.flagged_by, f.c.flagged_at) \
        .select_from(t.join(tf, tf.c.ticket_no == t.c.ticket_no).outerjoin(f, active)) \
        .where(t.c.received_at <= now_p)


def special_tickets(conn: Connection, *, kind: str, now: datetime, callback_window: tuple[datetime, datetime] | None = None,
                    limit: int | None = None) -> pd.DataFrame:
    """SPECIAL_COLUMNS rows of one list, oldest first:
    kind 'hard' — open tickets of 时限类型 疑难 at `now`;
    kind 'unresolved' — tickets with 回访时间 at or before `now` (within `callback_window` when given) and 是否解决 否;
    kind 'flagged' — tickets flagged special and not unflagged by `now`."""
    t, tf, f = tickets, ticket_facts, special_flags
    stmt = _base(now)
    if kind == "hard":
        stmt = stmt.where(tf.c.is_open, t.c.sla_class == HARD_SLA_CLASS)
    elif kind == "unresolved":
        stmt = stmt.where(t.c.callback_at.is_not(None), t.c.callback_at <= _ts(now, "sp_now"), ~t.c.resolved)
        if callback_window:
            stmt = stmt.where(t.c.callback_at >= _ts(callback_window[0], "cb_start"),
                              t.c.callback_at < _ts(callback_window[1], "cb_end"))
    elif kind == "flagged":
        stmt = stmt.where(f.c.id.is_not(None))
    else:
        raise ValueError(kind)
    stmt = stmt.order_by(t.c.received_at, t.c.ticket_no)
    if limit:
        stmt = stmt.limit(limit)
    rows = conn.execute(stmt).mappings().all()
    return pd.DataFrame([{c: r[c] for c in SPECIAL_COLUMNS} for r in rows], columns=SPECIAL_COLUMNS)


def special_counts(conn: Connection, *, now: datetime, callback_window: tuple[datetime, datetime] | None = None
                   ) -> dict[str, int]:
    """{hard, unresolved, flagged}: the sizes of the three lists."""
    out = {}
    for kind in ("hard", "unresolved", "flagged"):
        inner = _filtered(kind, now, callback_window).subquery()
        out[kind] = int(conn.execute(sa.select(sa.func.count()).select_from(inner)).scalar() or 0)
    return out


def _filtered(kind: str, now: datetime, callback_window):
    t, tf, f = tickets, ticket_facts, special_flags
    now_p = _ts(now, "sc_now")
    base = sa.select(t.c.ticket_no).select_from(t.join(tf, tf.c.ticket_no == t.c.ticket_no)).where(t.c.received_at <= now_p)
    if kind == "hard":
        return base.where(tf.c.is_open, t.c.sla_class == HARD_SLA_CLASS)
    if kind == "unresolved":
        base = base.where(t.c.callback_at.is_not(None), t.c.callback_at <= now_p, ~t.c.resolved)
        if callback_window:
            base = base.where(t.c.callback_at >= _ts(callback_window[0], "cb_start"),
                              t.c.callback_at < _ts(callback_window[1], "cb_end"))
        return base
    return base.where(sa.exists().where(f.c.ticket_no == t.c.ticket_no, f.c.flagged_at <= now_p,
                                        sa.or_(f.c.cleared_at.is_(None), f.c.cleared_at > now_p)))


HISTORY_COLUMNS = ["ticket_no", "at", "action", "staff_no", "unit", "detail"]


def lists_history(conn: Connection, *, now: datetime, callback_window: tuple[datetime, datetime] | None = None,
                  per_ticket: int) -> pd.DataFrame:
    """The events up to `now` of every ticket on the three lists (the unresolved one within
    `callback_window` when given), at most the `per_ticket` latest of each; HISTORY_COLUMNS, by
    ticket, then in time and import order. One statement: the lists are subqueries, not a list of
    numbers sent back."""
    listed = sa.union(*(_filtered(kind, now, callback_window if kind == "unresolved" else None)
                        for kind in ("hard", "unresolved", "flagged"))).subquery()
    e = ticket_events
    latest_first = sa.func.row_number().over(partition_by=e.c.ticket_no, order_by=(e.c.at.desc(), e.c.id.desc()))
    ranked = (sa.select(e.c.ticket_no, e.c.at, e.c.action, e.c.staff_no, e.c.unit, e.c.detail, e.c.id,
                        latest_first.label("recency"))
              .where(e.c.ticket_no.in_(sa.select(listed.c.ticket_no)), e.c.at <= _ts(now, "lh_now"))
              .subquery())
    rows = conn.execute(sa.select(*(ranked.c[c] for c in HISTORY_COLUMNS))
                        .where(ranked.c.recency <= sa.bindparam("per_ticket", per_ticket))
                        .order_by(ranked.c.ticket_no, ranked.c.at, ranked.c.id)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=HISTORY_COLUMNS)
