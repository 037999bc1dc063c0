"""Stored counts of settled days (queries.schema.day_counts): a month's assessment counts as the
sum of its days.

Every indicator's numerator and denominator (docs/assessment.md) is a sum over the clocks, reports, shifts and
staffing days that start in the period (queries.assessment.window_counts), and the 三率
population counts are sums over the tickets received in it; so a month is the sum of its days.
A day's counts depend on `now` only while one of its clocks is still running or data later than
`now` exists: once `now` is past the day's end plus the longest limit and no event, ticket or
report delivery is later than `now`, they are those of the data alone — the day is settled. (For
a view of the present, what a live feed stored in the last minutes is not "later": PRESENT_SLACK.)
Writers store settled days (`refill`, inside their transaction) and drop the days a write
touched (`invalidate_since`); readers add up the stored settled days of the window, count the
rest live, and use a stored day only with the limits and head counts it was counted with.
A missing or dropped row therefore costs time, never correctness.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services.rules_store import rules_for_month
from domain.rules import Limits, Rules
from queries import assessment as assessment_queries
from queries import three_rates as three_rates_queries
from queries.schema import day_counts, event_clocks, reports, rollup_daily, rules_versions, ticket_events, ticket_facts, tickets
from queries.sql import as_date

THREE_RATES_KEY = "_three_rates"
THREE_RATES_FIELDS = three_rates_queries.DISTRICT_COUNTS_COLUMNS
TICKET_LIMIT_KEYS = ("sign", "dispatch", "dispatch_urgent", "return_request")
_CHUNK = 900
_DAY = timedelta(days=1)


def _counted_limits(limits: Limits) -> dict[str, int]:
    """The limits the counts read (queries.assessment.LIMIT_KEYS), by name."""
    return {k: int(getattr(limits, k)) for k in assessment_queries.LIMIT_KEYS}


def params_key(limits: Limits, required: dict[str, int]) -> str:
    body = json.dumps({"limits": _counted_limits(limits),
                       "required": {k: int(v) for k, v in required.items()}}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time())


# A view of the present takes `now` to the minute (pages cache by it) while a live feed keeps
# storing tickets received in the current minute, and a source's clock may run a little ahead:
# data up to this much after such a `now` is the present, not later data.
PRESENT_SLACK = timedelta(minutes=2)


def last_settled_day(now: datetime, limits: Limits, horizon: datetime | None,
                     clock: datetime | None = None) -> date | None:
    """The last day whose counts can no longer change as `now` moves on (None: none is).

    Data later than `now` unsettles every day — except, when `now` is the present (within
    PRESENT_SLACK of `clock`, the machine's time), data no later than now + PRESENT_SLACK."""
    clock = clock or datetime.now()
    present = abs(clock - now) <= PRESENT_SLACK
    if horizon is not None and horizon > now and not (present and horizon <= now + PRESENT_SLACK):
        return None
    # day D settles at D+1 00:00 + the longest limit counted + 1 s (a clock is late only once past due)
    return (now - timedelta(seconds=max(_counted_limits(limits).values()) + 1)).date() - _DAY


def data_horizon(conn: Connection) -> datetime | None:
    """The latest timestamp the counts read (events, receipts, report deliveries)."""
    latest = [conn.execute(sa.select(sa.func.max(col))).scalar()
              for col in (ticket_events.c.at, tickets.c.received_at, reports.c.delivered_at)]
    latest = [_dt(x) for x in latest if x is not None]
    return max(latest) if latest else None


def due_versions(conn: Connection, limits: Limits) -> list[int]:
    """Rules versions whose ticket due times (ticket_facts.*_due_at) were derived with these limits."""
    want = tuple(getattr(limits, k) for k in TICKET_LIMIT_KEYS)
    out = []
    for vid, body, eff in conn.execute(sa.select(rules_versions.c.id, rules_versions.c.body,
                                                 rules_versions.c.effective_from)):
        have = Rules.from_json(body, vid, eff).limits()
        if tuple(getattr(have, k) for k in TICKET_LIMIT_KEYS) == want:
            out.append(int(vid))
    return out


def _live(conn: Connection, start: datetime, end: datetime, now: datetime, limits, required, dv) -> dict:
    counts = assessment_queries.window_counts(conn, start=start, end=end, now=now, limits=limits, required=required,
                              due_versions=dv)
    counts[THREE_RATES_KEY] = three_rates_queries.district_counts(conn, start=start, end=end - timedelta(seconds=1))
    return counts


def _live_days(conn: Connection, first: date, stop: date, now: datetime, limits, required, dv) -> dict[date, dict]:
    """_live of each day of [first, stop), one grouped pass per count (what refill stores)."""
    days = assessment_queries.window_counts_by_day(conn, start=_midnight(first), end=_midnight(stop), now=now, limits=limits,
                                   required=required, due_versions=dv)
    three = three_rates_queries.district_counts_by_day(conn, first=first, last=stop - _DAY)
    for d, counts in days.items():
        counts[THREE_RATES_KEY] = three[d]
    return days


def _add(total: dict, part: dict) -> None:
    for k in assessment_queries.INDICATOR_KEYS:
        a, b = total.get(k, (0, 0))
        total[k] = (a + int(part[k][0]), b + int(part[k][1]))
    three = total.setdefault(THREE_RATES_KEY, {f: 0 for f in THREE_RATES_FIELDS})
    for f in THREE_RATES_FIELDS:
        three[f] += int(part[THREE_RATES_KEY][f])


def window(conn: Connection, *, start: datetime, end: datetime, now: datetime, limits: Limits,
           required: dict[str, int], horizon: datetime | None = None, stored: dict | None = None) -> dict:
    """The counts of [start, end) as of `now` (start and end at midnight): {indicator key:
    (numerator, denominator), THREE_RATES_KEY: {population, …}} — stored days where settled,
    the rest counted live in as few queries as their runs allow. `horizon` / `stored`: the
    data horizon and the stored settled days (read_stored) when the caller has read them."""
    if stored is None:
        stored = read_stored(conn, start=start, end=end, now=now, limits=limits, required=required,
                             horizon=data_horizon(conn) if horizon is None else horizon)
    have, runs = _split(start, end, stored)
    total: dict = {}
    for d in have:
        _add(total, stored[d])
    dv = due_versions(conn, limits) if runs else ()
    for a, b in runs:
        _add(total, _live(conn, _midnight(a), _midnight(b), now, limits, required, dv))
    if not total:   # an empty window
        _add(total, _live(conn, start, end, now, limits, required, due_versions(conn, limits)))
    return total


def _split(start: datetime, end: datetime, stored: dict[date, dict]) -> tuple[list[date], list[tuple[date, date]]]:
    """The days of [start, end) that have stored counts, and the runs [a, b) of consecutive days
    that do not (each is counted live in one window)."""
    have, runs, run_start, d = [], [], None, start.date()
    while d < end.date():
        if d in stored:
            have.append(d)
            if run_start is not None:
                runs.append((run_start, d))
                run_start = None
        elif run_start is None:
            run_start = d
        d += _DAY
    if run_start is not None:
        runs.append((run_start, end.date()))
    return have, runs


def read_stored(conn: Connection, *, start: datetime, end: datetime, now: datetime, limits: Limits,
                required: dict[str, int], horizon: datetime | None) -> dict[date, dict]:
    """The stored counts of the days of [start, end) that are settled for `now`."""
    last = last_settled_day(now, limits, horizon)
    if last is None or start.date() > last:
        return {}
    rows = conn.execute(sa.select(day_counts.c.day, day_counts.c.counts).where(
        day_counts.c.day >= start.date(), day_counts.c.day <= min(last, end.date() - _DAY),
        day_counts.c.params == params_key(limits, required)))
    return {as_date(d): json.loads(c) for d, c in rows}


def month_counts_for(conn: Connection, *, month: str, now: datetime, limits: Limits,
                     required: dict[str, int], period: tuple[datetime, datetime]) -> tuple[pd.DataFrame, dict]:
    """(queries.assessment.indicator_counts of the month, queries.three_rates.district_counts of
    the 三率 `period` (end inclusive, whole days)) as of `now`."""
    start, end = assessment_queries.month_bounds(month)
    p_start, p_end = period[0], period[1] + timedelta(seconds=1)
    horizon = data_horizon(conn)
    # one read of the stored days covers the month and the 三率 period (they overlap)
    stored = read_stored(conn, start=min(start, p_start), end=max(end, p_end), now=now, limits=limits,
                         required=required, horizon=horizon)
    counts = window(conn, start=start, end=end, now=now, limits=limits, required=required, stored=stored)
    if (p_start, p_end) == (start, end):
        three = counts[THREE_RATES_KEY]
    else:
        three = _three_rates_window(conn, p_start, p_end, stored)
    return assessment_queries.counts_frame(counts), dict(three)


def _three_rates_window(conn: Connection, start: datetime, end: datetime, stored: dict[date, dict]) -> dict:
    """三率 counts of [start, end): stored days, the rest from queries.three_rates (no clocks)."""
    total = {f: 0 for f in THREE_RATES_FIELDS}
    have, runs = _split(start, end, stored)
    for d in have:
        for f in THREE_RATES_FIELDS:
            total[f] += int(stored[d][THREE_RATES_KEY][f])
    for a, b in runs:
        part = three_rates_queries.district_counts(conn, start=_midnight(a), end=_midnight(b) - timedelta(seconds=1))
        for f in THREE_RATES_FIELDS:
            total[f] += int(part[f])
    return total


def invalidate_since(conn: Connection, since) -> None:
    """Drop the stored counts of the day of `since` (a date or datetime) and every later one."""
    if since is not None:
        day = since.date() if isinstance(since, datetime) else since
        conn.execute(day_counts.delete().where(day_counts.c.day >= day))


def invalidate_all(conn: Connection) -> None:
    conn.execute(day_counts.delete())


def earliest_for_tickets(conn: Connection, ticket_nos) -> datetime | None:
    """The earliest receipt or event-clock start of these tickets (after a write: the days their
    counts can have changed in start there)."""
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


def refill(conn: Connection, now: datetime | None = None) -> int:
    """Count and store every settled day that has tickets and no row for its rules' limits;
    returns how many were stored. Runs in the writer's transaction."""
    now = now or datetime.now()
    horizon = data_horizon(conn)
    first = conn.execute(sa.select(sa.func.min(ticket_facts.c.received_at))).scalar()
    if first is None:
        return 0
    have = {(as_date(d), p) for d, p in conn.execute(sa.select(day_counts.c.day, day_counts.c.params))}
    days_with_tickets = _days_with_tickets(conn, _dt(first).date(), now.date())
    by_month: dict[str, tuple] = {}
    wanted: list[tuple[date, str]] = []
    for d in sorted(days_with_tickets):
        month = f"{d:%Y-%m}"
        if month not in by_month:
            rules = rules_for_month(conn, month)
            limits, required = rules.limits(), rules.required_heads()
            by_month[month] = (limits, required, params_key(limits, required), due_versions(conn, limits),
                               last_settled_day(now, limits, horizon))
        key, last = by_month[month][2], by_month[month][4]
        if last is None or d > last or (d, key) in have:
            continue
        wanted.append((d, month))
    stored = 0
    # runs of consecutive wanted days within one month (one rules version) are counted together
    for month, run in _runs(wanted):
        limits, required, key, dv, _ = by_month[month]
        counted = _live_days(conn, run[0], run[-1] + _DAY, now, limits, required, dv)
        conn.execute(day_counts.delete().where(day_counts.c.day >= run[0], day_counts.c.day <= run[-1]))
        conn.execute(day_counts.insert(), [
            {"day": d, "params": key, "computed_at": now.replace(microsecond=0),
             "counts": json.dumps(counted[d], sort_keys=True)} for d in run])
        stored += len(run)
    return stored


def _runs(wanted: list[tuple[date, str]]) -> list[tuple[str, list[date]]]:
    """Sorted (day, month) pairs as runs of consecutive days of one month."""
    runs: list[tuple[str, list[date]]] = []
    for d, month in wanted:
        if runs and runs[-1][0] == month and runs[-1][1][-1] + _DAY == d:
            runs[-1][1].append(d)
        else:
            runs.append((month, [d]))
    return runs


def _days_with_tickets(conn: Connection, first: date, last: date) -> set[date]:
    """The days that received tickets, from the daily rollup (one row per day and street …)."""
    days = {as_date(d) for (d,) in conn.execute(sa.select(rollup_daily.c.day).distinct().where(
        rollup_daily.c.day >= first, rollup_daily.c.day <= last))}
    if not days:   # rollups not built yet (tests that write facts directly)
        days = {as_date(d) for (d,) in conn.execute(sa.select(ticket_facts.c.received_day).distinct().where(
            ticket_facts.c.received_day >= first, ticket_facts.c.received_day <= last))}
    return days


def _dt(x) -> datetime:
    if isinstance(x, datetime):
        return x
    if isinstance(x, date):
        return datetime(x.year, x.month, x.day)
    return datetime.fromisoformat(str(x))
