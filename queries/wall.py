"""Figures only the wall display needs: today's intake by hour against the usual profile, and
the streets / categories rising today. (Backlog and intake tiles reuse queries.backlog and
queries.overview, so the wall agrees with the desk pages.)
"""
from __future__ import annotations

from datetime import datetime, timedelta
from itertools import accumulate

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.evidence import above_normal as above_normal_flag
from domain.evidence import z_score
from domain.vocabulary import URGENT
from queries.backlog import backlog_totals
from queries.schema import ticket_facts as tf
from queries.sql import count_if, days_after, hour_of, midnights_until, seconds_between, tuples

WEEKS_BACK = 4
DAYS_BACK = 7

HOURLY_COLUMNS = ["hour", "today", "typical"]


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def hourly_profile(conn: Connection, *, now: datetime, weeks: int = WEEKS_BACK) -> pd.DataFrame:
    """Per hour 0–23: tickets received today up to `now`, and the typical count of that hour on
    the same weekday (mean over the previous `weeks` same weekdays that have any tickets).

    hour (int) · today (Int64; <NA> for hours after now) · typical (float | NaN when no history)
    """
    day_start = _day_start(now)
    hr = hour_of(tf.c.received_at)
    today = pd.DataFrame(conn.execute(
        sa.select(hr.label("hour"), sa.func.count()).where(tf.c.received_at >= day_start, tf.c.received_at <= now)
        .group_by(hr)).all(), columns=["hour", "today"])
    days = [day_start - timedelta(days=7 * k) for k in range(1, weeks + 1)]
    in_days = sa.or_(*[sa.and_(tf.c.received_at >= d, tf.c.received_at < d + timedelta(days=1)) for d in days])
    past = pd.DataFrame(conn.execute(
        sa.select(hr.label("hour"), tf.c.received_day, sa.func.count()).where(in_days)
        .group_by(hr, tf.c.received_day)).all(), columns=["hour", "day", "n"])
    with_data = past["day"].nunique()
    out = pd.DataFrame({"hour": range(24)})
    out = out.merge(today.astype("int64"), on="hour", how="left")
    out["today"] = out["today"].fillna(0).astype("Int64")
    out.loc[out["hour"] > now.hour, "today"] = pd.NA
    if with_data:
        typical = past.groupby("hour")["n"].sum() / with_data   # ≤ 24 rows, already aggregated in SQL
        out["typical"] = out["hour"].map(typical).fillna(0.0).astype("float64")
    else:
        out["typical"] = float("nan")
    return out[HOURLY_COLUMNS]


RISING_COLUMNS = ["key", "today", "usual", "change"]


def rising(conn: Connection, *, now: datetime, dimension: str, days: int = DAYS_BACK, top: int = 8) -> pd.DataFrame:
    """Streets (dimension='street') or categories ('category') with more tickets today (00:00 to
    `now`) than usual: the mean count of the same time window over the previous `days` days.

    key (str) · today (int) · usual (float) · change (float: today − usual); largest change first,
    only keys with change > 0, at most `top`.
    """
    col = {"street": tf.c.street, "category": tf.c.category_l1}[dimension]
    day_start = _day_start(now)
    elapsed = now - day_start
    today_cond = sa.and_(tf.c.received_at >= day_start, tf.c.received_at <= now)
    past_conds = [sa.and_(tf.c.received_at >= day_start - timedelta(days=k),
                          tf.c.received_at <= day_start - timedelta(days=k) + elapsed) for k in range(1, days + 1)]
    stmt = (sa.select(col.label("key"),
                      count_if(today_cond).label("today"),
                      count_if(sa.or_(*past_conds)).label("past"))
            .where(col.is_not(None), tf.c.received_at >= day_start - timedelta(days=days), tf.c.received_at <= now)
            .group_by(col))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=["key", "today", "past"])
    df["today"] = df["today"].astype("int64")
    df["usual"] = df["past"].astype("float64") / days
    df["change"] = df["today"] - df["usual"]
    df = df[df["change"] > 0].sort_values(["change", "key"], ascending=[False, True]).head(top)
    return df[RISING_COLUMNS].reset_index(drop=True)


def above_normal(conn: Connection, *, now: datetime, dimension: str, days: int = DAYS_BACK,
                 top: int = 8) -> pd.DataFrame:
    """The keys of `rising` that are above normal on evidence (domain.evidence.above_normal: a
    minimum count today and a Poisson z-score against the usual level), largest z first, at most
    `top`. Columns of `rising` plus z (float)."""
    df = rising(conn, now=now, dimension=dimension, days=days, top=10_000)
    df = df.assign(z=[z_score(c, u) for c, u in zip(df["today"], df["usual"])])
    flagged = df[[above_normal_flag(c, u) for c, u in zip(df["today"], df["usual"])]]
    return flagged.sort_values(["z", "key"], ascending=[False, True]).head(top).reset_index(drop=True)


SNAPSHOT_COLUMNS = ["at", "open", "overdue", "at_risk"]
SNAPSHOT_DAYS = 14


def _open_at(t: datetime, c=tf.c):
    """Open at a past moment `t`, as the facts tell it now: received by `t` and still open, or
    closed / returned after `t`. (A ticket closed, then reopened after `t`, counts as open; its
    deadline is the one in force now.) `c`: the columns to read (the facts', or a subquery's)."""
    return sa.and_(c.received_at <= t, sa.or_(c.is_open, c.closed_at > t, c.return_approved_at > t))


FAR_FUTURE = datetime(9999, 12, 31)


def _touched_since(first: datetime, now: datetime):
    """The facts of the tickets open now (received by `now`), or closed or returned after `first`:
    three disjoint parts, each answered from its own index (the open tickets' partial
    index, closed_at, return_approved_at) on both engines, instead of one OR that SQLite answers
    by walking every ticket received by `now`."""
    cols = [tf.c.received_at, tf.c.is_open, tf.c.closed_at, tf.c.return_approved_at, tf.c.deadline_at,
            tf.c.at_risk_at]
    # closed_at in a two-sided range: SQLite, whose statistics cannot tell how few tickets closed
    # in the last week, takes a one-sided range for a quarter of the table and would rather read
    # all of it; the far bound is always true
    closed_since = sa.and_(tf.c.closed_at.is_not(None), tf.c.closed_at > first, tf.c.closed_at < FAR_FUTURE)
    # The closed and returned parts leave `received_at <= now` to the counts (every moment's
    # condition has it): with it here, SQLite would walk the received_at index instead.
    return sa.union_all(
        sa.select(*cols).where(tf.c.is_open, tf.c.received_at <= now),
        sa.select(*cols).where(sa.not_(tf.c.is_open), closed_since),
        sa.select(*cols).where(sa.not_(tf.c.is_open), sa.not_(closed_since), tf.c.return_approved_at > first),
    ).subquery("touched")


def backlog_snapshots(conn: Connection, *, now: datetime, days: int = SNAPSHOT_DAYS) -> pd.DataFrame:
    """The backlog's trend for the wall's tiles: open · overdue · at_risk at the end of each of the
    `days` − 1 days before today (at the next midnight) and at `now`, oldest first.

    at (datetime) · open · overdue · at_risk (int). The last row is queries.backlog.backlog_totals
    at `now` exactly (same conditions); every row is a moment, never a partial period.
    """
    day_start = _day_start(now)
    midnights = [t for t in (day_start - timedelta(days=k) for k in range(days - 2, -1, -1)) if t < now]
    rows = [[t, *counts] for t, counts in zip(midnights, _at_midnights(conn, midnights, now))]
    last = backlog_totals(conn, now=now)
    rows.append([now, last["open"], last["overdue"], last["at_risk"]])
    out = pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)
    return out.astype({"open": "int64", "overdue": "int64", "at_risk": "int64"})


def _at_midnights(conn: Connection, midnights: list[datetime], now: datetime) -> list[tuple[int, int, int]]:
    """(open, overdue, at_risk) at each of these consecutive midnights, as _open_at tells it.

    A ticket is open at the midnights from the first one at or after its receipt up to (not
    including) the first one at or after its end (its close or return, whichever is later; never
    while open), overdue from the first midnight after its deadline, at risk from the first one at
    or after at_risk_at up to its deadline. So each ticket adds one to a run of consecutive
    midnights of each figure: the tickets are counted per (start, end) day indexes in SQL (a few
    thousand groups instead of three conditions per midnight per ticket) and the runs summed here."""
    if not midnights:
        return []
    origin, m = midnights[0], len(midnights)
    u = _touched_since(origin, now)
    at = sa.literal(origin, sa.DateTime)
    end = sa.case((u.c.is_open, sa.null()),
                  (u.c.closed_at.is_(None), u.c.return_approved_at),
                  (u.c.return_approved_at.is_(None), u.c.closed_at),
                  (u.c.closed_at > u.c.return_approved_at, u.c.closed_at),
                  else_=u.c.return_approved_at)
    keys = [midnights_until(u.c.received_at, at), midnights_until(end, at),
            days_after(u.c.deadline_at, at) + 1, midnights_until(u.c.at_risk_at, at)]
    labelled = [k.label(n) for k, n in zip(keys, ("r", "e", "d", "a"))]
    runs: dict[str, list[int]] = {k: [0] * (m + 1) for k in ("open", "overdue", "at_risk")}

    def add(figure: str, first: int, stop: int, n: int) -> None:
        first, stop = max(first, 0), min(stop, m)
        if first < stop:
            runs[figure][first] += n
            runs[figure][stop] -= n

    groups: list[tuple] = [tuple(g) for g in conn.execute(sa.select(*labelled, sa.func.count())
                                                          .select_from(u).group_by(*keys))]
    for r, end_index, d, a, n in groups:
        e = m if end_index is None else end_index
        add("open", r, e, n)
        add("overdue", max(r, d), e, n)
        add("at_risk", max(r, a), min(e, d), n)
    totals = {k: list(accumulate(v[:m])) for k, v in runs.items()}
    return list(zip(totals["open"], totals["overdue"], totals["at_risk"]))


def running_intake(profile: pd.DataFrame) -> list[int]:
    """Today's intake as it grew: the running total at the end of each hour up to the current
    one (whose total is the count up to `now`, so the last value is the 今日受理 figure).
    `profile` is hourly_profile's frame; a running total never dips when an hour is still open."""
    known = profile.dropna(subset=["today"])
    return [int(x) for x in known["today"].astype("int64").cumsum()]


TICKER_COLUMNS = ["ticket_no", "street", "unit", "category", "urgency", "overdue", "seconds"]
TICKER_LIMIT = 20


def urgent_ticker(conn: Connection, *, now: datetime, limit: int = TICKER_LIMIT) -> pd.DataFrame:
    """The wall's ticker: open tickets at `now` that are overdue or urgent (urgency 紧急, domain.vocabulary.URGENT).
    Overdue first, most overdue first; then the urgent ones still in time, newest first; at most
    `limit` (LIMIT in SQL). No caller, no title or content: what the wall may show from 5 m.

    ticket_no · street · unit · category · urgency (str | None) · overdue (bool) ·
    seconds (int: overdue → seconds past the deadline; else seconds left)
    """
    late = tf.c.deadline_at < now
    secs = sa.case((late, seconds_between(tf.c.deadline_at, sa.literal(now, sa.DateTime))),
                   else_=seconds_between(sa.literal(now, sa.DateTime), tf.c.deadline_at))
    stmt = (sa.select(tf.c.ticket_no, tf.c.street, tf.c.unit, tf.c.category_l1, tf.c.urgency,
                      sa.case((late, 1), else_=0).label("overdue"), secs.label("seconds"))
            .where(tf.c.is_open, tf.c.received_at <= now, sa.or_(late, tf.c.urgency == URGENT))
            .order_by(sa.case((late, 0), else_=1), sa.case((late, tf.c.deadline_at), else_=None),
                      tf.c.received_at.desc(), tf.c.ticket_no)
            .limit(limit))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=TICKER_COLUMNS)
    return df.astype({"overdue": bool, "seconds": "int64"})
