"""Connection attempts are limited per process: after repeated failures they fail fast for a
cool-down, then one trial connection decides (dashboard.infra.breaker, wired in dashboard.infra.db)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from dashboard.infra import breaker
from dashboard.infra.breaker import CLOSED, HALF_OPEN, OPEN, Breaker, BreakerOpen
from dashboard.infra.db import make_engine

DOWN = "postgresql+psycopg://127.0.0.1:1/hotline_down"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def make(threshold=3, window=30.0, cooldown=10.0):
    clock = Clock()
    return Breaker(threshold, window, cooldown, clock=clock), clock


def test_opens_after_threshold_consecutive_failures():
    b, _ = make()
    for _ in range(2):
        assert b.allow()
        b.failure()
    assert b.state == CLOSED and b.allow()
    b.failure()
    assert b.state == OPEN
    assert not b.allow() and not b.allow()


def test_a_success_resets_the_count():
    b, _ = make()
    b.failure()
    b.failure()
    b.success()
    b.failure()
    b.failure()
    assert b.state == CLOSED and b.allow()


def test_failures_spread_beyond_the_window_do_not_open():
    b, clock = make(window=30.0)
    b.failure()
    clock.advance(20)
    b.failure()
    clock.advance(15)              # the first failure is now 35 s old
    b.failure()
    assert b.state == CLOSED
    clock.advance(5)
    b.failure()                    # three within 30 s: 20 s, 5 s and now
    assert b.state == OPEN


def test_one_trial_after_the_cooldown_and_success_closes():
    b, clock = make(cooldown=10.0)
    for _ in range(3):
        b.failure()
    clock.advance(9.9)
    assert not b.allow()
    clock.advance(0.1)
    assert b.allow()               # the trial
    assert b.state == HALF_OPEN
    assert not b.allow() and not b.allow()   # everyone else still fails fast meanwhile
    b.success()
    assert b.state == CLOSED and b.allow() and b.allow()


def test_a_failed_trial_opens_for_another_cooldown():
    b, clock = make(cooldown=10.0)
    for _ in range(3):
        b.failure()
    clock.advance(10)
    assert b.allow()
    b.failure()
    assert b.state == OPEN
    clock.advance(5)
    assert not b.allow()
    clock.advance(5)
    assert b.allow()


def test_a_trial_that_never_reports_does_not_block_forever():
    b, clock = make(cooldown=10.0)
    for _ in range(3):
        b.failure()
    clock.advance(10)
    assert b.allow()               # the trial's thread dies without a word
    clock.advance(9)
    assert not b.allow()
    clock.advance(1)
    assert b.allow()


def test_call_records_outcomes_and_fails_fast_without_connecting():
    b, clock = make()
    attempts = []

    def refused():
        attempts.append(1)
        raise ConnectionRefusedError("refused")

    for _ in range(3):
        with pytest.raises(ConnectionRefusedError):
            b.call(refused)
    with pytest.raises(BreakerOpen):
        b.call(refused)
    assert len(attempts) == 3      # the fourth never tried
    clock.advance(10)
    assert b.call(lambda: "conn") == "conn"
    assert b.state == CLOSED


def test_sessions_share_one_breaker_per_database():
    a = breaker.for_url("postgresql+psycopg://h:5432/x")
    assert breaker.for_url("postgresql+psycopg://h:5432/x") is a
    assert breaker.for_url("postgresql+psycopg://h:5432/y") is not a


def test_only_one_thread_gets_the_trial():
    b, clock = make()
    for _ in range(3):
        b.failure()
    clock.advance(10)
    granted = []
    threads = [threading.Thread(target=lambda: granted.append(b.allow())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 1


def test_engine_fails_fast_once_open(monkeypatch):
    """An unreachable PostgreSQL: three real attempts, then an OperationalError without trying."""
    b, clock = make()
    key = sa.engine.make_url(DOWN).render_as_string(hide_password=True)
    monkeypatch.setitem(breaker._breakers, key, b)
    eng = make_engine(DOWN)
    messages = []
    for _ in range(4):
        with pytest.raises(sa.exc.OperationalError) as caught:
            with eng.connect():
                pass
        messages.append(str(caught.value.orig))
    assert all("circuit breaker" not in m for m in messages[:3])
    assert "circuit breaker open" in messages[3]
    assert b.state == OPEN
    clock.advance(10)              # the trial goes to the network again, and fails
    with pytest.raises(sa.exc.OperationalError) as caught:
        with eng.connect():
            pass
    assert "circuit breaker" not in str(caught.value.orig) and b.state == OPEN
    eng.dispose()


def test_engine_recovers_through_the_trial(pg_url, monkeypatch):
    """The database is back: the first attempt after the cool-down connects and closes the breaker."""
    b, clock = make()
    key = sa.engine.make_url(pg_url).render_as_string(hide_password=True)
    monkeypatch.setitem(breaker._breakers, key, b)
    eng = make_engine(pg_url)
    for _ in range(3):
        b.failure()                # as if the server had been down
    with pytest.raises(sa.exc.OperationalError, match="circuit breaker open"):
        with eng.connect():
            pass
    clock.advance(10)
    with eng.connect() as conn:
        assert conn.execute(sa.text("select 1")).scalar() == 1
    assert b.state == CLOSED
    eng.dispose()
