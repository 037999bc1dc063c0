"""Cached backlog figures (DESIGN 3.4)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.web.reads import cached, engine
from queries import backlog


@cached(ttl="60s", max_entries=64, show_spinner=False)
def backlog_by(now: datetime, dimension: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return backlog.backlog_by(conn, now=now, dimension=dimension)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def totals(now: datetime) -> dict:
    with engine().connect() as conn:
        return backlog.backlog_totals(conn, now=now)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def stage_age(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return backlog.backlog_stage_age(conn, now=now)


@cached(ttl="60s", max_entries=32, show_spinner=False)
def attention_list(now: datetime, kind: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return backlog.attention_list(conn, now=now, kind=kind)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def ticket_timeline(ticket_no: str, now: datetime) -> pd.DataFrame:
    """A ticket's events up to `now`: at · action · staff_no · unit · detail.

    The ticket module's timeline is used when it is there (one definition for the app), else
    the backlog query's own.
    """
    from domain.lifecycle import ACTIONS

    with engine().connect() as conn:
        try:
            from queries.tickets import ticket_timeline as shared  # the /tickets page's definition
        except ImportError:
            return backlog.ticket_events_of(conn, ticket_no=ticket_no, now=now)
        return shared(conn, ticket_no, labels=ACTIONS, now=now)[backlog.TIMELINE_COLUMNS]
