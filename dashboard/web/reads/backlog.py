"""Cached backlog figures: the open tickets at `now` by dimension, their totals and ages, the lists to act on."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.web.reads import cached, cached_query, engine
from domain.lifecycle import ACTIONS
from queries import backlog, tickets

backlog_by = cached_query(backlog.backlog_by, ttl="60s", max_entries=64)
totals = cached_query(backlog.backlog_totals, ttl="60s", max_entries=64)
stage_age = cached_query(backlog.backlog_stage_age, ttl="60s", max_entries=64)
attention_list = cached_query(backlog.attention_list, ttl="60s", max_entries=32)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def ticket_timeline(ticket_no: str, now: datetime) -> pd.DataFrame:
    """A ticket's events up to `now`: at · action · staff_no · unit · detail (the /tickets page's timeline)."""
    with engine().connect() as conn:
        return tickets.ticket_timeline(conn, ticket_no, labels=ACTIONS, now=now)[backlog.TIMELINE_COLUMNS]
