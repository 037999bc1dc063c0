"""Cached overview figures."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from dashboard.services.rules_store import current_rules
from dashboard.web.reads import cached, cached_query, engine
from queries import feeds, overview

intake_vs_weekday = cached_query(overview.intake_vs_weekday, ttl="60s", max_entries=64)
backlog_by_stage = cached_query(overview.backlog_by_stage, ttl="60s", max_entries=64)
month_intake = cached_query(overview.month_intake, ttl="60s", max_entries=64)
latest_data_at = cached_query(overview.latest_data_at, ttl="60s", max_entries=64)
any_feed_late = cached_query(feeds.any_late, name="any_feed_late", ttl="60s", max_entries=64)


@cached(ttl="300s", max_entries=32, show_spinner=False)
def daily_intake(now: datetime, days: int = 30) -> pd.DataFrame:
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    with engine().connect() as conn:
        return overview.daily_intake(conn, start=start, now=now)


@cached(ttl="300s", show_spinner=False)
def freshness_thresholds() -> tuple[int, int]:
    with engine().connect() as conn:
        return current_rules(conn).freshness_minutes
