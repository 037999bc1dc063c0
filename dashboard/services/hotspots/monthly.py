"""每月一题 candidates of a month: lists of problems worth a month's focused treatment, each built
by one function registered in CANDIDATE_LISTS, and the workbook of them (one sheet a list).

Another list (the most repeated problems, say) joins by one call: `register(builder)` with a
builder `(conn, *, month, now) -> CandidateList`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services.exports.safe import to_xlsx_bytes
from domain.formatting import pct
from domain.hotspots import SURGE_MIN_COUNT, growth
from domain.vocabulary import IN_PROGRESS
from queries import hotspots as q
from queries import repeats as repeats_q

MAX_CANDIDATES = 10

FASTEST_GROWING_COLUMNS = ["排名", "问题类别", "本月工单", "上月工单", "增长", "最多的街乡镇"]


@dataclass(frozen=True)
class CandidateList:
    key: str
    title: str              # the sheet's and the section's name
    note: str               # how the list is made, for the page and the sheet
    frame: pd.DataFrame     # what the page shows and the sheet holds


Builder = Callable[..., CandidateList]
# the lists of every month, in this order; the most repeated problems join with register(builder)
CANDIDATE_LISTS: list[Builder] = []


def register(builder: Builder) -> Builder:
    """Add a list to every month's candidates (also usable as a decorator)."""
    if builder not in CANDIDATE_LISTS:
        CANDIDATE_LISTS.append(builder)
    return builder


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of 'YYYY-MM'."""
    start = datetime.strptime(month + "-01", "%Y-%m-%d")
    end = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start, end


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    prev = start.replace(day=1) - pd.Timedelta(days=1)
    return f"{prev:%Y-%m}"


def month_label(month: str, now: datetime) -> str:
    start, end = month_bounds(month)
    return f"{start:%Y年%m月}" + (f"（{IN_PROGRESS}）" if start <= now < end else "")


def _growth_text(current: int, previous: int) -> str:
    g = growth(current, previous)
    if g is None:
        return "上月无"
    return ("+" if g > 0 else "") + pct(g, 0)


@register
def fastest_growing(conn: Connection, *, month: str, now: datetime, top: int = MAX_CANDIDATES) -> CandidateList:
    """Problem categories (二级分类, else 一级分类) with at least SURGE_MIN_COUNT tickets in the
    month, ranked by their growth on the month before (new ones, without tickets the month before,
    first by count), at most `top`. A month in progress is compared with the same span of the
    month before (its first days up to the same elapsed time)."""
    start, end = month_bounds(month)
    prev_start, prev_end = month_bounds(previous_month(month))
    running = start <= now < end
    if running:   # a month in progress against the same span of the month before
        prev_end = min(prev_end, prev_start + (now - start))
    this = q.topic_counts(conn, start=start, end=end, now=now)
    before = dict(q.topic_counts(conn, start=prev_start, end=prev_end, now=now).itertuples(index=False))
    rows = []
    for topic, n in this.itertuples(index=False):
        if n < SURGE_MIN_COUNT:
            continue
        p = int(before.get(topic, 0))
        g = growth(int(n), p)
        rows.append((g is None, g if g is not None else 0, int(n), topic, p))
    rows.sort(key=lambda r: (not r[0], -r[1], -r[2], r[3]))
    rows = [r for r in rows if r[0] or r[1] > 0][:top]
    streets = {topic: f"{street}（{int(n):,}）" for topic, street, n in
               q.top_streets(conn, topics=[r[3] for r in rows], start=start, end=end, now=now).itertuples(index=False)}
    out = [(rank, topic, n, p, _growth_text(n, p), streets.get(topic, ""))
           for rank, (_new, _g, n, topic, p) in enumerate(rows, start=1)]
    note = (f"{month_label(month, now)}工单不少于 {SURGE_MIN_COUNT} 件、较上月{'同期' if running else ''}增长的问题类别，"
            f"按增幅排列（上月{'同期' if running else ''}没有的排在最前）。")
    return CandidateList("fastest_growing", "增长最快", note, pd.DataFrame(out, columns=FASTEST_GROWING_COLUMNS))


def monthly_candidates(conn: Connection, *, month: str, now: datetime) -> list[CandidateList]:
    """Every registered list of the month, in the order registered."""
    return [builder(conn, month=month, now=now) for builder in CANDIDATE_LISTS]


def candidates_workbook(lists: list[CandidateList]) -> bytes:
    """One sheet per list (formula-safe, dashboard/services/exports/safe.py)."""
    return to_xlsx_bytes({c.title: c.frame for c in lists})


MOST_REPEATED_COLUMNS = ["排名", "诉求地址", "问题类别", "街乡镇", "本月工单", "其中重复", "最近工单"]


@register
def most_repeated(conn: Connection, *, month: str, now: datetime, top: int = MAX_CANDIDATES) -> CandidateList:
    """The places whose problem of one category came back most often in the month: tickets of one
    normalised address and one category with at least one repeat among them (queries.repeats)."""
    frame = repeats_q.top_repeated(conn, month=month, now=now, limit=top)
    out = [(rank, r.address, r.category, r.street or "", int(r.tickets), int(r.repeats), r.latest_ticket_no or "")
           for rank, r in enumerate(frame.itertuples(index=False), start=1)]
    note = (f"{month_label(month, now)}同一地址、同一问题类别的工单中重复诉求最多的地点"
            "（重复诉求的认定见工单查询的重复诉求说明）；按其中重复工单数排列。")
    return CandidateList("most_repeated", "重复最多", note, pd.DataFrame(out, columns=MOST_REPEATED_COLUMNS))
