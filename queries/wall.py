"""Figures only the wall display needs: today's intake by hour against the usual profile, and
the streets / categories rising today. (Backlog and intake tiles reuse queries.backlog and
queries.overview, so the wall agrees with the desk pages.)
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.evidence import above_normal as above_normal_flag
from domain.evidence import z_score
from queries.schema import ticket_facts as tf
from queries.sql import count_if, hour_of

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
    df = pd.DataFrame(conn.execute(stmt).all(), columns=["key", "today", "past"])
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
