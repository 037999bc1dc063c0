"""Cached reads of repeat complaints (queries.repeats), and the stand-up's repeat figures as parts
the stand-up reads beside its other figures (reads.standup.agenda)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from dashboard.services import day_figures
from dashboard.web.reads import cached_query
from queries import repeats

totals = cached_query(repeats.repeat_totals, ttl="60s", max_entries=64)
counts = cached_query(repeats.repeat_counts, ttl="60s", max_entries=64)
top_repeated = cached_query(repeats.top_repeated, ttl="60s", max_entries=32)
chain = cached_query(repeats.repeat_chain, ttl="60s", max_entries=64)
open_repeats = cached_query(repeats.open_repeats, ttl="60s", max_entries=32)

# the backlog and the stand-up look back over the last week (a month of tickets read four times
# would cost the pages more than their budgets leave), and list the first few of each grouping
RECENT_DAYS = 7
TOP_ROWS = 5
GROUPINGS = ("street", "unit", "category")


@dataclass(frozen=True)
class RecentRepeats:
    """The stand-up's repeat figures of [start, end): received and repeats, the open repeats now,
    and the first TOP_ROWS of each grouping (queries.repeats.repeat_counts)."""
    start: datetime
    end: datetime
    totals: dict[str, int]
    open_total: int
    counts: dict[str, pd.DataFrame]


def standup_window(day: date, now: datetime) -> tuple[datetime, datetime]:
    """The RECENT_DAYS whole days before the stand-up day (up to `now` while it is earlier)."""
    end = min(datetime.combine(day, datetime.min.time()), now)
    return end - timedelta(days=RECENT_DAYS), end


def recent_parts(day: date, now: datetime, *, keep: day_figures.Keep = None) -> list:
    """The reads of RecentRepeats, each on a connection of its own (recent_from puts them together):
    the open repeats now, and the groupings' counts of the whole days before the stand-up day (kept
    for the day through `keep`, dashboard.services.day_figures). Every 街乡镇 is read (a few dozen
    rows): the period's totals are their sums."""
    start, end = standup_window(day, now)
    limits = {by: None if by == "street" else TOP_ROWS for by in GROUPINGS}
    return [lambda conn: repeats.open_repeats(conn, now=now, limit=1)[1],
            lambda conn: day_figures.repeat_counts(conn, start, end, now=now, groupings=GROUPINGS, limits=limits,
                                                   keep=keep)]


def recent_from(day: date, now: datetime, got: list) -> RecentRepeats:
    start, end = standup_window(day, now)
    open_total, frames = got
    by = dict(zip(GROUPINGS, frames))
    streets = by["street"]
    totals_ = {"tickets": int(streets["tickets"].sum()), "repeats": int(streets["repeats"].sum())}
    by["street"] = streets.head(TOP_ROWS)
    return RecentRepeats(start, end, totals_, int(open_total), by)
