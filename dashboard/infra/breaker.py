"""A circuit breaker for opening database connections, shared by every session of a process.

While the database is down every widget of every session would otherwise try to connect and wait
for the connect timeout. After `threshold` consecutive connection failures within `window` seconds
the breaker opens: further attempts fail at once, without touching the network, for `cooldown`
seconds. Then one trial connection is let through (half-open); its success closes the breaker, its
failure opens it for another cool-down. While the trial is in flight the other attempts still fail
fast. A success at any time clears the count.

Only opening a connection is guarded (dashboard.infra.db wires it into the engine's connect step), so a
query that fails on an open connection is not counted; pooled connections are checked with
pool_pre_ping, whose reconnect goes through here too.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from dashboard.infra import logs

THRESHOLD = 3      # consecutive failures …
WINDOW_S = 30.0    # … within this many seconds open the breaker
COOLDOWN_S = 10.0  # fail fast this long, then allow one trial connection

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class BreakerOpen(Exception):
    """Raised instead of connecting while the breaker is open (callers wrap it as a DBAPI error)."""


class Breaker:
    def __init__(self, threshold: int = THRESHOLD, window: float = WINDOW_S, cooldown: float = COOLDOWN_S,
                 clock: Callable[[], float] = time.monotonic, on_change: Callable[[str, str], None] | None = None):
        if threshold < 1 or window <= 0 or cooldown <= 0:
            raise ValueError("threshold ≥ 1, window > 0 and cooldown > 0")
        self.threshold, self.window, self.cooldown, self.clock = threshold, window, cooldown, clock
        self.on_change = on_change            # (old state, new state), e.g. to log it
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures: list[float] = []      # times of the current run of consecutive failures
        self._opened_at = 0.0
        self._trial_started: float | None = None

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    def allow(self) -> bool:
        """May a connection be attempted now? In the half-open state only one caller gets True."""
        with self._lock:
            now = self.clock()
            if self._state == CLOSED:
                return True
            if self._state == OPEN:
                if now - self._opened_at < self.cooldown:
                    return False
                self._move(HALF_OPEN)
                self._trial_started = now
                return True
            # HALF_OPEN: a trial is in flight. Should its outcome never be reported (a thread that
            # died), let another trial through after one more cool-down rather than stay stuck.
            if self._trial_started is not None and now - self._trial_started >= self.cooldown:
                self._trial_started = now
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._move(CLOSED)
            self._failures.clear()
            self._trial_started = None

    def failure(self) -> None:
        with self._lock:
            now = self.clock()
            if self._state == HALF_OPEN:
                self._open(now)
                return
            self._failures = [t for t in self._failures if now - t < self.window] + [now]
            if len(self._failures) >= self.threshold:
                self._open(now)

    def _move(self, state: str) -> None:
        if state != self._state and self.on_change is not None:
            self.on_change(self._state, state)
        self._state = state

    def _open(self, now: float) -> None:
        self._move(OPEN)
        self._opened_at = now
        self._trial_started = None
        self._failures.clear()

    def call(self, connect: Callable[[], object]) -> object:
        """connect() under the breaker: BreakerOpen while open, outcomes recorded."""
        if not self.allow():
            raise BreakerOpen("database connection attempts paused after repeated failures (circuit breaker open)")
        try:
            conn = connect()
        except BaseException:
            self.failure()
            raise
        self.success()
        return conn


_breakers: dict[str, Breaker] = {}
_registry_lock = threading.Lock()


def for_url(url: str) -> Breaker:
    """The process-wide breaker of one database URL (sessions and engines of that URL share it)."""
    with _registry_lock:
        b = _breakers.get(url)
        if b is None:
            b = _breakers[url] = Breaker(on_change=lambda old, new: logs.breaker_changed(url, old, new))
        return b


def reset_all() -> None:
    """Forget every breaker (tests)."""
    with _registry_lock:
        _breakers.clear()
