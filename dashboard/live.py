"""Last good figures for screens nobody touches (the wall display).

When the database cannot be reached, a wall must not go blank or show a traceback: it keeps
showing the figures of its last successful read under a red banner, and picks up fresh figures
by itself on the next refresh once the database is back. The store is per process (one dict
shared by all sessions), keyed by the question asked — not by `now`, so the newest good answer
to "backlog totals" stands in for the current one.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy.exc as sa_exc

# Failures of reaching the database (not bugs in a query: those must still surface).
UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
               ConnectionError)

_store: dict[str, tuple[Any, datetime]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Live:
    value: Any                 # the fresh value, else the last good one, else None
    ok: bool                   # this read succeeded
    read_at: datetime | None   # when `value` was read (None: never)
    error: str | None = None


def fetch(key: str, fn: Callable[..., Any], *args, clock: Callable[[], datetime] = datetime.now, **kwargs) -> Live:
    """fn(*args, **kwargs), remembered under `key`; on a database outage the last good value."""
    try:
        value = fn(*args, **kwargs)
    except UNAVAILABLE as e:
        with _lock:
            kept = _store.get(key)
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        if kept is None:
            return Live(None, False, None, message)
        return Live(kept[0], False, kept[1], message)
    read_at = clock()
    with _lock:
        _store[key] = (value, read_at)
    return Live(value, True, read_at)


def forget(prefix: str = "") -> None:
    """Drop remembered values (tests; a key family after a schema change)."""
    with _lock:
        for k in [k for k in _store if k.startswith(prefix)]:
            del _store[k]


@dataclass
class Board:
    """Collects the reads of one refresh so the screen knows whether any of them failed."""

    prefix: str = ""
    reads: list[Live] = field(default_factory=list)

    def get(self, key: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
        live = fetch(self.prefix + key, fn, *args, **kwargs)
        self.reads.append(live)
        return live.value

    @property
    def failed(self) -> bool:
        return any(not r.ok for r in self.reads)

    @property
    def oldest_read(self) -> datetime | None:
        """When the oldest figure on screen was read (None when all are fresh or none exists)."""
        stale = [r.read_at for r in self.reads if not r.ok and r.read_at is not None]
        return min(stale) if stale else None

    @property
    def missing(self) -> bool:
        """Some figure has never been read successfully."""
        return any(r.value is None and not r.ok for r in self.reads)


def screen_index(rotate_seconds: int, screens: int, now_epoch: float) -> int:
    """Which of `screens` a rotating wall shows at `now_epoch` (seconds): taken from the clock, not
    from a counter, so every refresh, reload or second screen agrees, and nothing is lost."""
    if rotate_seconds <= 0 or screens <= 1:
        return 0
    return int(now_epoch // rotate_seconds) % screens
