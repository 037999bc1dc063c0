"""Last good figures when the database cannot be reached.

Two users of the same idea:

- the wall display (`fetch`, `Board`): a screen nobody touches must not go blank or show a
  traceback; it keeps the figures of its last successful read under a red banner, and picks up
  fresh figures by itself on the next refresh once the database is back;
- the desk pages (`LastGood`, `DeskRun`): every read wrapper of dashboard.web.reads remembers its
  last good answer; during an app run (app.py opens a `desk_run`) a read that fails because the
  database is unreachable is answered from that store instead, and the run records it so the
  page shows a banner naming when its figures were read. Outside a desk run (the CLI, the wall's
  own `fetch`) the failure propagates as before.

Both stores are per process (shared by all sessions) and keyed by the question asked — not by
`now`, so the newest good answer to "backlog totals" stands in for the current one. Writes are
never answered from a store: they go to the database or fail.
"""
from __future__ import annotations

import inspect
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy.exc as sa_exc

from dashboard.infra import logs

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
        with no_recall():   # the desk pages' store must not answer here: the wall sees the failure itself
            value = fn(*args, **kwargs)
    except UNAVAILABLE as e:
        logs.outage.failed(e, timeout=is_timeout(e))
        with _lock:
            kept = _store.get(key)
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        if kept is None:
            return Live(None, False, None, message)
        return Live(kept[0], False, kept[1], message)
    logs.outage.recovered()
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


# --- desk pages ------------------------------------------------------------------------------

def is_timeout(error: BaseException) -> bool:
    """PostgreSQL cancelled the statement (statement_timeout): the database is up, the query slow."""
    orig = getattr(error, "orig", None)
    return type(orig).__name__ == "QueryCanceled" or "statement timeout" in str(orig or "")


class LastGood:
    """The last good answer per question, bounded by entries and by bytes (least recently used go
    first). Values are kept pickled, so a page that changes a served frame in place cannot change
    the stored one, and the byte bound is exact."""

    def __init__(self, max_entries: int = 256, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[Hashable, tuple[bytes, datetime]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, key: Hashable, value: Any, read_at: datetime) -> bool:
        try:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an unpicklable value is simply not kept
            blob = None
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            if blob is None or len(blob) > self.max_bytes // 8:   # one huge value must not evict all
                return False
            self._items[key] = (blob, read_at)
            self._bytes += len(blob)
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, (dropped, _) = self._items.popitem(last=False)
                self._bytes -= len(dropped)
        return True

    def get(self, key: Hashable) -> tuple[Any, datetime] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
        return pickle.loads(item[0]), item[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes


last_good = LastGood()


@dataclass
class DeskRun:
    """What one app run showed: whether the signed-in user could be confirmed, how many figures
    came from the last good store, and when every figure shown was read."""

    unverified: bool = False          # identity taken from the session: the database was unreachable
    served: int = 0                   # reads answered from the last good store
    read_times: list[datetime] = field(default_factory=list)
    banner: Any = None                # where the page's outage banner goes (app.py's placeholder)
    _listener: Callable[[DeskRun], None] | None = None
    _shown: tuple | None = None

    @property
    def degraded(self) -> bool:
        """The database failed during this run and the page shows remembered figures."""
        return self.unverified or self.served > 0

    @property
    def oldest_read(self) -> datetime | None:
        return min(self.read_times) if self.read_times else None

    def watch(self, listener: Callable[[DeskRun], None]) -> None:
        """Call listener(run) now and whenever what the banner would say changes (while degraded)."""
        self._listener = listener
        self._changed()

    def _changed(self) -> None:
        state = (self.degraded, self.oldest_read)
        if self._listener is not None and self.degraded and state != self._shown:
            self._shown = state
            self._listener(self)


_run: ContextVar[DeskRun | None] = ContextVar("hotline_desk_run", default=None)


@contextmanager
def desk_run() -> Iterator[DeskRun]:
    """Within this block (one app run) reads that fail for want of the database are answered
    from the last good store, and recorded on the yielded DeskRun."""
    run = DeskRun()
    token = _run.set(run)
    try:
        yield run
    finally:
        _run.reset(token)


def current_run() -> DeskRun | None:
    return _run.get()


@contextmanager
def no_recall() -> Iterator[None]:
    """Reads within this block fail rather than being answered from the last good store: a value
    about to be cached (a cached read calling another) or a screen that handles failures itself."""
    token = _run.set(None)
    try:
        yield
    finally:
        _run.reset(token)


@lru_cache(maxsize=512)
def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(fn)


def question(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Hashable:
    """fn and its arguments except `now`: the same question asked a minute later."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    try:
        bound = _signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        items = tuple((k, v) for k, v in bound.arguments.items() if k != "now")
    except TypeError:
        items = (args, tuple(sorted(kwargs.items())))
    try:
        hash(items)
    except TypeError:
        items = repr(items)
    return name, items


def remember(fn: Callable[..., Any], args: tuple, kwargs: dict, value: Any, read_at: datetime) -> None:
    logs.outage.recovered()
    last_good.put(question(fn, args, kwargs), value, read_at)


def shown(read_at: datetime) -> None:
    """A figure read at `read_at` is on the page of this run."""
    run = _run.get()
    if run is not None:
        run.read_times.append(read_at)
        run._changed()


def recall(fn: Callable[..., Any], args: tuple, kwargs: dict, error: BaseException) -> Any:
    """The last good answer to fn(*args, **kwargs) after it failed with `error` (one of
    UNAVAILABLE), if this is a desk run and one is kept; otherwise `error` is raised again.
    A statement timeout is not an outage and is raised as such."""
    logs.outage.failed(error, timeout=is_timeout(error))
    run = _run.get()
    kept = None if run is None or is_timeout(error) else last_good.get(question(fn, args, kwargs))
    if kept is None:
        raise error
    run.served += 1
    shown(kept[1])
    return kept[0]


def continue_unverified() -> bool:
    """The database cannot confirm the signed-in user: may this run go on with the identity the
    session last confirmed? Only in a desk run, which then refuses writes (guard_write)."""
    run = _run.get()
    if run is None:
        return False
    run.unverified = True
    run._changed()
    return True


def guard_write() -> None:
    """Refuse a write in a run whose user could not be confirmed by the database."""
    run = _run.get()
    if run is not None and run.unverified:
        raise sa_exc.OperationalError(
            "write refused", None,
            ConnectionError("the database could not confirm the signed-in user in this run; nothing written"))
