"""Stored indicator counts of settled months (queries.schema.month_counts).

A month's counts (DESIGN 4) depend on `now` only while one of its clocks is still running or
data later than `now` exists. Once `now` is past the month's end plus the longest limit and no
event, ticket or report delivery is later than `now`, every "by now" condition of
queries.assessment is true for all the month's data and every running clock has run out: the
counts are those of the data alone. Writers store them (`refill`, inside their transaction)
and drop them when they change a month's data (`invalidate_since`); readers use a stored row
only when the month is settled for their `now` and the row was computed with the same limits
and head counts. Anything else is counted live, so a missing or dropped row costs time, never
correctness.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries import assessment as qa
from queries import three_rates as qtr
from queries.schema import event_clocks, month_counts, reports, rules_versions, shifts, ticket_events, ticket_facts, \
    tickets

_CHUNK = 900


THREE_RATES_KEY = "_three_rates"   # the month's 三率 period counts (queries.three_rates.district_counts)


def params_key(limits: dict[str, int], required: dict[str, int], period: tuple[datetime, datetime]) -> str:
    body = json.dumps({"limits": {k: int(v) for k, v in limits.items()},
                       "required": {k: int(v) for k, v in required.items()},
                       "three_rates_period": [f"{period[0]:%Y-%m-%d %H:%M:%S}", f"{period[1]:%Y-%m-%d %H:%M:%S}"]},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def settles_at(month: str, limits: dict[str, int]) -> datetime:
    """The first moment no clock started in the month can still be running."""
    _, end = qa.month_bounds(month)
    return end + timedelta(seconds=max(int(v) for v in limits.values()) + 1)


def data_horizon(conn: Connection) -> datetime | None:
    """The latest timestamp the counts read (events, receipts, report deliveries)."""
    latest = [conn.execute(sa.select(sa.func.max(col))).scalar()
              for col in (ticket_events.c.at, tickets.c.received_at, reports.c.delivered_at)]
    latest = [_dt(x) for x in latest if x is not None]
    return max(latest) if latest else None


def is_settled(month: str, now: datetime, limits: dict[str, int], horizon: datetime | None) -> bool:
    return now >= settles_at(month, limits) and (horizon is None or horizon <= now)


def month_counts_for(conn: Connection, *, month: str, now: datetime, limits: dict[str, int],
                     required: dict[str, int], period: tuple[datetime, datetime]) -> tuple[pd.DataFrame, dict]:
    """(queries.assessment.indicator_counts, queries.three_rates.district_counts of `period`) —
    from the stored row when the month is settled, else counted now."""
    if now >= settles_at(month, limits) and is_settled(month, now, limits, data_horizon(conn)):
        row = conn.execute(sa.select(month_counts.c.counts).where(
            month_counts.c.month == month, month_counts.c.params == params_key(limits, required, period))).scalar()
        if row is not None:
            stored = json.loads(row)
            return (pd.DataFrame([(k, int(stored[k][0]), int(stored[k][1])) for k in qa.INDICATOR_KEYS],
                                 columns=qa.INDICATOR_COUNTS_COLUMNS),
                    {k: int(v) for k, v in stored[THREE_RATES_KEY].items()})
    return (live_counts(conn, month=month, now=now, limits=limits, required=required),
            qtr.district_counts(conn, start=period[0], end=period[1]))


def indicator_counts(conn: Connection, *, month: str, now: datetime, limits: dict[str, int],
                     required: dict[str, int], period: tuple[datetime, datetime]) -> pd.DataFrame:
    return month_counts_for(conn, month=month, now=now, limits=limits, required=required, period=period)[0]


TICKET_LIMIT_KEYS = ("sign", "dispatch", "dispatch_urgent", "return_request")


def due_versions(conn: Connection, limits: dict[str, int]) -> list[int]:
    """Rules versions whose ticket due times (ticket_facts.*_due_at) were derived with these limits."""
    from dashboard.assessment.engine import _limits
    from dashboard.domain.rules import Rules

    want = tuple(int(limits[k]) for k in TICKET_LIMIT_KEYS)
    out = []
    for vid, body, eff in conn.execute(sa.select(rules_versions.c.id, rules_versions.c.body,
                                                 rules_versions.c.effective_from)):
        have = _limits(Rules.from_json(body, vid, eff))
        if tuple(int(have[k]) for k in TICKET_LIMIT_KEYS) == want:
            out.append(int(vid))
    return out


def live_counts(conn: Connection, *, month: str, now: datetime, limits: dict[str, int],
                required: dict[str, int]) -> pd.DataFrame:
    return qa.indicator_counts(conn, month=month, now=now, limits=limits, required=required,
                               due_versions=due_versions(conn, limits))


def invalidate_since(conn: Connection, since) -> None:
    """Drop the stored counts of the month of `since` (a date or datetime) and every later one."""
    if since is not None:
        conn.execute(month_counts.delete().where(month_counts.c.month >= f"{since:%Y-%m}"))


def invalidate_all(conn: Connection) -> None:
    conn.execute(month_counts.delete())


def earliest_for_tickets(conn: Connection, ticket_nos) -> datetime | None:
    """The earliest receipt or event-clock start of these tickets (after a write: the months
    their counts can have changed in start there)."""
    nos = sorted(set(ticket_nos))
    found: list[datetime] = []
    for i in range(0, len(nos), _CHUNK):
        part = nos[i:i + _CHUNK]
        for col, key in ((ticket_facts.c.received_at, ticket_facts.c.ticket_no),
                         (event_clocks.c.at, event_clocks.c.ticket_no)):
            x = conn.execute(sa.select(sa.func.min(col)).where(key.in_(part))).scalar()
            if x is not None:
                found.append(_dt(x))
    return min(found) if found else None


def _months(first: str, last: str) -> list[str]:
    y, m = (int(x) for x in first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def refill(conn: Connection, now: datetime | None = None) -> int:
    """Count and store every settled month that has no row for its current rules; returns how
    many were stored. Runs in the writer's transaction."""
    from dashboard.assessment.engine import _limits, required_heads   # engine reads through this module
    from dashboard.domain import three_rates as tr
    from dashboard.rules_store import rules_for_month

    now = now or datetime.now()
    horizon = data_horizon(conn)
    if horizon is not None and horizon > now:
        return 0
    firsts = [conn.execute(sa.select(sa.func.min(c))).scalar()
              for c in (ticket_facts.c.received_at, shifts.c.day, reports.c.due_at)]
    firsts = [f"{x:%Y-%m}" if not isinstance(x, str) else x[:7] for x in firsts if x is not None]
    if not firsts:
        return 0
    have = {(m, p) for m, p in conn.execute(sa.select(month_counts.c.month, month_counts.c.params))}
    stored = 0
    for month in _months(min(firsts), f"{now:%Y-%m}"):
        rules = rules_for_month(conn, month)
        limits, required = _limits(rules), required_heads(rules)
        if not is_settled(month, now, limits, horizon):
            continue
        p = tr.period_for_month(month, rules)
        period = (p.start, p.end)
        key = params_key(limits, required, period)
        if (month, key) in have or not _has_ticket_data(conn, month):
            continue   # a month without tickets counts live in no time
        counts = live_counts(conn, month=month, now=now, limits=limits, required=required)
        conn.execute(month_counts.delete().where(month_counts.c.month == month))
        conn.execute(month_counts.insert().values(
            month=month, params=key, computed_at=now.replace(microsecond=0),
            counts=json.dumps({**{r.key: [int(r.numerator), int(r.denominator)] for r in counts.itertuples()},
                               THREE_RATES_KEY: qtr.district_counts(conn, start=period[0], end=period[1])},
                              sort_keys=True)))
        stored += 1
    return stored


def _has_ticket_data(conn: Connection, month: str) -> bool:
    start, end = qa.month_bounds(month)
    col = ticket_facts.c.received_at
    return conn.execute(sa.select(sa.literal(1)).where(col >= start, col < end).limit(1)).first() is not None


def _dt(x) -> datetime:
    if isinstance(x, datetime):
        return x
    if isinstance(x, date):
        return datetime(x.year, x.month, x.day)
    return datetime.fromisoformat(str(x))
