"""Cached overview figures."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from dashboard.web.reads import cached, engine
from dashboard.services.rules_store import current_rules
from queries import overview


@cached(ttl="60s", max_entries=64, show_spinner=False)
def intake_vs_weekday(now: datetime) -> dict:
    with engine().connect() as conn:
        return overview.intake_vs_weekday(conn, now=now)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def backlog_by_stage(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return overview.backlog_by_stage(conn, now=now)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def month_intake(now: datetime) -> int:
    with engine().connect() as conn:
        return overview.month_intake(conn, now=now)


@cached(ttl="60s", max_entries=64, show_spinner=False)
def latest_data_at(now: datetime) -> datetime | None:
    with engine().connect() as conn:
        return overview.latest_data_at(conn, now=now)


@cached(ttl="300s", max_entries=32, show_spinner=False)
def daily_intake(now: datetime, days: int = 30) -> pd.DataFrame:
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    with engine().connect() as conn:
        return overview.daily_intake(conn, start=start, now=now)


@cached(ttl="300s", show_spinner=False)
def freshness_thresholds() -> tuple[int, int]:
    with engine().connect() as conn:
        return current_rules(conn).freshness_minutes
