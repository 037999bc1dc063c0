"""Cached wrappers over the query layer: the only place that knows Streamlit caching.

One module per subject (overview, backlog, …). Every wrapper takes the parameters that scope
its data (including `now`), so cache keys never mix two questions.

Reads are decorated with `cached` (st.cache_data) or `fresh` (never cached); both keep the last
good answer (dashboard.web.live), which stands in during an app run when the database is unreachable.
Writes are plain functions on `write_engine()`: never answered from memory.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.web import live
from dashboard.infra import settings
from dashboard.infra.db import shared_engine

F = TypeVar("F", bound=Callable[..., Any])


def engine() -> Engine:
    """The dashboards' connection (may be a read-mostly PostgreSQL role)."""
    return shared_engine(settings.db_url())


def write_engine() -> Engine:
    """The connection for writes of consequence (see settings.write_db_url). Refused (as an
    unreachable database) in a run whose user the database could not confirm."""
    live.guard_write()
    return shared_engine(settings.write_db_url())


def now_minute() -> datetime:
    """One `now` per page run, to the minute, so tiles agree and caches are reused.

    HOTLINE_NOW pins it (screenshots, demos of a past day, tests).
    """
    pinned = os.environ.get("HOTLINE_NOW")
    if pinned:
        return datetime.fromisoformat(pinned)
    return datetime.now().replace(second=0, microsecond=0)


def cached(*, keep_last: bool = True, **cache_kwargs) -> Callable[[F], F]:
    """st.cache_data(**cache_kwargs), and the last good answer for outages (dashboard.web.live).

    keep_last=False for answers that must not stay in memory beyond the cache: downloads (bytes,
    full exports) and anything computed from an upload.
    """
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            with live.no_recall():   # an answer built on remembered figures must not be cached
                value = fn(*args, **kwargs)
            read_at = datetime.now()
            if keep_last:
                live.remember(fn, args, kwargs, value, read_at)
            return value, read_at

        inner = st.cache_data(**cache_kwargs)(timed)   # keyed by fn's name, source and arguments

        @functools.wraps(fn)
        def read(*args, **kwargs):
            try:
                value, read_at = inner(*args, **kwargs)
            except live.UNAVAILABLE as error:
                if not keep_last:
                    raise
                return live.recall(fn, args, kwargs, error)
            live.shown(read_at)
            return value

        read.clear = inner.clear  # type: ignore[attr-defined]
        return read  # type: ignore[return-value]

    return decorate


def fresh(fn: F) -> F:
    """A read that is never cached (it must show the latest write) but keeps its last good
    answer for outages like `cached`."""
    @functools.wraps(fn)
    def read(*args, **kwargs):
        try:
            value = fn(*args, **kwargs)
        except live.UNAVAILABLE as error:
            return live.recall(fn, args, kwargs, error)
        read_at = datetime.now()
        live.remember(fn, args, kwargs, value, read_at)
        live.shown(read_at)
        return value

    return read  # type: ignore[return-value]
