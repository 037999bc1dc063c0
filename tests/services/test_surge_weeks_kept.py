"""The 突增's weekly topic counts: the finished weeks counted once an hour and kept for every page
(dashboard.services.hotspots.surges.weekly_counts), the running week live; on both engines the
pieces add up to the one statement's counts, and the 突增 judged from them is the same."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from dashboard.services.hotspots import surges
from queries import hotspots as q
from queries.schema import kept_figures as kept_table
from tests.support.live_fixture import load, ticket

NOW = datetime(2026, 1, 15, 10, 30)          # a Thursday
THIS_MONDAY = datetime(2026, 1, 12)
START = THIS_MONDAY - timedelta(weeks=7)
END = THIS_MONDAY + timedelta(weeks=1)


def _weeks(engine) -> None:
    """Seven finished weeks of 5 供暖 and 3 燃气 tickets, and a running week with 20 供暖 by now."""
    rows = []
    for w in range(7):
        monday = START + timedelta(weeks=w)
        rows += [ticket(f"W{w}H{k}", f"{monday + timedelta(days=k, hours=9):%Y-%m-%d %H:%M:%S}", category_l2="供暖")
                 for k in range(5)]
        rows += [ticket(f"W{w}G{k}", f"{monday + timedelta(days=k, hours=11):%Y-%m-%d %H:%M:%S}", category_l2="燃气")
                 for k in range(3)]
    rows += [ticket(f"NOWH{k}", f"{THIS_MONDAY + timedelta(hours=8 + k):%Y-%m-%d %H:%M:%S}", category_l2="供暖")
             for k in range(20)]
    load(engine, rows)


def _kept(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(kept_table.c.name, kept_table.c.as_of))]


def test_finished_weeks_kept_and_the_running_week_live_add_up_to_one_count(engine):
    _weeks(engine)
    with engine.connect() as conn:
        whole = q.weekly_topic_counts(conn, start=START, end=END, now=NOW)
        first = surges.weekly_counts(conn, start=START, end=END, now=NOW, keep=lambda: engine)
    pd.testing.assert_frame_equal(first, whole)
    assert _kept(engine) == [("topic weeks 2025-11-10/2026-01-12", datetime(2026, 1, 15, 10, 0))]
    assert whole["tickets"].sum() == 7 * 8 + 20

    # a ticket of a finished week arrives within the hour through the feed: the hour keeps its count
    load(engine, [ticket("LATE", "2026-01-06 09:00:00", category_l2="燃气")])
    with engine.connect() as conn:
        again = surges.weekly_counts(conn, start=START, end=END, now=NOW + timedelta(minutes=20), keep=lambda: engine)
        pd.testing.assert_frame_equal(again, whole)
        # the next hour counts the finished weeks again, with it
        later = surges.weekly_counts(conn, start=START, end=END, now=NOW + timedelta(hours=1), keep=lambda: engine)
    assert later["tickets"].sum() == whole["tickets"].sum() + 1


def test_the_surge_of_the_running_week_is_the_same_kept_or_counted(engine):
    _weeks(engine)
    with engine.connect() as conn:
        counted = surges.latest_surges(conn, now=NOW)
        kept = surges.latest_surges(conn, now=NOW, keep=lambda: engine)
        read_back = surges.latest_surges(conn, now=NOW, keep=lambda: engine)
    assert counted == kept == read_back
    assert [t.topic for t in counted.surges] == ["供暖"]
    assert counted.tickets == 20 and counted.in_progress
    # 热点诉求's current week reads fewer weeks before it: a slice of the same kept figure
    with engine.connect() as conn:
        assert surges.week_surges(conn, monday=THIS_MONDAY.date(), now=NOW, keep=lambda: engine) == \
            surges.week_surges(conn, monday=THIS_MONDAY.date(), now=NOW)
    assert [name for name, _ in _kept(engine)] == ["topic weeks 2025-11-10/2026-01-12"]
