"""The breach forecast's history counted once an hour and kept in the database
(dashboard.services.breach_history), on both engines, on the hand-built history of
tests/queries/test_breach.py."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

from dashboard.services import breach_history as kept
from dashboard.services import kept_figures
from queries import breach
from queries.schema import breach_history_snapshots
from tests.queries.test_breach import db  # noqa: F401 - the hand-built history as a fixture
from tests.support.live_fixture import NOW, event, load, ticket

HOUR = NOW.replace(minute=0, second=0, microsecond=0)


def _counted(engine, hour=HOUR) -> pd.DataFrame:
    with engine.connect() as conn:
        return breach.breach_history(conn, now=hour)


def _kept_hours(engine) -> list:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(breach_history_snapshots.c.as_of)).scalars())


def test_the_first_page_of_the_hour_counts_and_keeps_it_for_the_others(db):  # noqa: F811
    counted = _counted(db)
    before = int(counted["tickets"].sum())
    assert before > 0
    first = kept.history(db, HOUR, keep=lambda: db)
    pd.testing.assert_frame_equal(first, counted)
    assert _kept_hours(db) == [HOUR]
    # a ticket closed on time arrives within the hour: the hour's history stays as it was counted
    load(db, [ticket("H11", "2026-01-11 00:00:00", sla_class="及时")],
         [event("H11", "2026-01-11 00:01:00", "SIGN"), event("H11", "2026-01-11 00:02:00", "DISPATCH", "区水务局"),
          event("H11", "2026-01-11 03:00:00", "CLOSE")])
    assert int(_counted(db)["tickets"].sum()) == before + 1
    again = kept.history(db, HOUR, keep=lambda: db)
    pd.testing.assert_frame_equal(again, counted)
    # the next hour is counted afresh, with it
    later = HOUR + timedelta(hours=1)
    pd.testing.assert_frame_equal(kept.history(db, later, keep=lambda: db), _counted(db, later))
    assert _kept_hours(db) == [HOUR, later]


def test_a_page_that_may_not_write_still_gets_the_history(db):  # noqa: F811
    def refused():
        raise sa.exc.ProgrammingError("INSERT", {}, Exception("permission denied for table breach_history_snapshots"))
    pd.testing.assert_frame_equal(kept.history(db, HOUR, keep=refused), _counted(db))
    assert _kept_hours(db) == []


def test_the_service_counts_once_an_hour_and_drops_old_hours(db):  # noqa: F811
    with db.begin() as conn:
        kept.store(conn, HOUR - kept.KEEP - timedelta(hours=1), _counted(db), now=NOW)
        kept.store(conn, HOUR - timedelta(hours=1), _counted(db), now=NOW)
    assert kept.warm(db, NOW) is True
    assert kept.warm(db, NOW + timedelta(minutes=20)) is False      # the same hour: kept already
    assert _kept_hours(db) == [HOUR - timedelta(hours=1), HOUR]
    with db.connect() as conn:
        pd.testing.assert_frame_equal(kept.stored(conn, HOUR), _counted(db))


def test_an_empty_history_is_kept_as_empty(engine):
    assert kept.warm(engine, NOW) is True
    with engine.connect() as conn:
        got = kept.stored(conn, HOUR)
    assert got is not None and got.empty
    pd.testing.assert_frame_equal(got, _counted(engine))


def test_rebuilding_the_facts_or_the_demo_forgets_the_kept_hours(db):  # noqa: F811
    from dashboard.services import facts
    from dashboard.services.demo.generator import clear_operational

    assert kept.warm(db, NOW) is True
    with db.begin() as conn:
        facts.rebuild_all(conn)
    assert _kept_hours(db) == []
    assert kept.warm(db, NOW) is True
    with db.begin() as conn:
        clear_operational(conn)
    assert _kept_hours(db) == []


def test_a_kept_history_that_cannot_be_read_is_counted(db, monkeypatch):  # noqa: F811
    def refused(conn, hour):
        raise sa.exc.OperationalError("SELECT", {}, Exception("permission denied for table breach_history_snapshots"))
    monkeypatch.setattr(kept, "stored", refused)
    pd.testing.assert_frame_equal(kept.history(db, HOUR), _counted(db))


def test_keeping_gives_up_at_once_while_another_writer_holds_sqlite(sqlite_engine):
    import threading

    engine = sqlite_engine
    holder = engine.raw_connection()
    holder.execute("BEGIN IMMEDIATE")           # an import in progress: the write lock is taken
    result: dict = {}

    def page():
        result["history"] = kept.history(engine, HOUR, keep=lambda: engine)
    try:
        reader = threading.Thread(target=page)
        reader.start()
        reader.join(timeout=10)                 # the connection's own busy timeout is 30 s
        assert not reader.is_alive()
    finally:
        holder.rollback()
        holder.close()
    pd.testing.assert_frame_equal(result["history"], _counted(engine))
    assert _kept_hours(engine) == []           # not kept this time: the next page tries again
    with engine.connect() as conn:              # the pooled connection has its usual timeout back
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > kept_figures.KEEP_WAIT_MS


def test_a_page_that_lost_the_race_shows_the_history_kept_first(db, monkeypatch):  # noqa: F811
    # another instance kept its count of the hour while this page was counting: the page shows that one
    earlier = _counted(db).assign(tickets=lambda df: df["tickets"] + 100)
    real_count = kept.breach_history

    def counting_while_another_keeps(conn, now):
        with db.begin() as other:
            kept.store(other, HOUR, earlier, now=NOW)
        return real_count(conn, now=now)
    monkeypatch.setattr(kept, "breach_history", counting_while_another_keeps)
    pd.testing.assert_frame_equal(kept.history(db, HOUR, keep=lambda: db), earlier)
