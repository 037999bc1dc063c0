"""A feed is late when it has not succeeded within FEED_LATE_FACTOR × its interval, counted from its
last success or, never successful, from its start: the freshness badge warns then (docs/feed.md)."""
from __future__ import annotations

from datetime import datetime, timedelta

from domain.rules import FEED_LATE_FACTOR
from queries import feeds
from queries.schema import feeds as feeds_table

NOW = datetime(2026, 1, 15, 10, 30)
EVERY = 60
WINDOW = timedelta(seconds=FEED_LATE_FACTOR * EVERY)


def add(engine, name: str, *, started: datetime, last: datetime | None, every: int = EVERY) -> None:
    with engine.begin() as conn:
        conn.execute(feeds_table.insert().values(name=name, source="sqlite:///ops.db", every_seconds=every,
                                                 created_at=started, last_success_at=last))


def late(engine, now: datetime = NOW) -> bool:
    with engine.connect() as conn:
        return feeds.any_late(conn, now=now)


def test_no_feed_is_never_late(engine):
    assert late(engine) is False


def test_late_once_the_window_after_the_last_success_has_passed(engine):
    add(engine, "ops", started=NOW - timedelta(days=1), last=NOW - WINDOW)
    assert late(engine) is False                                   # exactly the window: not yet
    assert late(engine, NOW + timedelta(seconds=1)) is True
    assert late(engine, NOW + timedelta(minutes=7)) is True        # a source down for ten minutes


def test_a_feed_that_never_succeeded_is_late_from_its_start(engine):
    add(engine, "ops", started=NOW - timedelta(minutes=2), last=None)
    assert late(engine) is False
    assert late(engine, NOW + timedelta(minutes=2)) is True


def test_one_late_feed_of_two_is_enough(engine):
    add(engine, "ops", started=NOW - timedelta(days=1), last=NOW - timedelta(seconds=30))
    add(engine, "inbox-like", started=NOW - timedelta(days=1), last=NOW - timedelta(hours=2), every=3600)
    assert late(engine) is False                                   # two hours within 3 × an hour
    add(engine, "slow", started=NOW - timedelta(days=1), last=NOW - timedelta(minutes=10))
    assert late(engine) is True


def test_a_feed_started_after_now_is_not_counted(engine):
    add(engine, "ops", started=NOW + timedelta(hours=1), last=None)
    assert late(engine) is False
