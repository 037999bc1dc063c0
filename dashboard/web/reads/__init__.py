"""Cached wrappers over the query layer: the only place that knows Streamlit caching.

One module per subject (overview, backlog, …). Every wrapper takes the parameters that scope
its data (including `now`), so cache keys never mix two questions.

A read that opens a connection and asks one query is made by `cached_query`; a read that does more
(several queries, reshaping for display, reads at the same time) is a function decorated with
`cached` (st.cache_data) or `fresh` (never cached). All keep the last good answer
(dashboard.web.live), which stands in during an app run when the database is unreachable.
Writes run in `writing()`, a transaction on `write_engine()`: never answered from memory.
"""
from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Connection, Engine

from dashboard.infra import logs, settings
from dashboard.infra.db import shared_engine
from dashboard.services import audit
from dashboard.web import live

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


def engine() -> Engine:
    """The dashboards' connection (may be a read-mostly PostgreSQL role)."""
    return shared_engine(settings.db_url())


def write_engine() -> Engine:
    """The connection for writes of consequence (see settings.write_db_url). Refused (as an
    unreachable database) in a run whose user the database could not confirm."""
    live.guard_write()
    return shared_engine(settings.write_db_url())


@contextmanager
def writing() -> Iterator[Connection]:
    """One write's transaction on write_engine(). A write the service refused for the role rolls
    back with its audit row; that row is then written on its own, so every refusal stays audited."""
    try:
        with write_engine().begin() as conn:
            yield conn
    except Exception as error:
        row = audit.refusal_row(error)
        if row is not None:
            try:
                with write_engine().begin() as conn:
                    audit.record(conn, **row)
            except Exception:  # noqa: BLE001 - the refusal's own message matters more to the user
                logs.event("audit_write_failed", action=row["action"], target=row["target"])
        raise


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


_fresh = fresh   # cached_query's `fresh` flag hides the decorator's name


_queries_read: dict[tuple[str, str], Callable[..., Any]] = {}   # (module, read's name) → the query it asks


def _same_function(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    """The same object, or the same module-level function of a module imported again (Streamlit
    re-imports a changed module while the app runs)."""
    return a is b or ("<locals>" not in a.__qualname__
                      and (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__))


def cached_query(query: Callable[..., R], *, fresh: bool = False, keep_last: bool = True, name: str | None = None,
                 show_spinner: bool | str = False, **cache_kwargs: Any) -> Callable[..., R]:
    """The read of one question: query(conn, …) on a connection of `engine()`.

    The read takes the query's parameters after `conn`, in the query's order, by position or by
    name. It is cached like `cached(keep_last=…, show_spinner=…, **cache_kwargs)`, or never
    (fresh=True: it must show the latest write, like `fresh`).

    Streamlit keys a function's cache by its module, qualified name and source, and the last good
    store keys answers by module and name: the read is a function of its own, named `name` (default
    the query's name) in the module that calls cached_query, and a second read of that name there
    that asks another query is refused, so two reads never share a cache.
    """
    if fresh and (cache_kwargs or not keep_last):
        raise TypeError("a fresh read is never cached: no cache options")
    module = sys._getframe(1).f_globals["__name__"]
    qualname = name or query.__name__
    asked = _queries_read.setdefault((module, qualname), query)
    if not _same_function(asked, query):
        raise ValueError(f"{module}.{qualname} already reads {asked.__module__}.{asked.__qualname__}: pass name=")
    signature = inspect.signature(query)
    signature = signature.replace(parameters=[p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                              for p in list(signature.parameters.values())[1:]])

    def ask(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs).arguments
        with engine().connect() as conn:
            return query(conn, **arguments)

    ask.__module__, ask.__name__, ask.__qualname__, ask.__doc__ = module, qualname, qualname, query.__doc__
    ask.__signature__ = signature  # type: ignore[attr-defined]
    ask.__wrapped__ = query  # type: ignore[attr-defined]
    if fresh:
        return _fresh(ask)
    return cached(keep_last=keep_last, show_spinner=show_spinner, **cache_kwargs)(ask)

