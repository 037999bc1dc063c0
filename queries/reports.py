"""Figures the periodic reports need that no page query gives: closures in a window by key, the
topic (专报) variants filtered by a category l1 or l2, the report log, and the system side of a
ledger reconciliation. Everything else in a report comes from the page queries (overview,
backlog, timeliness, three_rates, staff) so a number is computed in one place.

Windows are [start, end); only what happened at or before `now` exists. A category filter
matches tickets whose category_l1 or category_l2 equals it.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Limits
from queries.backlog import _at_risk, _open, _overdue
from queries.schema import categories, reports
from queries.schema import ticket_facts as tf
from queries.schema import tickets as t
from queries.sql import count_if, day_of, percentile_columns, tuples
from queries.three_rates import DISTRICT_COUNTS_COLUMNS, _counts, population_filter
from queries.timeliness import clock_rows

BREAKDOWN_COLUMNS = ["key", "received", "closed", "closed_late"]
DIMENSIONS = ("category", "category_l2", "street", "unit")


class ReportQueryError(ValueError):
    """Unknown breakdown (message in Chinese)."""


def _category_filter(category: str | None):
    if not category:
        return sa.true()
    return sa.or_(t.c.category_l1 == category, t.c.category_l2 == category)


def _joined():
    return tf.join(t, t.c.ticket_no == tf.c.ticket_no)


def window_breakdown(conn: Connection, *, start: datetime, end: datetime, now: datetime, dimension: str,
                     category: str | None = None) -> pd.DataFrame:
    """Per value of `dimension` (category = l1, category_l2, street, unit): tickets received in
    the window, and tickets closed in it (closed_at in the window, whenever received).

    key (str; '（未分类）'/'（未填）'/'（未派单）' for blanks) · received (int) · closed (int) ·
    closed_late (int: of those closed, closed after their deadline); ordered by received, then
    closed, largest first, then key.
    """
    if dimension not in DIMENSIONS:
        raise ReportQueryError(f"未知的分组方式：{dimension}")
    key = {
        "category": sa.func.coalesce(tf.c.category_l1, "（未分类）"),
        "category_l2": sa.func.coalesce(t.c.category_l2, "（未分类）"),
        "street": sa.func.coalesce(tf.c.street, "（未填）"),
        "unit": sa.func.coalesce(tf.c.unit, "（未派单）"),
    }[dimension]
    received = sa.and_(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)
    closed = sa.and_(tf.c.closed_at >= start, tf.c.closed_at < end, tf.c.closed_at <= now)
    stmt = (
        sa.select(key.label("key"), count_if(received).label("received"), count_if(closed).label("closed"),
                  count_if(sa.and_(closed, tf.c.closed_at > tf.c.deadline_at)).label("closed_late"))
        .select_from(_joined() if category or dimension == "category_l2" else tf)
        .where(sa.or_(received, closed), _category_filter(category))
        .group_by(key)
    )
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=BREAKDOWN_COLUMNS)
    df = df.astype({"key": str, "received": "int64", "closed": "int64", "closed_late": "int64"})
    return df.sort_values(["received", "closed", "key"], ascending=[False, False, True]).reset_index(drop=True)


def window_totals(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                  category: str | None = None) -> dict:
    """received · closed · closed_late (int) of the window, as window_breakdown summed."""
    received = sa.and_(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)
    closed = sa.and_(tf.c.closed_at >= start, tf.c.closed_at < end, tf.c.closed_at <= now)
    row = conn.execute(
        sa.select(count_if(received).label("received"), count_if(closed).label("closed"),
                  count_if(sa.and_(closed, tf.c.closed_at > tf.c.deadline_at)).label("closed_late"))
        .select_from(_joined() if category else tf).where(sa.or_(received, closed), _category_filter(category))
    ).mappings().one()
    return {k: int(row[k] or 0) for k in ("received", "closed", "closed_late")}


DAILY_COLUMNS = ["day", "received", "closed"]


def daily_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                 category: str | None = None) -> pd.DataFrame:
    """Per day of the window: received, and closed (by close day) — overview.daily_intake with an
    exclusive end and a category filter.

    day (date) · received (int) · closed (int); days without either are absent.
    """
    rday = tf.c.received_day
    cday = day_of(tf.c.closed_at)
    r = (sa.select(rday.label("day"), sa.func.count().label("n")).select_from(_joined())
         .where(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now,
                _category_filter(category)).group_by(rday))
    c = (sa.select(cday.label("day"), sa.func.count().label("n")).select_from(_joined())
         .where(tf.c.closed_at >= start, tf.c.closed_at < end, tf.c.closed_at <= now,
                _category_filter(category)).group_by(cday))
    rd = pd.DataFrame(tuples(conn.execute(r)), columns=["day", "received"])
    cd = pd.DataFrame(tuples(conn.execute(c)), columns=["day", "closed"])
    for df in (rd, cd):
        df["day"] = pd.to_datetime(df["day"]).dt.date
    out = pd.merge(rd, cd, on="day", how="outer").fillna(0).sort_values("day")
    return out.astype({"received": "int64", "closed": "int64"})[DAILY_COLUMNS].reset_index(drop=True)


def topic_backlog(conn: Connection, *, now: datetime, category: str) -> pd.DataFrame:
    """backlog_by_stage of the category's tickets: stage · tickets · overdue · at_risk (int)."""
    df = topic_backlog_by(conn, now=now, category=category, dimension="stage")
    return df.rename(columns={"key": "stage"})


TOPIC_OVERDUE_COLUMNS = ["ticket_no", "received_at", "deadline_at", "stage", "street", "unit", "category",
                         "category_l2", "title"]


def topic_overdue(conn: Connection, *, now: datetime, category: str, limit: int = 500) -> pd.DataFrame:
    """The category's open overdue tickets at `now`, earliest deadline first (capped at `limit`)."""
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.deadline_at, tf.c.stage, tf.c.street, tf.c.unit,
                      tf.c.category_l1, t.c.category_l2, t.c.title)
            .select_from(_joined()).where(_open(now), _overdue(now), _category_filter(category))
            .order_by(tf.c.deadline_at, tf.c.ticket_no).limit(limit))
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=TOPIC_OVERDUE_COLUMNS)


def topic_clock_summary(conn: Connection, clock: str, *, start: datetime, end: datetime, now: datetime,
                        category: str, limits: Limits | None = None) -> dict:
    """timeliness.clock_summary (by="all") counts of the category's clocks.

    total (on_time + late) · on_time · late · running (int)
    """
    rows = clock_rows(conn, clock, start=start, end=end, now=now, limits=limits)
    stmt = (sa.select(count_if(rows.c.status == "on_time").label("on_time"),
                      count_if(rows.c.status == "late").label("late"),
                      count_if(rows.c.status == "running").label("running"))
            .select_from(rows.join(t, t.c.ticket_no == rows.c.ticket_no))
            .where(_category_filter(category)))
    row = conn.execute(stmt).mappings().one()
    out = {k: int(row[k] or 0) for k in ("on_time", "late", "running")}
    out["total"] = out["on_time"] + out["late"]
    return out


CLOCK_SUMMARY_KEYS = ("total", "on_time", "late", "running", "p50_seconds", "p90_seconds")


def clock_summaries(conn: Connection, clocks: list[str] | tuple[str, ...], *, start: datetime, end: datetime,
                    now: datetime, limits: Limits | None = None,
                    category: str | None = None) -> dict[str, dict]:
    """timeliness.clock_summary (by="all") of several clocks in one statement: per clock
    {total, on_time, late, running (int), p50_seconds, p90_seconds (float | None)}.

    The rows are timeliness.clock_rows of each clock (one definition of a clock), stacked with
    UNION ALL and counted in one pass: one statement for all clocks of a window instead of one
    per clock. The percentiles are queries.sql.percentile_columns (percentile_cont semantics,
    NULL lags skipped), as clock_summary's. With a category (专报) the rows are the category's
    tickets and no percentiles are computed (None), as topic_clock_summary.
    """
    parts = []
    for clock in clocks:
        rows = clock_rows(conn, clock, start=start, end=end, now=now, limits=limits, with_groups=False)
        part = sa.select(sa.literal(clock).label("clock"), rows.c.status, rows.c.lag_seconds)
        if category:
            part = part.select_from(rows.join(t, t.c.ticket_no == rows.c.ticket_no)).where(_category_filter(category))
        parts.append(part)
    u = sa.union_all(*parts).subquery("clocks")
    quantiles = {"p50_seconds": (1, 2), "p90_seconds": (9, 10)}
    pct_cols = [] if category else percentile_columns(conn.dialect.name, u.c.lag_seconds, quantiles)
    stmt = (sa.select(u.c.clock, count_if(u.c.status == "on_time").label("on_time"),
                      count_if(u.c.status == "late").label("late"), count_if(u.c.status == "running").label("running"),
                      *pct_cols)
            .group_by(u.c.clock))
    out: dict[str, dict[str, Any]]
    out = {c: {"total": 0, "on_time": 0, "late": 0, "running": 0, "p50_seconds": None, "p90_seconds": None}
           for c in clocks}
    for r in conn.execute(stmt).mappings():
        d = out[r["clock"]]
        for k in ("on_time", "late", "running"):
            d[k] = int(r[k] or 0)
        d["total"] = d["on_time"] + d["late"]
        for k in quantiles:
            if k in r and r[k] is not None:
                d[k] = float(r[k])
    return out


def topic_three_rate_counts(conn: Connection, *, start: datetime, end: datetime, category: str) -> dict:
    """district_counts of the category's tickets (`end` inclusive, as three_rates.district_counts)."""
    row = conn.execute(sa.select(*_counts(None)).where(population_filter(start, end),
                                                        _category_filter(category))).mappings().one()
    return {k: int(row[k] or 0) for k in DISTRICT_COUNTS_COLUMNS}


def category_options(conn: Connection) -> list[str]:
    """The l1 and l2 names of the category tree and of the tickets, l1 first, then l2, each sorted."""
    l1 = {r[0] for r in conn.execute(sa.select(categories.c.l1).distinct())}
    l2 = {r[0] for r in conn.execute(sa.select(categories.c.l2).distinct()) if r[0]}
    l1 |= {r[0] for r in conn.execute(sa.select(tf.c.category_l1).distinct()) if r[0]}
    return sorted(l1) + sorted(l2 - l1)


REPORT_LOG_COLUMNS = ["report_no", "report_type", "due_at", "delivered_at", "staff_no", "has_error"]


def report_log(conn: Connection, *, start: datetime, end: datetime) -> pd.DataFrame:
    """Rows of the reports table due in [start, end), latest due first."""
    stmt = (sa.select(*[reports.c[c] for c in REPORT_LOG_COLUMNS])
            .where(reports.c.due_at >= start, reports.c.due_at < end)
            .order_by(reports.c.due_at.desc(), reports.c.report_no))
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=REPORT_LOG_COLUMNS)


LEDGER_SYSTEM_COLUMNS = ["ticket_no", "received_at", "category_l1", "category_l2", "category_l3", "title",
                         "stage", "in_range"]
IN_CHUNK = 900   # bound parameters per IN list (SQLite's limit is generous, stay well below)


def ledger_system_rows(conn: Connection, *, ticket_nos: list[str], start: datetime, end: datetime) -> pd.DataFrame:
    """The system side of a ledger reconciliation: every ticket named in the ledger, plus every
    ticket received in [start, end).

    ticket_no · received_at · category_l1..l3 · title · stage (current, ticket_facts) · in_range
    (bool: received in [start, end))
    """
    in_range = sa.and_(t.c.received_at >= start, t.c.received_at < end)
    cols = [t.c.ticket_no, t.c.received_at, t.c.category_l1, t.c.category_l2, t.c.category_l3, t.c.title,
            sa.func.coalesce(tf.c.stage, "").label("stage"), sa.case((in_range, True), else_=False).label("in_range")]
    frm = t.outerjoin(tf, tf.c.ticket_no == t.c.ticket_no)
    names = sorted(set(ticket_nos))
    conds = [in_range] + [t.c.ticket_no.in_(names[i:i + IN_CHUNK]) for i in range(0, len(names), IN_CHUNK)]
    stmt = sa.select(*cols).select_from(frm).where(sa.or_(*conds)).order_by(t.c.ticket_no)
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=LEDGER_SYSTEM_COLUMNS)
    df["in_range"] = df["in_range"].astype(bool)
    return df


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, last + 1 day 00:00) for two dates."""
    start = datetime(first.year, first.month, first.day)
    end = datetime(last.year, last.month, last.day) + timedelta(days=1)
    return start, end


TOPIC_DIMENSIONS = {"stage": tf.c.stage, "category_l2": sa.func.coalesce(t.c.category_l2, "（未分类）"),
                    "street": sa.func.coalesce(tf.c.street, "（未填）"),
                    "unit": sa.func.coalesce(tf.c.unit, "（未派单）")}


def topic_backlog_by(conn: Connection, *, now: datetime, category: str, dimension: str) -> pd.DataFrame:
    """backlog.backlog_by of the category's tickets: key · tickets · overdue · at_risk (int)."""
    if dimension not in TOPIC_DIMENSIONS:
        raise ReportQueryError(f"未知的分组方式：{dimension}")
    key = TOPIC_DIMENSIONS[dimension]
    stmt = (sa.select(key.label("key"), sa.func.count().label("tickets"), count_if(_overdue(now)).label("overdue"),
                      count_if(_at_risk(now)).label("at_risk"))
            .select_from(_joined()).where(_open(now), _category_filter(category)).group_by(key))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=["key", "tickets", "overdue", "at_risk"])
    return df.astype({"key": str, "tickets": "int64", "overdue": "int64", "at_risk": "int64"})
