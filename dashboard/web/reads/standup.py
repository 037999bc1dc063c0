"""Cached stand-up pack and workbook; the action list is read fresh and written through
dashboard.services.standup_actions (which re-checks the role)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from dashboard.infra.concurrent_reads import concurrently
from dashboard.services import staffing_plan, standup_actions
from dashboard.services.hotspots import surges
from dashboard.services.ledgers import measures
from dashboard.services.reports import standup as standup_report
from dashboard.web.reads import cached, cached_query, engine, write_engine, writing
from dashboard.web.reads import hotspots as hotspot_reads
from dashboard.web.reads import repeats as repeat_reads
from domain.formatting import pct
from queries import standup as standup_queries

actions = cached_query(standup_queries.actions_for, fresh=True)

# the most rows a tile's list shows on the page (the backlog lists them all)
TILE_LIST_ROWS = 500


@cached(ttl="120s", max_entries=32, show_spinner=False)
def reason_list(reason: str, now: datetime) -> pd.DataFrame:
    """The open tickets a stand-up tile counts at `now` (queries.standup.reason_list), Chinese
    columns as the 今日待办工单 table, at most TILE_LIST_ROWS."""
    with engine().connect() as conn:
        df = standup_queries.reason_list(conn, now=now, reason=reason, limit=TILE_LIST_ROWS)
    return df.rename(columns=standup_report.ACT_COLUMNS)


@dataclass(frozen=True)
class Agenda:
    """What the stand-up page reads: its pack, the improvement measures, the latest 突增 with the
    街乡镇 most of each topic came from, the day's staffing plan (dashboard.services.staffing_plan.plan)
    and the last week's repeats."""
    pack: standup_report.StandupPack
    measures: pd.DataFrame
    surges: surges.WeekSurges
    surge_streets: dict[str, tuple[str, int]]
    plan: dict
    repeats: repeat_reads.RecentRepeats


# the agenda's reads in one pool: the pack's parts and the page's other reads take turns on the
# database, and the pack's Python runs while the others' statements wait on it
AGENDA_WORKERS = 4


@cached(ttl="120s", max_entries=16, show_spinner=False)
def agenda(day: date, now: datetime) -> Agenda:
    """Everything the page shows but the action list and the breach forecast, read at the same time."""
    eng = engine()
    # the writers' engine resolved here, not by the pool's threads (one engine, this run's guard);
    # a run whose user the database could not confirm keeps nothing and counts every figure
    try:
        writer = write_engine()
    except sa.exc.OperationalError:
        writer = None
    keep = None if writer is None else (lambda: writer)
    with eng.connect() as conn:
        reads = standup_report.pack_reads(conn, day=day, now=now, keep=keep)
    others = [
        lambda conn: measures.measures_frame(conn, now=now),
        lambda conn: hotspot_reads.surges_with_streets(conn, now, keep=keep),
        lambda conn: staffing_plan.plan(conn, day=day, now=now, keep=keep),
        *repeat_reads.recent_parts(day, now, keep=keep),
    ]
    # the pack's two heaviest parts first, then the others' longest, then the rest
    names = list(reads.parts)
    first, rest = names[:2], names[2:]
    order = [reads.parts[n] for n in first] + others[:3] + [reads.parts[n] for n in rest] + others[3:]
    got = concurrently(eng, order, workers=AGENDA_WORKERS)
    pack_got = dict(zip(first, got[:2])) | dict(zip(rest, got[5:5 + len(rest)]))
    measures_frame, (week, streets), plan = got[2:5]
    recent = got[5 + len(rest):]
    return Agenda(reads.assemble(pack_got), measures_frame, week, streets, plan,
                  repeat_reads.recent_from(day, now, recent))


@cached(keep_last=False, ttl="120s", max_entries=8, show_spinner=False)
def workbook(day: date, now: datetime) -> bytes:
    """The workbook of the pack the page shows (built on request: the download button's callable)."""
    return standup_report.render_standup_workbook(agenda(day, now).pack)


def for_display(df: pd.DataFrame):
    """Shares as half-up percentages with 2 decimals ('—' when nothing to judge), blanks as '—',
    and the verdict coloured; the workbook keeps the numbers."""
    out = df.copy()
    for col in ("实际", "目标", "及时率"):
        if col in out:
            out[col] = [pct(v) if v is not None and not pd.isna(v) else "—" for v in out[col]]
    if "分母" in out:
        out["分母"] = ["—" if v is None or pd.isna(v) else f"{int(v):,}" for v in out["分母"]]
    if "结果" not in out:
        return out
    colours = {"达标": "color: #1a7f37; font-weight: 600", "未达标": "color: #cf222e; font-weight: 600"}
    return out.style.map(lambda v: colours.get(v, "color: #8c959f"), subset=["结果"])


def add_action(*, role: str, username: str, owner: str, text: str, due: date | None, created_on: date) -> int:
    with writing() as conn:
        new_id = standup_actions.add(conn, role=role, username=username, owner=owner, text=text, due=due,
                                     created_on=created_on)
    agenda.clear()
    workbook.clear()
    return new_id


def update_action(*, role: str, username: str, action_id: int, status: str | None = None,
                  owner: str | None = None, due: date | None = None) -> bool:
    with writing() as conn:
        changed = standup_actions.update(conn, role=role, username=username, action_id=action_id,
                                         status=status, owner=owner, due=due)
    agenda.clear()
    workbook.clear()
    return changed
