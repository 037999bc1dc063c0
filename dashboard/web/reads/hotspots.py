"""Cached reads of the hot topics (热点诉求): a week's 突增, a topic's tickets, 街乡镇 and keywords,
and the 每月一题 candidates with their workbook (built on request)."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services.hotspots import keywords as kw
from dashboard.services.hotspots import monthly, surges
from dashboard.web.reads import cached, cached_query, engine, write_engine
from domain.hotspots import baseline_weeks, week_bounds
from queries import hotspots as q

TICKETS_SHOWN = 200

first_week = cached_query(q.first_week, ttl="300s", max_entries=4)
_topic_streets = cached_query(q.topic_streets, ttl="120s", max_entries=64)
_topic_tickets = cached_query(q.topic_tickets, ttl="120s", max_entries=64)
_top_streets = cached_query(q.top_streets, ttl="120s", max_entries=16)


@cached(ttl="120s", max_entries=32, show_spinner=False)
def week_surges(monday: date, now: datetime) -> surges.WeekSurges:
    with engine().connect() as conn:
        return surges.week_surges(conn, monday=monday, now=now, first_week=first_week(), keep=write_engine)


@cached(ttl="120s", max_entries=16, show_spinner=False)
def latest_surges(now: datetime) -> surges.WeekSurges:
    """This week's 突增, else last week's (the wall and the stand-up)."""
    with engine().connect() as conn:
        return surges.latest_surges(conn, now=now, keep=write_engine)


def topic_streets(topic: str, monday: date, now: datetime) -> pd.DataFrame:
    start, end = week_bounds(monday)
    return _topic_streets(topic, start, end, now)


def top_streets(topics: tuple[str, ...], monday: date, now: datetime) -> dict[str, tuple[str, int]]:
    """{topic: (the 街乡镇 with most of its tickets in the week, tickets)}"""
    start, end = week_bounds(monday)
    return _by_topic(_top_streets(list(topics), start, end, now))


def surges_with_streets(conn: Connection, now: datetime, *, keep=write_engine
                        ) -> tuple[surges.WeekSurges, dict[str, tuple[str, int]]]:
    """The latest 突增 (surges.latest_surges) and top_streets of its topics, on one connection
    (the stand-up reads them beside its other figures); `keep`: the writers' engine."""
    week = surges.latest_surges(conn, now=now, keep=keep)
    if not week.surges:
        return week, {}
    start, end = week_bounds(week.monday)
    return week, _by_topic(q.top_streets(conn, topics=[t.topic for t in week.surges], start=start, end=end, now=now))


def _by_topic(frame: pd.DataFrame) -> dict[str, tuple[str, int]]:
    return {topic: (street, int(n)) for topic, street, n in frame.itertuples(index=False)}


def topic_tickets(topic: str, monday: date, now: datetime) -> pd.DataFrame:
    start, end = week_bounds(monday)
    return _topic_tickets(topic, start, end, now, TICKETS_SHOWN)


@cached(ttl="3600s", max_entries=512, show_spinner=False)
def _closed_week_terms(topic: str, monday: date, limit: int, as_of: date) -> dict[str, int]:
    """A finished week's term counts: its texts no longer change with `now`, so they are kept
    for an hour (keyed by the day, so a day's imports are read again)."""
    with engine().connect() as conn:
        return dict(surges.week_terms(conn, topic=topic, monday=monday, now=week_bounds(monday)[1], limit=limit))


@cached(ttl="300s", max_entries=64, show_spinner=False)
def topic_keywords(topic: str, monday: date, now: datetime) -> list[kw.Keyword]:
    """The topic's keywords in the week starting `monday` (the current week's texts up to `now`)."""
    start, end = week_bounds(monday)
    if now >= end:
        this = Counter(_closed_week_terms(topic, monday, kw.TEXTS_THIS_WEEK, now.date()))
    else:
        with engine().connect() as conn:
            this = surges.week_terms(conn, topic=topic, monday=monday, now=now, limit=kw.TEXTS_THIS_WEEK)
    prior = [_closed_week_terms(topic, w, kw.TEXTS_PER_PRIOR_WEEK, now.date())
             for w in baseline_weeks(monday, first_week())]
    return kw.rank_terms(this, prior)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def monthly_candidates(month: str, now: datetime) -> list[monthly.CandidateList]:
    with engine().connect() as conn:
        return monthly.monthly_candidates(conn, month=month, now=now)


@cached(keep_last=False, ttl="300s", max_entries=8, show_spinner=False)
def candidates_workbook(month: str, now: datetime) -> bytes:
    """The workbook of the lists the page shows (the download button's callable)."""
    return monthly.candidates_workbook(monthly_candidates(month, now))
