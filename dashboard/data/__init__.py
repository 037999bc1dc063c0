"""Cached wrappers over the query layer: the only place that knows Streamlit caching.

One module per subject (overview, backlog, …). Every wrapper takes the parameters that scope
its data (including `now`), so cache keys never mix two questions.
"""
from __future__ import annotations

import os
from datetime import datetime

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import settings
from dashboard.db import shared_engine


def engine() -> Engine:
    """The dashboards' connection (may be a read-mostly PostgreSQL role)."""
    return shared_engine(settings.db_url())


def write_engine() -> Engine:
    """The connection for writes of consequence (see settings.write_db_url)."""
    return shared_engine(settings.write_db_url())


def now_minute() -> datetime:
    """One `now` per page run, to the minute, so tiles agree and caches are reused.

    HOTLINE_NOW pins it (screenshots, demos of a past day, tests).
    """
    pinned = os.environ.get("HOTLINE_NOW")
    if pinned:
        return datetime.fromisoformat(pinned)
    return datetime.now().replace(second=0, microsecond=0)


cache = st.cache_data  # re-exported so subject modules share one import style
