"""SLA clocks (docs/lifecycle.md) as on-time shares, lags and breaches.

A clock runs from its start to the event that completes it; the verdict compares timestamps
exactly (elapsed ≤ limit is on time). As in the assessment (docs/assessment.md), a clock not
completed by `now` counts late once its due time has passed and is left out (status "running")
while it is still running; events later than `now` do not exist yet. Lags (medians, 90th
percentiles) are over completed clocks only, in whole seconds.

Ticket clocks (sign, dispatch, return_request, response, close) start at received_at and belong
to tickets received in [start, end); event clocks (qc: REPLY → next QC_PASS/QC_REJECT, verify:
VERIFY_ASSIGN → next VERIFY_DONE) belong to their starting event's time in [start, end).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Limits
from domain.vocabulary import CLOCKS, EVENT_CLOCKS, TICKET_CLOCKS
from queries.schema import event_clocks, tickets
from queries.schema import ticket_facts as tf
from queries.sql import (
    add_seconds,
    count_if,
    day_of,
    hour_of,
    month_of,
    percentile_columns,
    seconds_between,
    shift_of_hour,
    tuples,
    week_of,
    weekday_of,
)

GROUPINGS = {  # key → output columns
    "all": [],
    "day": ["day"],
    "week": ["week"],
    "month": ["month"],
    "unit": ["unit"],
    "street": ["street"],
    "category": ["category"],
    "shift": ["shift"],
    "heat": ["weekday", "hour"],
}
QC_ACTIONS = ("QC_PASS", "QC_REJECT")
DAY_SECONDS = 86400


class TimelinessError(ValueError):
    """Unknown clock or grouping (message in Chinese)."""


def _ticket_clock_parts(clock: str, *, now: datetime, close_offsets: dict[str, dict[date, int]] | None):
    """(ended_at or NULL when not completed by now, due_at, the clock's row condition or None,
    whether tickets must be joined) of a ticket clock, over ticket_facts rows."""
    completed = {
        "sign": tf.c.signed_at, "dispatch": tf.c.dispatched_at, "return_request": tf.c.first_return_request_at,
        "response": tf.c.first_contact_at, "close": tf.c.closed_at,
    }[clock]
    due: sa.ColumnElement[Any] = {
        "sign": tf.c.sign_due_at, "dispatch": tf.c.dispatch_due_at, "return_request": tf.c.return_request_due_at,
        "response": tf.c.response_due_at, "close": tf.c.deadline_at,
    }[clock]
    join = False
    if clock == "close" and close_offsets:
        # Working-day close limits: received_at + the calendar days that N working days span from
        # that day (computed by the caller from domain.calendar), + approved extensions.
        # An imported 截止时间 is the deadline whatever the option says.
        whens = []
        for sla_class, by_day in close_offsets.items():
            if not by_day:
                continue
            days = sa.case({d: n for d, n in by_day.items()}, value=tf.c.received_day)
            whens.append((sa.and_(tickets.c.deadline_at.is_(None), tf.c.sla_class == sla_class),
                          add_seconds(tf.c.received_at, (days + tf.c.extension_days) * DAY_SECONDS)))
        if whens:
            due = sa.case(*whens, else_=tf.c.deadline_at)
            join = True
    not_returned = sa.or_(tf.c.return_approved_at.is_(None), tf.c.return_approved_at > now)
    condition = {
        "dispatch": sa.or_(tf.c.first_return_request_at.is_(None), tf.c.first_return_request_at > now),
        "return_request": tf.c.first_return_request_at <= now,
        "response": not_returned,
        "close": not_returned,
    }.get(clock)
    return sa.case((completed <= now, completed)), due, condition, join


def _facts_from(join: bool):
    return tf.join(tickets, tickets.c.ticket_no == tf.c.ticket_no) if join else tf


def _in_period(start, end, now):
    return sa.and_(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)


def _ticket_clock(clock: str, *, start: datetime, end: datetime, now: datetime,
                  close_offsets: dict[str, dict[date, int]] | None):
    """(started_at, ended_at or NULL when not completed by now, due_at) per ticket of the range."""
    ended, due, condition, join = _ticket_clock_parts(clock, now=now, close_offsets=close_offsets)
    stmt = sa.select(
        tf.c.ticket_no,
        tf.c.received_at.label("started_at"),
        ended.label("ended_at"),
        due.label("due_at"),
        tf.c.unit, tf.c.street, tf.c.category_l1.label("category"),
    ).select_from(_facts_from(join)).where(_in_period(start, end, now))
    return stmt if condition is None else stmt.where(condition)


def _event_clock(clock: str, *, start: datetime, end: datetime, now: datetime, limit_seconds: int,
                 with_groups: bool = True):
    """qc: REPLY → the first QC_PASS/QC_REJECT at or after it; verify: VERIFY_ASSIGN → the first
    VERIFY_DONE at or after it (both found once per event in queries.schema.event_clocks)."""
    ec = event_clocks
    kind = "reply" if clock == "qc" else "verify"
    frm: sa.FromClause
    if with_groups:
        groups, frm = [tf.c.unit, tf.c.street, tf.c.category_l1.label("category")], \
            ec.outerjoin(tf, tf.c.ticket_no == ec.c.ticket_no)
    else:   # the join to the ticket costs a look-up per row; most groupings need only the time
        groups, frm = [sa.null().label("unit"), sa.null().label("street"), sa.null().label("category")], ec
    return sa.select(
        ec.c.ticket_no,
        ec.c.at.label("started_at"),
        sa.case((ec.c.ref_at <= now, ec.c.ref_at)).label("ended_at"),
        add_seconds(ec.c.at, limit_seconds).label("due_at"),
        *groups,
    ).select_from(frm).where(ec.c.kind == kind, ec.c.at >= start, ec.c.at < end, ec.c.at <= now)


def _event_limit(limits: Limits | None, clock: str) -> int:
    """The limit of an event clock (qc, verify); the caller passes its rules version's limits."""
    if limits is None:
        raise TimelinessError(f"缺少{CLOCKS[clock]}时限")
    return limits.qc if clock == "qc" else limits.verify


def clock_rows(conn: Connection, clock: str, *, start: datetime, end: datetime, now: datetime,
               limits: Limits | None = None, close_offsets: dict[str, dict[date, int]] | None = None,
               with_groups: bool = True):
    """The clock's rows as a subquery: ticket_no, started_at, ended_at, due_at, unit, street,
    category, status ('on_time' / 'late' / 'running'), lag_seconds (completed only), shift,
    and the group keys day, week, month, weekday, hour (of started_at). Without `with_groups`
    the event clocks' unit, street and category are left NULL (no join to the ticket)."""
    if clock not in CLOCKS:
        raise TimelinessError(f"未知的时限类型：{clock}")
    if clock in EVENT_CLOCKS:
        base = _event_clock(clock, start=start, end=end, now=now, limit_seconds=_event_limit(limits, clock),
                            with_groups=with_groups).subquery("base")
    else:
        base = _ticket_clock(clock, start=start, end=end, now=now, close_offsets=close_offsets).subquery("base")
    status = _status(base.c.ended_at, base.c.due_at, now)
    hour = hour_of(base.c.started_at)
    shift = shift_of_hour(hour)
    return sa.select(
        base.c.ticket_no, base.c.started_at, base.c.ended_at, base.c.due_at,
        sa.func.coalesce(base.c.unit, "（未派单）").label("unit"),
        sa.func.coalesce(base.c.street, "（未填）").label("street"),
        sa.func.coalesce(base.c.category, "（未分类）").label("category"),
        status.label("status"),
        sa.case((base.c.ended_at.is_not(None), seconds_between(base.c.started_at, base.c.ended_at))).label(
            "lag_seconds"),
        shift.label("shift"),
        day_of(base.c.started_at).label("day"),
        week_of(base.c.started_at).label("week"),
        month_of(base.c.started_at).label("month"),
        weekday_of(base.c.started_at).label("weekday"),
        hour.label("hour"),
    ).subquery("clock")


def clock_summary(conn: Connection, clock: str, *, start: datetime, end: datetime, now: datetime,
                  by: str = "all", limits: Limits | None = None,
                  close_offsets: dict[str, dict[date, int]] | None = None) -> pd.DataFrame:
    """One row per group of GROUPINGS[by] (none for "all").

    <group columns> · total (int: on_time + late) · on_time (int) · late (int) · running (int:
    not completed, still within its limit; excluded) · p50_seconds, p90_seconds (float | None:
    lag of completed clocks, percentile_cont semantics)
    """
    if by not in GROUPINGS:
        raise TimelinessError(f"未知的分组方式：{by}")
    keys = GROUPINGS[by]
    rows = clock_rows(conn, clock, start=start, end=end, now=now, limits=limits, close_offsets=close_offsets,
                      with_groups=bool(set(keys) & {"unit", "street", "category"}))
    # counts and lags in one pass over the clock's rows
    groups = [rows.c[k] for k in keys]
    stmt = sa.select(*groups, *[count_if(rows.c.status == k).label(k) for k in STATUSES],
                     *percentile_columns(conn.dialect.name, rows.c.lag_seconds,
                                         {"p50_seconds": (1, 2), "p90_seconds": (9, 10)})).group_by(*groups)
    out = pd.DataFrame(tuples(conn.execute(stmt)), columns=keys + list(STATUSES) + ["p50_seconds", "p90_seconds"])
    _normalise_keys(out, keys)
    for c in ("on_time", "late", "running"):
        out[c] = out[c].astype("int64")
    for c in ("p50_seconds", "p90_seconds"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out.insert(len(keys), "total", out["on_time"] + out["late"])
    if keys:
        out = out.sort_values(keys).reset_index(drop=True)
    return out[keys + ["total", "on_time", "late", "running", "p50_seconds", "p90_seconds"]]


OVERVIEW_COLUMNS = ["clock", "total", "on_time", "late", "running"]
STATUSES = ("on_time", "late", "running")


def clock_overview(conn: Connection | None, *, start: datetime, end: datetime, now: datetime,
                   limits: Limits | None = None,
                   close_offsets: dict[str, dict[date, int]] | None = None, run_parts=None) -> pd.DataFrame:
    """Every clock of CLOCKS at once, without lags (as clock_summary(by="all") counts them): one
    pass over the period's tickets for the five ticket clocks, one range scan each for qc and
    verify. `run_parts`: a runner of the three independent reads (each a function of a
    connection), e.g. dashboard.infra.concurrent_reads on an engine (then `conn` may be None); default
    one after another on `conn`.

    clock (str, CLOCKS order) · total · on_time · late · running (ints)
    """
    event_limits = {clock: _event_limit(limits, clock) for clock in EVENT_CLOCKS}
    ticket_clocks = list(TICKET_CLOCKS)

    def ticket_part(c: Connection) -> dict[str, tuple]:
        codes, join_any = [], False
        for clock in ticket_clocks:
            ended, due, condition, join = _ticket_clock_parts(clock, now=now, close_offsets=close_offsets)
            join_any |= join
            code = sa.case((sa.and_(ended.is_not(None), ended <= due), 0), (ended.is_not(None), 1),
                           (due < now, 1), else_=2)
            codes.append(code if condition is None else sa.case((condition, code), else_=3))
        # one base-4 number per ticket (0 on time, 1 late, 2 running, 3 not counted per clock),
        # grouped: each status is computed once per ticket and the sort key is a single integer
        combined = sum((code * 4 ** i for i, code in enumerate(codes[1:], start=1)), codes[0]).label("combo")
        combos = c.execute(sa.select(combined, sa.func.count()).select_from(_facts_from(join_any))
                           .where(_in_period(start, end, now)).group_by(combined)).all()
        return {clock: tuple(sum(int(n) for combo, n in combos if int(combo) // 4 ** i % 4 == j) for j in range(3))
                for i, clock in enumerate(ticket_clocks)}

    def event_part(clock: str):
        def part(c: Connection) -> dict[str, tuple]:
            base = _event_clock(clock, start=start, end=end, now=now, limit_seconds=event_limits[clock],
                                with_groups=False).subquery("base")
            status = _status(base.c.ended_at, base.c.due_at, now).label("status")
            by_status: dict[str, int] = dict(c.execute(sa.select(status, sa.func.count()).group_by(status)).all())
            return {clock: tuple(int(by_status.get(k, 0)) for k in STATUSES)}
        return part

    parts = [ticket_part, event_part("qc"), event_part("verify")]
    out: dict[str, tuple] = {}
    for got in (run_parts(parts) if run_parts is not None else [part(conn) for part in parts]):
        out.update(got)
    return pd.DataFrame([(c, out[c][0] + out[c][1], *out[c]) for c in CLOCKS], columns=OVERVIEW_COLUMNS)


def _status(ended, due, now):
    return sa.case(
        (sa.and_(ended.is_not(None), ended <= due), "on_time"),
        (ended.is_not(None), "late"),
        (due < now, "late"),
        else_="running",
    )


def _normalise_keys(df: pd.DataFrame, keys: list[str]) -> None:
    for k in keys:
        if k in ("day", "week"):
            df[k] = pd.to_datetime(df[k]).dt.date
        elif k in ("weekday", "hour"):
            df[k] = df[k].astype("int64")
        else:
            df[k] = df[k].astype(str)


BREACH_COLUMNS = ["ticket_no", "started_at", "due_at", "ended_at", "late_seconds", "unit", "street", "category"]


def breaches(conn: Connection, clock: str, *, start: datetime, end: datetime, now: datetime,
             limits: Limits | None = None, close_offsets: dict[str, dict[date, int]] | None = None,
             limit: int = 1000) -> pd.DataFrame:
    """Late clocks, latest breach first.

    ticket_no · started_at · due_at · ended_at (None: not completed by now) · late_seconds (int:
    completion, or now, minus due) · unit · street · category
    """
    rows = clock_rows(conn, clock, start=start, end=end, now=now, limits=limits, close_offsets=close_offsets)
    late_by = seconds_between(rows.c.due_at, sa.func.coalesce(rows.c.ended_at, sa.literal(now, sa.DateTime)))
    stmt = (sa.select(rows.c.ticket_no, rows.c.started_at, rows.c.due_at, rows.c.ended_at,
                      late_by.label("late_seconds"), rows.c.unit, rows.c.street, rows.c.category)
            .where(rows.c.status == "late").order_by(rows.c.due_at.desc(), rows.c.ticket_no).limit(limit))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=BREACH_COLUMNS)
    df["late_seconds"] = df["late_seconds"].astype("int64")
    return df


INTAKE_HEATMAP_COLUMNS = ["weekday", "hour", "tickets"]


def intake_heatmap(conn: Connection, *, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """Tickets received in [start, end) up to now per weekday (0 = Monday) × hour.

    weekday (int) · hour (int) · tickets (int)
    """
    wd, hr = weekday_of(tf.c.received_at), hour_of(tf.c.received_at)
    stmt = (sa.select(wd.label("weekday"), hr.label("hour"), sa.func.count().label("tickets"))
            .where(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)
            .group_by(wd, hr))
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=INTAKE_HEATMAP_COLUMNS).astype("int64")
