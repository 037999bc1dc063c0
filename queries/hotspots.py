"""Hot topics (热点诉求): tickets per ISO week and topic, one topic's tickets, 街乡镇 and texts.

A ticket's topic is its 二级分类, else its 一级分类 (domain.vocabulary.UNCATEGORISED with neither).
Tickets count by 接收时间 and only up to `now`; periods are half-open [start, end). The SQL only
counts and lists; domain.hotspots judges the 突增.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.hotspots import first_covered_week
from domain.vocabulary import NO_STREET, UNCATEGORISED
from queries.schema import ticket_facts as tf
from queries.schema import tickets as t
from queries.sql import as_date, tuples

WEEKLY_COLUMNS = ["week", "topic", "tickets"]
TOPIC_COUNT_COLUMNS = ["topic", "tickets"]
STREET_COLUMNS = ["street", "tickets"]
TOPIC_TICKET_COLUMNS = ["ticket_no", "received_at", "street", "address", "title", "stage"]


def topic_of(table=t):
    """The topic expression of a tickets row: 二级分类, else 一级分类, blanks as missing."""
    return sa.func.coalesce(sa.func.nullif(table.c.category_l2, ""), sa.func.nullif(table.c.category_l1, ""),
                            sa.literal(UNCATEGORISED))


def _window(start: datetime, end: datetime, now: datetime):
    return (t.c.received_at >= sa.bindparam("h_start", start, type_=sa.DateTime()),
            t.c.received_at < sa.bindparam("h_end", end, type_=sa.DateTime()),
            t.c.received_at <= sa.bindparam("h_now", now, type_=sa.DateTime()))


def first_received_at(conn: Connection) -> datetime | None:
    """When the earliest ticket was received (the data's first week bounds every baseline)."""
    return conn.execute(sa.select(sa.func.min(t.c.received_at))).scalar()


def weekly_topic_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """Tickets per ISO week and topic received in [start, end) and by `now`; `start` and `end` are
    Mondays 00:00.

    week (date: the Monday) · topic (str) · tickets (int); only (week, topic) pairs with tickets,
    sorted by week and topic.

    The week of a ticket is found by comparing its time with the bound week starts (a CASE), not
    by a date function per row: exact on both engines and cheaper on SQLite.
    """
    mondays = [start + timedelta(weeks=k) for k in range((end - start) // timedelta(weeks=1))]
    week = sa.case(*[(t.c.received_at < sa.bindparam(f"h_week{k}", m + timedelta(weeks=1), type_=sa.DateTime()), k)
                     for k, m in enumerate(mondays[:-1])], else_=len(mondays) - 1) if len(mondays) > 1 else sa.literal(0)
    topic = topic_of()
    stmt = (sa.select(week.label("week"), topic.label("topic"), sa.func.count().label("tickets"))
            .where(*_window(start, end, now)).group_by(week, topic))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=WEEKLY_COLUMNS)
    df["week"] = [mondays[int(k)].date() for k in df["week"]]
    df["tickets"] = df["tickets"].astype("int64")
    return df.sort_values(["week", "topic"]).reset_index(drop=True)


def topic_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """Tickets per topic received in [start, end) and by `now`: topic (str) · tickets (int),
    most first, then by topic."""
    topic = topic_of()
    stmt = (sa.select(topic.label("topic"), sa.func.count().label("tickets"))
            .where(*_window(start, end, now)).group_by(topic))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=TOPIC_COUNT_COLUMNS)
    df["tickets"] = df["tickets"].astype("int64")
    return df.sort_values(["tickets", "topic"], ascending=[False, True]).reset_index(drop=True)


def topic_streets(conn: Connection, *, topic: str, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """One topic's tickets per 被反映街乡镇 in [start, end) and by `now`: street (str; NO_STREET for
    blanks) · tickets (int), most first, then by street."""
    street = sa.func.coalesce(sa.func.nullif(t.c.street, ""), sa.literal(NO_STREET))
    stmt = (sa.select(street.label("street"), sa.func.count().label("tickets"))
            .where(*_window(start, end, now), topic_of() == sa.bindparam("h_topic", topic, type_=sa.String()))
            .group_by(street))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=STREET_COLUMNS)
    df["tickets"] = df["tickets"].astype("int64")
    return df.sort_values(["tickets", "street"], ascending=[False, True]).reset_index(drop=True)


def top_streets(conn: Connection, *, topics: list[str], start: datetime, end: datetime,
                now: datetime) -> pd.DataFrame:
    """The 被反映街乡镇 with the most tickets of each of `topics` in [start, end) and by `now`
    (ties: the street first in code-point order; blanks as NO_STREET).

    topic (str) · street (str) · tickets (int), one row per topic that has tickets, by topic."""
    if not topics:
        return pd.DataFrame(columns=["topic", "street", "tickets"])
    street = sa.func.coalesce(sa.func.nullif(t.c.street, ""), sa.literal(NO_STREET))
    topic = topic_of()
    stmt = (sa.select(topic.label("topic"), street.label("street"), sa.func.count().label("tickets"))
            .where(*_window(start, end, now), topic.in_(sa.bindparam("h_topics", list(topics), expanding=True)))
            .group_by(topic, street))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=["topic", "street", "tickets"])
    df["tickets"] = df["tickets"].astype("int64")
    df = df.sort_values(["topic", "tickets", "street"], ascending=[True, False, True])
    return df.drop_duplicates("topic").reset_index(drop=True)


def topic_tickets(conn: Connection, *, topic: str, start: datetime, end: datetime, now: datetime,
                  limit: int) -> pd.DataFrame:
    """One topic's tickets received in [start, end) and by `now`, newest first, at most `limit`.

    ticket_no · received_at (datetime) · street · address · title · stage (as of all known events)
    """
    stmt = (sa.select(t.c.ticket_no, t.c.received_at, t.c.street, t.c.address, t.c.title, tf.c.stage)
            .select_from(t.outerjoin(tf, tf.c.ticket_no == t.c.ticket_no))
            .where(*_window(start, end, now), topic_of() == sa.bindparam("h_topic", topic, type_=sa.String()))
            .order_by(t.c.received_at.desc(), t.c.ticket_no.desc())
            .limit(sa.bindparam("h_limit", limit, type_=sa.Integer())))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=TOPIC_TICKET_COLUMNS)
    df["received_at"] = pd.to_datetime(df["received_at"])
    return df


def topic_texts(conn: Connection, *, topic: str, start: datetime, end: datetime, now: datetime,
                limit: int, chars: int = 300) -> list[str]:
    """标题 + the first `chars` characters of 主要内容 of one topic's tickets received in
    [start, end) and by `now`, newest first, at most `limit` (the keyword extraction reads a
    bounded sample)."""
    content = sa.func.substr(t.c.content, 1, sa.bindparam("h_chars", chars, type_=sa.Integer()))
    stmt = (sa.select(t.c.title, content)
            .where(*_window(start, end, now), topic_of() == sa.bindparam("h_topic", topic, type_=sa.String()))
            .order_by(t.c.received_at.desc(), t.c.ticket_no.desc())
            .limit(sa.bindparam("h_limit", limit, type_=sa.Integer())))
    return [f"{title or ''}\n{content or ''}" for title, content in conn.execute(stmt)]


def first_week(conn: Connection) -> date | None:
    """Monday of the first week the data covers whole (domain.hotspots.first_covered_week), or
    None without tickets."""
    first = first_received_at(conn)
    return None if first is None else first_covered_week(as_date(first))
