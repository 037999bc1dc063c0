"""Counts behind the vendor monthly assessment: numerator and denominator per indicator.

Everything is seen as of `now` (a bound parameter): events, shifts and reports after it do not
exist, and the days of the month that count are those up to `now`. A clock that has completed by
`now` is judged by comparing timestamps (`done <= add_seconds(start, limit)`), exact to the
microsecond on both engines; a clock not completed by `now` is late once `now` is past its limit
and is left out of both counts while its limit is still running.

Event order is (at, id): that is the order the lifecycle derivation reads events in, so "the
latest REPLY before a CLOSE" means the same thing here and there when timestamps tie.

The scoring of these counts is pure Python (domain.scoring); only the counting is SQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Limits
from domain.vocabulary import INDICATOR_LABELS, URGENT
from queries.schema import event_clocks, manual_items, reports, shifts, staff, ticket_events, ticket_facts, tickets
from queries.sql import add_seconds, as_date, count_if, day_of

INDICATOR_KEYS = list(INDICATOR_LABELS)   # contract order
INDICATOR_COUNTS_COLUMNS = ["key", "numerator", "denominator"]

# the limits (fields of domain.rules.Limits) these counts read; the caller passes them from the
# month's rules version
LIMIT_KEYS = ("sign", "dispatch", "dispatch_urgent", "return_request", "qc", "verify")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month 'YYYY-MM'."""
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def month_has_data(conn: Connection, month: str, now: datetime) -> bool:
    """Whether anything was recorded for the month up to `now`: a ticket received, a ticket event,
    a shift, a report due or a manual item (加扣分, 一票否决). A month with none of these is a gap in
    the data, not a month of performance (docs/assessment.md, months without data)."""
    start, end = month_bounds(month)
    last = min(end, now + timedelta(microseconds=1))   # `<= now` within the month
    if last <= start:
        return False
    lo, hi = _ts(start, "start"), _ts(last, "last")
    probes = [
        sa.select(tickets.c.ticket_no).where(tickets.c.received_at >= lo, tickets.c.received_at < hi),
        sa.select(ticket_events.c.id).where(ticket_events.c.at >= lo, ticket_events.c.at < hi),
        sa.select(shifts.c.staff_no).where(shifts.c.day >= start.date(), shifts.c.day <= (last - timedelta(
            microseconds=1)).date()),
        sa.select(reports.c.report_no).where(reports.c.due_at >= lo, reports.c.due_at < hi),
        sa.select(manual_items.c.id).where(manual_items.c.month == month),
    ]
    return any(conn.execute(probe.limit(1)).first() is not None for probe in probes)


def _ts(value: datetime, name: str):
    return sa.bindparam(name, value, type_=sa.DateTime())


def _before(a, b):
    """Event a precedes event b in (at, id) order."""
    return sa.or_(a.c.at < b.c.at, sa.and_(a.c.at == b.c.at, a.c.id < b.c.id))


def _has_event(ticket_col, actions, now, *, extra=()):
    e = ticket_events.alias()
    return sa.exists().where(e.c.ticket_no == ticket_col, e.c.action.in_(actions), e.c.at <= now,
                             *extra).correlate_except(e)


def _grouped(conn, stmt, day, by_day: bool) -> dict:
    """{None: row} of an ungrouped count, or {date: row} per value of `day` (days without rows
    are absent: their counts are zero)."""
    if not by_day:
        return {None: conn.execute(stmt).mappings().one()}
    rows = conn.execute(stmt.add_columns(day.label("day")).group_by(day)).mappings()
    return {as_date(r["day"]): r for r in rows}


def _ticket_counts(conn, start, end, now, limits, due_versions=(), by_day=False) -> dict:
    tf = ticket_facts
    in_month = sa.and_(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)

    def due(stored, seconds):
        """received_at + seconds; facts derived under rules with these very limits hold it already
        (date arithmetic on every row was most of this query's time on SQLite)."""
        computed = add_seconds(tf.c.received_at, seconds)
        if not due_versions:
            return computed
        versions: sa.BindParameter[list[int]] = sa.bindparam("due_versions", list(due_versions), expanding=True)
        return sa.case((tf.c.rules_version_id.in_(versions), stored), else_=computed)

    def by_now(col):
        return sa.and_(col.is_not(None), col <= now)

    # sign: first SIGN (all events) counts only when it happened by `now`
    sign_due = due(tf.c.sign_due_at, limits.sign)
    signed = by_now(tf.c.signed_at)
    sign_ok = sa.and_(signed, tf.c.signed_at <= sign_due)
    sign_counted = sa.or_(signed, sign_due < now)

    # dispatch: tickets without any RETURN_REQUEST by `now` (the first one is in the facts)
    dispatch_limit = sa.case((tf.c.urgency == URGENT, limits.dispatch_urgent), else_=limits.dispatch)
    dispatch_due = due(tf.c.dispatch_due_at, dispatch_limit)
    requested = by_now(tf.c.first_return_request_at)
    no_rr = ~requested
    dispatched = by_now(tf.c.dispatched_at)
    dispatch_ok = sa.and_(no_rr, dispatched, tf.c.dispatched_at <= dispatch_due)
    dispatch_counted = sa.and_(no_rr, sa.or_(dispatched, dispatch_due < now))

    # accuracy: dispatched tickets, the good ones have no REDISPATCH by `now`
    no_redispatch = ~by_now(tf.c.first_redispatch_at)

    # return request: only tickets that have one (nobody knows which others would)
    rr_due = due(tf.c.return_request_due_at, limits.return_request)
    approved = by_now(tf.c.return_approved_at)
    decided = sa.or_(approved, by_now(tf.c.return_rejected_at))

    stmt = sa.select(
        count_if(sign_ok).label("sign_num"), count_if(sign_counted).label("sign_den"),
        count_if(dispatch_ok).label("dispatch_num"), count_if(dispatch_counted).label("dispatch_den"),
        count_if(sa.and_(dispatched, no_redispatch)).label("acc_num"), count_if(dispatched).label("acc_den"),
        count_if(sa.and_(requested, tf.c.first_return_request_at <= rr_due)).label("rr_num"),
        count_if(requested).label("rr_den"),
        count_if(approved).label("ra_num"), count_if(decided).label("ra_den"),
    ).where(in_month)
    return {d: {
        "sign_on_time_rate": (r["sign_num"], r["sign_den"]),
        "dispatch_on_time_rate": (r["dispatch_num"], r["dispatch_den"]),
        "dispatch_accuracy": (r["acc_num"], r["acc_den"]),
        "return_on_time_rate": (r["rr_num"], r["rr_den"]),
        "return_accuracy": (r["ra_num"], r["ra_den"]),
    } for d, r in _grouped(conn, stmt, tf.c.received_day, by_day).items()}


def _clocks_in(kind: str, start, end, now):
    ec = event_clocks
    return sa.and_(ec.c.kind == kind, ec.c.at >= start, ec.c.at < end, ec.c.at <= now)


def _close_counts(conn, start, end, now, by_day=False) -> dict:
    """CLOSE events in M (tickets received in any month): covered by QC (the latest REPLY/QC_PASS/
    QC_REJECT before the CLOSE is a QC_PASS), escaped (the REOPEN answering it, by `now`, is the
    city's QC) — both decided per event in domain.lifecycle.event_clocks."""
    ec = event_clocks
    stmt = sa.select(
        sa.func.count().label("closes"), count_if(ec.c.flag).label("covered"),
        count_if(sa.and_(ec.c.ref_at.is_not(None), ec.c.ref_at <= now)).label("escaped"),
    ).where(_clocks_in("close", start, end, now))
    return {d: {"qc_coverage": (r["covered"], r["closes"]), "qc_escape_rate": (r["escaped"], r["closes"])}
            for d, r in _grouped(conn, stmt, day_of(ec.c.at), by_day).items()}


def _qc_counts(conn, start, end, now, limits, by_day=False) -> dict:
    """QC events in M judged against the ticket's latest REPLY before each of them."""
    ec = event_clocks
    stmt = sa.select(
        count_if(ec.c.at <= add_seconds(ec.c.ref_at, limits.qc)).label("num"),
        count_if(ec.c.ref_at.is_not(None)).label("den"),
    ).where(_clocks_in("qc", start, end, now))
    return {d: {"qc_on_time_rate": (r["num"], r["den"])}
            for d, r in _grouped(conn, stmt, day_of(ec.c.at), by_day).items()}


def _verify_counts(conn, start, end, now, limits, by_day=False) -> dict:
    """VERIFY_ASSIGN in M: done in time when the first VERIFY_DONE at or after it is within the
    limit and by `now`; counted once done in time or past its limit."""
    ec = event_clocks
    due = add_seconds(ec.c.at, limits.verify)
    done_in_time = sa.and_(ec.c.ref_at.is_not(None), ec.c.ref_at <= due, ec.c.ref_at <= now)
    stmt = sa.select(
        count_if(done_in_time).label("num"),
        count_if(sa.or_(done_in_time, due < now)).label("den"),
    ).where(_clocks_in("verify", start, end, now))
    return {d: {"verify_on_time_rate": (r["num"], r["den"])}
            for d, r in _grouped(conn, stmt, day_of(ec.c.at), by_day).items()}


def _report_counts(conn, start, end, now, by_day=False) -> dict:
    rp = reports
    on_time = sa.and_(rp.c.delivered_at.is_not(None), rp.c.delivered_at <= rp.c.due_at, rp.c.delivered_at <= now)
    stmt = sa.select(count_if(on_time).label("num"), sa.func.count().label("den")).where(
        rp.c.due_at >= start, rp.c.due_at < end, rp.c.due_at <= now)
    return {d: {"report_on_time_rate": (r["num"], r["den"])}
            for d, r in _grouped(conn, stmt, day_of(rp.c.due_at), by_day).items()}


def _days(start: datetime, end: datetime, now: datetime) -> list[date]:
    last = min((end - timedelta(days=1)).date(), now.date())
    days, d = [], start.date()
    while d <= last:
        days.append(d)
        d += timedelta(days=1)
    return days


def _shift_counts(conn, start, end, now, by_day=False) -> dict:
    s = shifts
    first, last = start.date(), min((end - timedelta(days=1)).date(), now.date())
    stmt = sa.select(count_if(s.c.present).label("num"), sa.func.count().label("den")).where(
        s.c.day >= sa.bindparam("first_day", first, type_=sa.Date()),
        s.c.day <= sa.bindparam("last_day", last, type_=sa.Date()))
    return {d: {"attendance_rate": (r["num"], r["den"])} for d, r in _grouped(conn, stmt, s.c.day, by_day).items()}


def staffing_pairs_and_heads(days, required: dict[str, int]):
    """The (role, day, required) pairs of staffing_compliance (docs/assessment.md) as bound rows, and the
    active head count per pair (hired on or before the day, not yet left) as a correlated count.
    Shared by the indicator and its evidence so both read one definition."""
    # one VALUES list as a CTE (a UNION ALL of 200 one-row SELECTs cost more to plan than to run;
    # SQLite takes column names on a CTE, not on a VALUES alias)
    pairs = sa.values(sa.column("role", sa.String()), sa.column("day", sa.Date()),
                      sa.column("required", sa.Integer()), name="pairs").data(
        [(role, d, int(n)) for role, n in sorted(required.items()) for d in days]).cte("pairs")
    heads = (sa.select(sa.func.count()).select_from(staff)
             .where(staff.c.role == pairs.c.role, staff.c.hired_on.is_not(None), staff.c.hired_on <= pairs.c.day,
                    sa.or_(staff.c.left_on.is_(None), staff.c.left_on > pairs.c.day))
             .scalar_subquery())
    return pairs, heads


def _staffing_counts(conn, start, end, now, required: dict[str, int], by_day=False) -> dict:
    days = _days(start, end, now)
    if not days or not required:
        return {} if by_day else {None: {"staffing_compliance": (0, 0)}}
    pairs, heads = staffing_pairs_and_heads(days, required)
    stmt = sa.select(count_if(heads >= pairs.c.required).label("num"), sa.func.count().label("den")) \
        .select_from(pairs)
    return {d: {"staffing_compliance": (r["num"], r["den"])} for d, r in _grouped(conn, stmt, pairs.c.day, by_day).items()}


def _counts_by(conn: Connection, *, start, end, now, limits, required, due_versions, by_day: bool) -> list[dict]:
    now_p = _ts(now, "now")
    start_p, end_p = _ts(start, "month_start"), _ts(end, "month_end")
    return [
        _ticket_counts(conn, start_p, end_p, now_p, limits, due_versions, by_day),
        _close_counts(conn, start_p, end_p, now_p, by_day),
        _qc_counts(conn, start_p, end_p, now_p, limits, by_day),
        _verify_counts(conn, start_p, end_p, now_p, limits, by_day),
        _report_counts(conn, start_p, end_p, now_p, by_day),
        _shift_counts(conn, start, end, now, by_day),
        _staffing_counts(conn, start, end, now, required, by_day),
    ]


def _ints(counts: dict) -> dict[str, tuple[int, int]]:
    return {k: (int(counts[k][0] or 0), int(counts[k][1] or 0)) for k in INDICATOR_KEYS}


def window_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime, limits: Limits,
                  required: dict[str, int], due_versions: list[int] | tuple = ()) -> dict[str, tuple[int, int]]:
    """{indicator key: (numerator, denominator)} of the clocks, reports, shifts and staffing days
    that start in [start, end), as of `now`. Every count is a sum over those starts, so the
    counts of consecutive windows add up to those of their union (a month = its days)."""
    counts: dict[str, tuple] = {}
    for part in _counts_by(conn, start=start, end=end, now=now, limits=limits, required=required,
                           due_versions=due_versions, by_day=False):
        counts.update(part[None])
    return _ints(counts)


def window_counts_by_day(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                         limits: Limits, required: dict[str, int],
                         due_versions: list[int] | tuple = ()) -> dict[date, dict[str, tuple[int, int]]]:
    """window_counts of each day of [start, end) (midnights), from one grouped pass per count:
    {day: {indicator key: (numerator, denominator)}}, every day present."""
    zero = dict.fromkeys(INDICATOR_KEYS, (0, 0))
    out, d = {}, start.date()
    while d < end.date():
        out[d] = dict(zero)
        d += timedelta(days=1)
    for part in _counts_by(conn, start=start, end=end, now=now, limits=limits, required=required,
                           due_versions=due_versions, by_day=True):
        for day, counts in part.items():
            out[day].update(counts)
    return {day: _ints(c) for day, c in out.items()}


def counts_frame(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """INDICATOR_COUNTS_COLUMNS rows in contract order."""
    return pd.DataFrame([(k, int(counts[k][0]), int(counts[k][1])) for k in INDICATOR_KEYS],
                        columns=INDICATOR_COUNTS_COLUMNS)


def indicator_counts(conn: Connection, *, month: str, now: datetime, limits: Limits,
                     required: dict[str, int], due_versions: list[int] | tuple = ()) -> pd.DataFrame:
    """One row per indicator of the monthly assessment, in contract order.

    key (str) · numerator (int) · denominator (int). For dispatch_accuracy the numerator counts
    the dispatched tickets without a REDISPATCH; for qc_escape_rate it counts the escapes
    (lower is better). `limits`: the month's rules version's; `required`: heads per 岗位; `due_versions`:
    rules versions whose sign/dispatch/return-request limits equal `limits` (their facts' due
    columns are used as they are).
    """
    start, end = month_bounds(month)
    return counts_frame(window_counts(conn, start=start, end=end, now=now, limits=limits, required=required,
                                      due_versions=due_versions))
