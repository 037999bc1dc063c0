"""The 突增 topics of a week, with their trends, and a topic's keywords (docs/hotspots.md).

Counts come from queries.hotspots (SQL, one statement for the judged week and the weeks before);
the verdict is domain.hotspots.surge_verdict; keywords read bounded samples of the topic's texts.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from dashboard.services.hotspots import keywords as kw
from dashboard.services.kept_figures import figure
from domain.hotspots import (
    BASELINE_WEEKS,
    TREND_WEEKS,
    WEEK,
    SurgeVerdict,
    baseline_weeks,
    surge_verdict,
    week_bounds,
    week_start,
)
from domain.vocabulary import IN_PROGRESS
from queries import hotspots as q

Keep = Callable[[], Engine] | None


@dataclass(frozen=True)
class Topic:
    topic: str
    verdict: SurgeVerdict
    trend: tuple[tuple[date, int], ...]   # (Monday, tickets) of the covered weeks up to the judged one


@dataclass(frozen=True)
class WeekSurges:
    monday: date
    in_progress: bool            # the judged week contains `now`: its count runs up to now
    baseline_weeks: int          # covered weeks before it (0: no verdict possible)
    tickets: int                 # all tickets of the judged week (to now)
    surges: tuple[Topic, ...] = field(default=())   # the 突增 topics, highest score first

    @property
    def end(self) -> datetime:
        return week_bounds(self.monday)[1]


def _by_topic(counts) -> dict[str, dict[date, int]]:
    by_topic: dict[str, dict[date, int]] = {}
    for week, topic, n in counts.itertuples(index=False):
        by_topic.setdefault(topic, {})[week] = int(n)
    return by_topic


def _judge(by_topic: dict[str, dict[date, int]], monday: date, first_week: date | None, now: datetime) -> WeekSurges:
    """The week's verdicts from the weekly counts of it and the weeks before."""
    prior = baseline_weeks(monday, first_week)
    surges = []
    for topic, weeks in by_topic.items():
        c = weeks.get(monday, 0)
        if not c:
            continue
        verdict = surge_verdict(c, [weeks.get(w, 0) for w in prior])
        if verdict.surge:
            surges.append(Topic(topic, verdict, tuple((w, weeks.get(w, 0)) for w in [*prior, monday])))
    surges.sort(key=lambda t: (-(t.verdict.score or 0.0), -t.verdict.count, t.topic))
    total = sum(weeks.get(monday, 0) for weeks in by_topic.values())
    start, end = week_bounds(monday)
    return WeekSurges(monday, start <= now < end, len(prior), total, tuple(surges))


def weekly_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime, keep: Keep = None) -> pd.DataFrame:
    """queries.hotspots.weekly_topic_counts of [start, end) by `now`: the weeks before the week of
    `now` (finished, whatever `now`) counted once an hour and kept through `keep` (every page of
    the hour shows the same 突增, dashboard.services.kept_figures), the week of `now` counted live."""
    this = datetime.combine(week_start(now), time())
    closed_end = max(start, min(end, this))
    parts = []
    if closed_end > start:
        # the finished weeks the latest 突增 reads (the wall, the stand-up, 热点诉求's current
        # week): one kept figure that each of them slices, so all show the same counts
        widest = this - WEEK * (BASELINE_WEEKS + 1)
        lo = widest if closed_end == this and start >= widest else start

        def count(c: Connection) -> pd.DataFrame:
            return q.weekly_topic_counts(c, start=lo, end=closed_end, now=now)
        if keep is None:
            finished = count(conn)
        else:
            finished = figure(conn, f"topic weeks {lo:%Y-%m-%d}/{closed_end:%Y-%m-%d}",
                              now.replace(minute=0, second=0, microsecond=0), count,
                              encode=_counts_body, decode=_counts_of, keep=keep)
        parts.append(finished[finished["week"] >= start.date()].reset_index(drop=True) if lo < start else finished)
    if end > closed_end or not parts:
        parts.append(q.weekly_topic_counts(conn, start=closed_end, end=end, now=now))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _counts_body(df: pd.DataFrame) -> list:
    return [[w.isoformat(), str(t), int(n)] for w, t, n in df[q.WEEKLY_COLUMNS].itertuples(index=False)]


def _counts_of(body: list) -> pd.DataFrame:
    df = pd.DataFrame([(date.fromisoformat(w), t, n) for w, t, n in body], columns=q.WEEKLY_COLUMNS)
    return df.astype({"tickets": "int64"})


def week_surges(conn: Connection, *, monday: date, now: datetime, first_week: date | None = None,
                keep: Keep = None) -> WeekSurges:
    """The 突增 topics of the week starting `monday`, counted up to `now` (`keep`: weekly_counts)."""
    if first_week is None:
        first_week = q.first_week(conn)
    start, end = week_bounds(monday - WEEK * BASELINE_WEEKS)[0], week_bounds(monday)[1]
    return _judge(_by_topic(weekly_counts(conn, start=start, end=end, now=now, keep=keep)), monday, first_week, now)


def recent_weeks(now: datetime, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the current week and the weeks before it, newest first."""
    this = week_start(now)
    return [this - WEEK * k for k in range(weeks)]


def latest_surges(conn: Connection, *, now: datetime, keep: Keep = None) -> WeekSurges:
    """This week's 突增 when it has any, else last week's (early in a week the counts so far are
    too few to stand out, and last week's surge is still the news). One count for both weeks
    (`keep`: weekly_counts)."""
    first_week = q.first_week(conn)
    this = week_start(now)
    start, end = week_bounds(this - WEEK * (BASELINE_WEEKS + 1))[0], week_bounds(this)[1]
    by_topic = _by_topic(weekly_counts(conn, start=start, end=end, now=now, keep=keep))
    current = _judge(by_topic, this, first_week, now)
    if current.surges:
        return current
    last = _judge(by_topic, this - WEEK, first_week, now)
    return last if last.surges else current


def week_terms(conn: Connection, *, topic: str, monday: date, now: datetime, limit: int) -> Counter[str]:
    """Term counts of a bounded sample (the newest `limit`) of a topic's texts of one week."""
    start, end = week_bounds(monday)
    return kw.term_counts(q.topic_texts(conn, topic=topic, start=start, end=end, now=now, limit=limit,
                                        chars=kw.TEXT_CHARS))


def topic_keywords(conn: Connection, *, topic: str, monday: date, now: datetime,
                   first_week: date | None = None, top: int = kw.TOP_KEYWORDS) -> list[kw.Keyword]:
    """The topic's keywords in the week starting `monday` against the covered weeks before it."""
    if first_week is None:
        first_week = q.first_week(conn)
    this = week_terms(conn, topic=topic, monday=monday, now=now, limit=kw.TEXTS_THIS_WEEK)
    prior = [week_terms(conn, topic=topic, monday=w, now=now, limit=kw.TEXTS_PER_PRIOR_WEEK)
             for w in baseline_weeks(monday, first_week, BASELINE_WEEKS)]
    return kw.rank_terms(this, prior, top)


def week_label(monday: date, now: datetime) -> str:
    """'2026-W02（01-05 至 01-11）', with the running week marked."""
    iso = monday.isocalendar()
    sunday = monday + timedelta(days=6)
    running = week_bounds(monday)[0] <= now < week_bounds(monday)[1]
    return f"{iso[0]}年第{iso[1]}周（{monday:%m-%d} 至 {sunday:%m-%d}{'，' + IN_PROGRESS if running else ''}）"
