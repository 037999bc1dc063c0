"""Per-staff measures (docs/staff.md): what each person did in a period, attributed by the 工号 on
the event (reports by their 工号, shifts by theirs).

All counting is SQL. A period is [start, end); only events, reports and shifts at or before `now`
exist. Clock verdicts compare timestamps exactly: the stored due times of ticket_facts for sign,
dispatch and return requests, `add_seconds(start, limit)` for QC and verification. A verification
clock still running at `now` is left out of numerator and denominator (docs/lifecycle.md, clocks still running).

Event order is (at, id), as in the lifecycle derivation: "a REDISPATCH after the DISPATCH" is
later in that order, so two events in the same second still have a before and an after.

Limits are the caller's rules version's (domain.rules.Limits); without them, the contract defaults.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Limits, Rules
from domain.vocabulary import (
    ANALYST,
    CITY_QC_REASONS,
    DISPATCHER,
    QC,
    RETURNER,
    SHIFT_HOURS,
    SHIFT_START_HOUR,
    SHIFTS,
    STAFF_ROLES,
    VERIFIED_NOT_TRUE,
    VERIFIER,
)
from queries.schema import reports, shifts, staff, ticket_events, ticket_facts
from queries.sql import add_seconds, count_if, day_of, hour_of, one_if, seconds_between, shift_of_hour, tuples

ROLES = STAFF_ROLES   # the roles measured here (COUNTS), in contract order

PERSON_COLUMNS = ["staff_no", "name", "team"]
SHIFT_COLUMNS = ["planned_shifts", "attended_shifts"]
ROLE_COLUMNS = {
    DISPATCHER: ["signed", "signed_on_time", "sign_on_time_share", "dispatched", "dispatch_judged",
                 "dispatched_on_time", "dispatch_on_time_share", "median_sign_minutes",
                 "median_dispatch_minutes", "wrong_dispatches", "urges"],
    RETURNER: ["requests", "requests_on_time", "on_time_share", "decided", "approved", "approved_share"],
    QC: ["reviews", "rejects", "reject_share", "qc_judged", "qc_on_time", "on_time_share", "escapes"],
    VERIFIER: ["assigned", "verify_judged", "done_on_time", "on_time_share", "done", "not_true_findings"],
    ANALYST: ["reports_due", "reports_on_time", "on_time_share", "reports_with_errors"],
}
# (sample column, numerator, denominator) deciding rank; fewer than MIN_SAMPLE actions: not ranked
RANK_BASIS = {
    DISPATCHER: ("dispatched", "dispatched_on_time", "dispatch_judged"),
    RETURNER: ("requests", "requests_on_time", "requests"),
    QC: ("reviews", "qc_on_time", "qc_judged"),
    VERIFIER: ("assigned", "done_on_time", "verify_judged"),
    ANALYST: ("reports_due", "reports_on_time", "reports_due"),
}
# the errors that lower a person's rank (domain.staffing.rank_score), per role
RANK_ERRORS = {DISPATCHER: "wrong_dispatches", QC: "escapes", ANALYST: "reports_with_errors"}
SHARES = {  # share column → (numerator, denominator)
    "sign_on_time_share": ("signed_on_time", "signed"),
    "dispatch_on_time_share": ("dispatched_on_time", "dispatch_judged"),
    "approved_share": ("approved", "decided"),
    "reject_share": ("rejects", "reviews"),
}
ROLE_SHARE = {RETURNER: ("requests_on_time", "requests"), QC: ("qc_on_time", "qc_judged"),
              VERIFIER: ("done_on_time", "verify_judged"), ANALYST: ("reports_on_time", "reports_due")}


def _ts(value: datetime, name: str):
    return sa.bindparam(name, value, type_=sa.DateTime())


def _exists(alias, *conds):
    """EXISTS over one events alias, correlated to every enclosing query (also two levels up)."""
    return sa.select(sa.literal(1)).select_from(alias).where(*conds).correlate_except(alias).exists()


def _after(a, b):
    """Event a follows event b in (at, id) order."""
    return sa.or_(a.c.at > b.c.at, sa.and_(a.c.at == b.c.at, a.c.id > b.c.id))


def _in_period(e, start, end, now):
    return sa.and_(e.c.at >= _ts(start, "p_start"), e.c.at < _ts(end, "p_end"), e.c.at <= _ts(now, "p_now"))


def _frame(conn: Connection, stmt, columns: list[str], keys: int = 1) -> pd.DataFrame:
    """The rows of a (key…, count, count, …) query: the first `keys` columns as object, the counts
    as int64 — built column by column (a hundred rows; pandas' per-column conversions cost more
    than the query)."""
    rows = conn.execute(stmt).all()
    data = {c: pd.Series([r[i] for r in rows], dtype=object) for i, c in enumerate(columns[:keys])}
    for i, c in enumerate(columns[keys:], start=keys):
        data[c] = np.fromiter((int(r[i]) for r in rows), dtype=np.int64, count=len(rows))
    return pd.DataFrame(data, columns=columns)


# role_counts(by_shift=True): one more key column, the shift on duty at the counted moment
SHIFT_KEY = "shift"


def _keys(staff_no, at, by_shift: bool) -> list:
    """The GROUP BY of a per-工号 count, per shift on duty at `at` as well with by_shift (the shifts
    split the calendar day, so a day's counts are the sums of its shifts' counts)."""
    return [staff_no, shift_of_hour(hour_of(at)).label(SHIFT_KEY)] if by_shift else [staff_no]


def _key_names(by_shift: bool) -> list[str]:
    return ["staff_no", SHIFT_KEY] if by_shift else ["staff_no"]


def shift_sums(split: pd.DataFrame) -> dict[str, dict[str, int]]:
    """role_counts(by_shift=True) → {shift: each count column's sum over every 工号 of that shift}
    (a shift's group line), every shift of SHIFTS."""
    counted = [c for c in split.columns if c not in ("staff_no", SHIFT_KEY)]
    shift = split[SHIFT_KEY].to_numpy(dtype=object)
    arrays = {c: split[c].to_numpy(dtype=np.int64) for c in counted}
    return {name: {c: int(a[shift == name].sum()) for c, a in arrays.items()} for name in SHIFTS}


def summed_shifts(split: pd.DataFrame) -> pd.DataFrame:
    """The period's role_counts from role_counts(by_shift=True) of a period of whole calendar days:
    one row per 工号 in 工号 order (a hundred rows: sums by position, not a pandas group-by)."""
    counted = [c for c in split.columns if c not in ("staff_no", SHIFT_KEY)]
    staff_nos = split["staff_no"].tolist()
    order = sorted(set(staff_nos), key=lambda k: (k is None, k or ""))
    at = {k: i for i, k in enumerate(order)}
    rows = np.fromiter((at[k] for k in staff_nos), dtype=np.int64, count=len(staff_nos))
    sums = {}
    for c in counted:
        total = np.zeros(len(order), dtype=np.int64)
        np.add.at(total, rows, split[c].to_numpy(dtype=np.int64))
        sums[c] = total
    return _counts_frame(np.array(order, dtype=object), sums)


def _counts_frame(staff_nos: np.ndarray, counts: dict[str, np.ndarray]) -> pd.DataFrame:
    """A per-工号 count frame (staff_no as object, the counts as int64) from its arrays."""
    return pd.DataFrame({"staff_no": pd.Series(staff_nos, dtype=object), **counts}, columns=["staff_no", *counts])


def column_sums(counts: pd.DataFrame) -> dict[str, int]:
    """Each count column's sum over every 工号 (a group's line)."""
    return {c: int(counts[c].to_numpy(dtype=np.int64).sum()) for c in counts.columns if c != "staff_no"}


def _staff_filter(e, staff_no: str | None):
    return sa.true() if staff_no is None else e.c.staff_no == staff_no


# --- per-role counts by 工号 (all 工号 with events, including '' for events without staff) ---------

def dispatcher_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                      staff_no: str | None = None, by_shift: bool = False) -> pd.DataFrame:
    """staff_no · signed · signed_on_time · dispatched · dispatch_judged (tickets without a return
    request by `now`, as the contract's 派单及时率) · dispatched_on_time · wrong_dispatches (a
    REDISPATCH of the ticket follows this DISPATCH by `now`) · urges"""
    e, tf, r = ticket_events.alias("e"), ticket_facts, ticket_events.alias("r")
    now_p = _ts(now, "p_now")
    redispatched = _exists(r, r.c.ticket_no == e.c.ticket_no, r.c.action == "REDISPATCH",
                                     _after(r, e), r.c.at <= now_p)
    no_return = sa.or_(tf.c.first_return_request_at.is_(None), tf.c.first_return_request_at > now_p)
    is_sign, is_disp = e.c.action == "SIGN", e.c.action == "DISPATCH"
    keys = _keys(e.c.staff_no, e.c.at, by_shift)
    stmt = (
        sa.select(
            *keys,
            count_if(is_sign), count_if(sa.and_(is_sign, e.c.at <= tf.c.sign_due_at)),
            count_if(is_disp), count_if(sa.and_(is_disp, no_return)),
            count_if(sa.and_(is_disp, no_return, e.c.at <= tf.c.dispatch_due_at)),
            count_if(sa.and_(is_disp, redispatched)),
            count_if(e.c.action == "URGE"),
        )
        .select_from(e.join(tf, tf.c.ticket_no == e.c.ticket_no))
        .where(e.c.action.in_(["SIGN", "DISPATCH", "URGE"]), _in_period(e, start, end, now),
               _staff_filter(e, staff_no))
        .group_by(*keys)
    )
    return _frame(conn, stmt, [*_key_names(by_shift), "signed", "signed_on_time", "dispatched", "dispatch_judged",
                               "dispatched_on_time", "wrong_dispatches", "urges"], keys=len(keys))


def _median_minutes(conn: Connection, lags, *, by_staff: bool) -> dict[str, float]:
    """Median of a (staff_no, secs) subquery per 工号 (or overall under key ''), in minutes.

    Window functions keep it in SQL on both engines: the middle row (odd n) or the mean of the
    two middle rows (even n) of each partition.
    """
    key = lags.c.staff_no if by_staff else sa.literal("").label("staff_no")
    part = [lags.c.staff_no] if by_staff else []
    ranked = sa.select(
        key.label("k"), lags.c.secs,
        sa.func.row_number().over(partition_by=part or None, order_by=lags.c.secs).label("rn"),
        sa.func.count().over(partition_by=part or None).label("n"),
    ).subquery()
    stmt = (sa.select(ranked.c.k, sa.func.avg(ranked.c.secs))
            .where(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)
            .group_by(ranked.c.k))
    return {k: float(v) / 60 for k, v in conn.execute(stmt).all()}


def dispatcher_medians(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                       by_staff: bool = True) -> pd.DataFrame:
    """staff_no · median_sign_minutes · median_dispatch_minutes (received → that person's SIGN /
    DISPATCH). With by_staff=False one row with staff_no ''."""
    e, tf = ticket_events.alias("e"), ticket_facts
    out = {}
    for action, col in (("SIGN", "median_sign_minutes"), ("DISPATCH", "median_dispatch_minutes")):
        lags = (sa.select(e.c.staff_no, seconds_between(tf.c.received_at, e.c.at).label("secs"))
                .select_from(e.join(tf, tf.c.ticket_no == e.c.ticket_no))
                .where(e.c.action == action, _in_period(e, start, end, now))).subquery()
        out[col] = _median_minutes(conn, lags, by_staff=by_staff)
    keys = sorted(set(out["median_sign_minutes"]) | set(out["median_dispatch_minutes"]))
    return pd.DataFrame({"staff_no": pd.Series(keys, dtype=object),
                         "median_sign_minutes": [out["median_sign_minutes"].get(k) for k in keys],
                         "median_dispatch_minutes": [out["median_dispatch_minutes"].get(k) for k in keys]},
                        columns=["staff_no", "median_sign_minutes", "median_dispatch_minutes"]).astype(
        {"median_sign_minutes": "float64", "median_dispatch_minutes": "float64"})


def returner_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                    staff_no: str | None = None, by_shift: bool = False) -> pd.DataFrame:
    """staff_no · requests · requests_on_time (at or before the ticket's return-request due time) ·
    decided (the city decided after this request, by `now`) · approved (that first decision is
    RETURN_APPROVED)"""
    e, tf = ticket_events.alias("e"), ticket_facts
    d, d2 = ticket_events.alias("d"), ticket_events.alias("d2")
    now_p = _ts(now, "p_now")
    decided = _exists(d, d.c.ticket_no == e.c.ticket_no,
                                d.c.action.in_(["RETURN_APPROVED", "RETURN_REJECTED"]), _after(d, e), d.c.at <= now_p)
    rejected_between = _exists(d2, d2.c.ticket_no == e.c.ticket_no, d2.c.action == "RETURN_REJECTED",
                                         _after(d2, e), sa.or_(d2.c.at < d.c.at, sa.and_(d2.c.at == d.c.at, d2.c.id < d.c.id)))
    approved = _exists(d, d.c.ticket_no == e.c.ticket_no, d.c.action == "RETURN_APPROVED",
                                 _after(d, e), d.c.at <= now_p, ~rejected_between)
    keys = _keys(e.c.staff_no, e.c.at, by_shift)
    stmt = (
        sa.select(*keys, sa.func.count(),
                  count_if(e.c.at <= tf.c.return_request_due_at), count_if(decided), count_if(approved))
        .select_from(e.join(tf, tf.c.ticket_no == e.c.ticket_no))
        .where(e.c.action == "RETURN_REQUEST", _in_period(e, start, end, now), _staff_filter(e, staff_no))
        .group_by(*keys)
    )
    return _frame(conn, stmt, [*_key_names(by_shift), "requests", "requests_on_time", "decided", "approved"],
                  keys=len(keys))


def _qc_rows(start, end, now, staff_no=None, dialect: str = ""):
    """One row per QC event of the period: staff_no, action, on-time verdict inputs, escape flag."""
    e, r = ticket_events.alias("e"), ticket_events.alias("r")
    ro, p2 = ticket_events.alias("ro"), ticket_events.alias("p2")
    now_p = _ts(now, "p_now")
    latest_reply = (sa.select(sa.func.max(r.c.at))
                    .where(r.c.ticket_no == e.c.ticket_no, r.c.action == "REPLY", r.c.at <= e.c.at)
                    .scalar_subquery())
    passed_again = _exists(p2, p2.c.ticket_no == e.c.ticket_no, p2.c.action == "QC_PASS", _after(p2, e),
                                     sa.or_(p2.c.at < ro.c.at, sa.and_(p2.c.at == ro.c.at, p2.c.id < ro.c.id)))
    escaped = _exists(ro, ro.c.ticket_no == e.c.ticket_no, ro.c.action == "REOPEN",
                                ro.c.detail.in_(CITY_QC_REASONS), _after(ro, e), ro.c.at <= now_p, ~passed_again)
    rows = (sa.select(e.c.staff_no, e.c.action, e.c.at, latest_reply.label("reply_at"),
                      one_if(sa.and_(e.c.action == "QC_PASS", escaped)).label("escaped"))
            .where(e.c.action.in_(["QC_PASS", "QC_REJECT"]), _in_period(e, start, end, now),
                   _staff_filter(e, staff_no)))
    if dialect == "postgresql":
        # computed once: PostgreSQL inlines the subquery and ran the reply look-up once per use of
        # reply_at in the aggregates (three times per QC event); SQLite is faster inlined
        return rows.cte("qc_rows").prefix_with("MATERIALIZED")
    return rows.subquery()


def _limits_or_default(limits: Limits | None) -> Limits:
    return limits if limits is not None else Rules.default().limits()


def qc_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime,
              limits: Limits | None = None, staff_no: str | None = None, by_shift: bool = False) -> pd.DataFrame:
    """staff_no · reviews (QC_PASS + QC_REJECT) · rejects · qc_judged (with a REPLY at or before) ·
    qc_on_time (within the QC limit of the latest such REPLY) · escapes (a QC_PASS followed by a
    REOPEN city_qc with no other QC_PASS in between, by `now`)"""
    lim = _limits_or_default(limits)
    q = _qc_rows(start, end, now, staff_no, conn.dialect.name)
    keys = _keys(q.c.staff_no, q.c.at, by_shift)
    stmt = (sa.select(*keys, sa.func.count(), count_if(q.c.action == "QC_REJECT"),
                      count_if(q.c.reply_at.is_not(None)),
                      count_if(sa.and_(q.c.reply_at.is_not(None),
                                       q.c.at <= add_seconds(q.c.reply_at, sa.literal(lim.qc)))),
                      sa.func.coalesce(sa.func.sum(q.c.escaped), 0))
            .group_by(*keys))
    return _frame(conn, stmt, [*_key_names(by_shift), "reviews", "rejects", "qc_judged", "qc_on_time", "escapes"],
                  keys=len(keys))


def verifier_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                    limits: Limits | None = None, staff_no: str | None = None, by_shift: bool = False) -> pd.DataFrame:
    """staff_no · assigned (VERIFY_ASSIGN naming this 工号) · verify_judged (done by `now`, or the
    verification limit passed) · done_on_time (a VERIFY_DONE of the ticket within the limit, by
    `now`) · done (VERIFY_DONE by this 工号 in the period) · not_true_findings (those with outcome 不属实)"""
    lim = _limits_or_default(limits)
    e, dn = ticket_events.alias("e"), ticket_events.alias("dn")
    now_p = _ts(now, "p_now")
    due = add_seconds(e.c.at, sa.literal(lim.verify))
    done_in_time = _exists(dn, dn.c.ticket_no == e.c.ticket_no, dn.c.action == "VERIFY_DONE",
                                     dn.c.at >= e.c.at, dn.c.at <= due, dn.c.at <= now_p)
    keys, names = _keys(e.c.staff_no, e.c.at, by_shift), _key_names(by_shift)
    assigned = (sa.select(*keys, sa.func.count().label("assigned"),
                          count_if(sa.or_(done_in_time, now_p > due)).label("verify_judged"),
                          count_if(done_in_time).label("done_on_time"))
                .where(e.c.action == "VERIFY_ASSIGN", _in_period(e, start, end, now), _staff_filter(e, staff_no))
                .group_by(*keys))
    a = _frame(conn, assigned, [*names, "assigned", "verify_judged", "done_on_time"], keys=len(keys))
    done = (sa.select(*keys, sa.func.count(), count_if(e.c.detail == VERIFIED_NOT_TRUE))
            .where(e.c.action == "VERIFY_DONE", _in_period(e, start, end, now), _staff_filter(e, staff_no))
            .group_by(*keys))
    d = _frame(conn, done, [*names, "done", "not_true_findings"], keys=len(keys))
    out = pd.merge(a, d, on=names, how="outer").fillna(0)
    cols = ["assigned", "verify_judged", "done_on_time", "done", "not_true_findings"]
    return out.astype({c: "int64" for c in cols})[[*names, *cols]]


def analyst_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                   staff_no: str | None = None, by_shift: bool = False) -> pd.DataFrame:
    """staff_no · reports_due (due in the period, at or before `now`) · reports_on_time (delivered
    at or before due) · reports_with_errors"""
    rp = reports
    cond = [rp.c.due_at >= _ts(start, "p_start"), rp.c.due_at < _ts(end, "p_end"), rp.c.due_at <= _ts(now, "p_now")]
    if staff_no is not None:
        cond.append(rp.c.staff_no == staff_no)
    keys = _keys(rp.c.staff_no, rp.c.due_at, by_shift)
    stmt = (sa.select(*keys, sa.func.count(),
                      count_if(sa.and_(rp.c.delivered_at.is_not(None), rp.c.delivered_at <= rp.c.due_at,
                                      rp.c.delivered_at <= _ts(now, "p_now"))),
                      count_if(rp.c.has_error))
            .where(*cond).group_by(*keys))
    df = _frame(conn, stmt, [*_key_names(by_shift), "reports_due", "reports_on_time", "reports_with_errors"],
                keys=len(keys))
    df["staff_no"] = df["staff_no"].fillna("")
    return df


def shift_filter(start: datetime, end: datetime, now: datetime, table=shifts):
    """Shifts whose start lies in [start, end) and at or before `now` (later shifts do not exist yet)."""
    s = table
    if end - start == timedelta(hours=SHIFT_HOURS) and start.hour in SHIFT_START_HOUR.values():
        name = {v: k for k, v in SHIFT_START_HOUR.items()}[start.hour]
        return sa.and_(s.c.day == start.date(), s.c.shift == name, sa.literal(start <= now))
    started_today = [k for k, h in SHIFT_START_HOUR.items() if h <= now.hour]
    first = start.date() if start.time() == datetime.min.time() else start.date() + timedelta(days=1)
    last = (end - timedelta(microseconds=1)).date()
    return sa.and_(s.c.day >= first, s.c.day <= min(last, now.date()),
                   sa.or_(s.c.day < now.date(), s.c.shift.in_(started_today)))


def shift_counts(conn: Connection, *, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """staff_no · planned_shifts · attended_shifts"""
    stmt = (sa.select(shifts.c.staff_no, sa.func.count(), count_if(shifts.c.present))
            .where(shift_filter(start, end, now)).group_by(shifts.c.staff_no))
    return _frame(conn, stmt, ["staff_no", "planned_shifts", "attended_shifts"])


COUNTS = {DISPATCHER: dispatcher_counts, RETURNER: returner_counts, QC: qc_counts,
          VERIFIER: verifier_counts, ANALYST: analyst_counts}


def role_counts(conn: Connection, role: str, *, start: datetime, end: datetime, now: datetime,
                limits: Limits | None = None, staff_no: str | None = None, by_shift: bool = False) -> pd.DataFrame:
    """The role's per-工号 counts of [start, end) as of `now`; with by_shift per 工号 and shift on
    duty at the counted moment (a `shift` column after staff_no: shift_sums, summed_shifts)."""
    fn = COUNTS[role]
    kw = {"limits": limits} if role in (QC, VERIFIER) else {}
    return fn(conn, start=start, end=end, now=now, staff_no=staff_no, by_shift=by_shift, **kw)


def roster(conn: Connection, *, role: str | None, start: datetime, end: datetime,
           team: str | None = None) -> pd.DataFrame:
    """staff_no · name · team · role of the people employed at some point of [start, end)."""
    last_day = (end - timedelta(microseconds=1)).date()
    cond = [sa.or_(staff.c.hired_on.is_(None), staff.c.hired_on <= last_day),
            sa.or_(staff.c.left_on.is_(None), staff.c.left_on > start.date())]
    if role:
        cond.append(staff.c.role == role)
    if team:
        cond.append(staff.c.team == team)
    stmt = sa.select(staff.c.staff_no, staff.c.name, staff.c.team, staff.c.role).where(*cond).order_by(staff.c.staff_no)
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=["staff_no", "name", "team", "role"])


def staff_performance(conn: Connection | None, *, role: str, start: datetime, end: datetime, now: datetime,
                      team: str | None = None, limits: Limits | None = None,
                      counts: pd.DataFrame | None = None, people: pd.DataFrame | None = None,
                      shifts_worked: pd.DataFrame | None = None, medians: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per person of `role` (and 班组 `team`) employed in the period.

    staff_no · name · team · the role's ROLE_COLUMNS · planned_shifts · attended_shifts · sample
    (the actions the rank rests on). Shares are floats for display, None when the denominator is 0;
    every share sits next to its integer numerator and denominator.
    What the caller has read of the same period (then not read again; with all of them conn may be
    None): `counts` role_counts of the role and limits, `people` the roster of every role (and the
    team), `shifts_worked` shift_counts, `medians` dispatcher_medians (the dispatchers').
    """
    if people is None:
        people = roster(_needed(conn), role=role, start=start, end=end, team=team)
    people = people[people["role"] == role][PERSON_COLUMNS].reset_index(drop=True)
    if counts is None:
        counts = role_counts(_needed(conn), role, start=start, end=end, now=now, limits=limits)
    if shifts_worked is None:
        shifts_worked = shift_counts(_needed(conn), start=start, end=end, now=now)
    keys = people["staff_no"].tolist()
    # columns by 工号 look-ups, then one frame: a hundred people, five roles, every stand-up (a
    # pandas merge or column insert on such a frame costs more than the arithmetic)
    data: dict = {c: people[c] for c in PERSON_COLUMNS}
    data.update(_by_staff(keys, counts))
    data.update(_by_staff(keys, shifts_worked))
    if role == DISPATCHER:
        if medians is None:
            medians = dispatcher_medians(_needed(conn), start=start, end=end, now=now)
        at = {k: i for i, k in enumerate(medians["staff_no"].tolist())}
        rows = [at.get(k, -1) for k in keys]
        for col in ("median_sign_minutes", "median_dispatch_minutes"):
            values = medians[col].to_numpy(dtype=np.float64)
            data[col] = np.array([values[i] if i >= 0 else np.nan for i in rows], dtype=np.float64)
    for col, (num, den) in SHARES.items():
        if num in data:
            data[col] = _shares(data[num], data[den])
    if role in ROLE_SHARE:
        num, den = ROLE_SHARE[role]
        data["on_time_share"] = _shares(data[num], data[den])
    data["sample"] = data[RANK_BASIS[role][0]]
    columns = PERSON_COLUMNS + ROLE_COLUMNS[role] + SHIFT_COLUMNS + ["sample"]
    return pd.DataFrame({c: data[c] for c in columns}, columns=columns)


def _shares(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Display shares (float) next to their exact numerators and denominators; NaN when no data."""
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _needed(conn: Connection | None) -> Connection:
    """The connection for a figure the caller has not read."""
    if conn is None:
        raise ValueError("a connection is needed for the figures the caller has not read")
    return conn


def _by_staff(keys: list, counts: pd.DataFrame) -> dict[str, np.ndarray]:
    """The integer columns of a per-工号 frame (staff_no first) in the order of `keys`, 0 for a
    工号 without a row."""
    index = {k: i for i, k in enumerate(counts["staff_no"].tolist())}
    at = [index.get(k, -1) for k in keys]
    out = {}
    for col in counts.columns[1:]:
        values = counts[col].to_numpy(dtype=np.int64)
        out[col] = np.array([values[i] if i >= 0 else 0 for i in at], dtype=np.int64)
    return out


# --- one person -------------------------------------------------------------------------------

PERSON_DAILY_COLUMNS = ["day", "action", "events"]


def person_daily(conn: Connection, *, staff_no: str, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """Events by this 工号 per day and action. day (date) · action (code) · events (int)"""
    e = ticket_events
    d = day_of(e.c.at)
    stmt = (sa.select(d, e.c.action, sa.func.count())
            .where(e.c.staff_no == staff_no, _in_period(e, start, end, now))
            .group_by(d, e.c.action).order_by(d))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=PERSON_DAILY_COLUMNS)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return df.astype({"events": "int64"})


PERSON_TICKETS_COLUMNS = ["ticket_no", "first_at", "actions", "events", "stage", "received_at", "deadline_at"]


def person_tickets(conn: Connection, *, staff_no: str, start: datetime, end: datetime, now: datetime,
                   limit: int = 500) -> pd.DataFrame:
    """Tickets this 工号 acted on in the period, newest first (capped at `limit`).

    ticket_no · first_at (their first action in the period) · actions (distinct codes, comma list,
    built in Python from a grouped query) · events (int) · stage · received_at · deadline_at
    """
    e, tf = ticket_events, ticket_facts
    stmt = (sa.select(e.c.ticket_no, sa.func.min(e.c.at).label("first_at"), sa.func.count().label("events"),
                      sa.func.min(tf.c.stage), sa.func.min(tf.c.received_at), sa.func.min(tf.c.deadline_at))
            .select_from(e.join(tf, tf.c.ticket_no == e.c.ticket_no))
            .where(e.c.staff_no == staff_no, _in_period(e, start, end, now))
            .group_by(e.c.ticket_no).order_by(sa.desc("first_at")).limit(limit))
    base = pd.DataFrame(tuples(conn.execute(stmt)),
                        columns=["ticket_no", "first_at", "events", "stage", "received_at", "deadline_at"])
    acts = (sa.select(e.c.ticket_no, e.c.action).distinct()
            .where(e.c.staff_no == staff_no, _in_period(e, start, end, now),
                   e.c.ticket_no.in_(list(base["ticket_no"]) or [""])))
    by_ticket: dict[str, list[str]] = {}
    for t, a in conn.execute(acts).all():
        by_ticket.setdefault(t, []).append(a)
    base["actions"] = [",".join(sorted(by_ticket.get(t, []))) for t in base["ticket_no"]]
    return base.astype({"events": "int64"})[PERSON_TICKETS_COLUMNS]


ERRORS_COLUMNS = ["kind", "ticket_no", "staff_no", "action_at", "evidence_action", "evidence_at",
                  "evidence_staff_no", "evidence_unit", "evidence_detail"]


def errors_with_evidence(conn: Connection, *, start: datetime, end: datetime, now: datetime,
                         staff_no: str | None = None, limits: Limits | None = None, limit: int = 500) -> pd.DataFrame:
    """Each error in the period with the event that proves it.

    kind: 派单错误 (a DISPATCH followed by a REDISPATCH: evidence = the first such REDISPATCH) ·
    质检漏检 (a QC_PASS followed by a REOPEN city_qc with no QC_PASS in between: evidence = that
    REOPEN) · 报表有误 (a report marked wrong: evidence = the report). Columns ERRORS_COLUMNS.
    """
    e, r, p2 = ticket_events.alias("e"), ticket_events.alias("r"), ticket_events.alias("p2")
    now_p = _ts(now, "p_now")
    r2 = ticket_events.alias("r2")
    first_redispatch = sa.and_(
        r.c.ticket_no == e.c.ticket_no, r.c.action == "REDISPATCH", _after(r, e), r.c.at <= now_p,
        ~_exists(r2, r2.c.ticket_no == e.c.ticket_no, r2.c.action == "REDISPATCH", _after(r2, e),
                           sa.or_(r2.c.at < r.c.at, sa.and_(r2.c.at == r.c.at, r2.c.id < r.c.id))))
    wrong = (sa.select(sa.literal("派单错误").label("kind"), e.c.ticket_no, e.c.staff_no, e.c.at.label("action_at"),
                       r.c.action, r.c.at, r.c.staff_no.label("ev_staff"), r.c.unit, r.c.detail)
             .select_from(e.join(r, first_redispatch))
             .where(e.c.action == "DISPATCH", _in_period(e, start, end, now), _staff_filter(e, staff_no)))
    passed_again = _exists(p2, p2.c.ticket_no == e.c.ticket_no, p2.c.action == "QC_PASS", _after(p2, e),
                                     sa.or_(p2.c.at < r.c.at, sa.and_(p2.c.at == r.c.at, p2.c.id < r.c.id)))
    escape = (sa.select(sa.literal("质检漏检").label("kind"), e.c.ticket_no, e.c.staff_no, e.c.at.label("action_at"),
                        r.c.action, r.c.at, r.c.staff_no.label("ev_staff"), r.c.unit, r.c.detail)
              .select_from(e.join(r, sa.and_(r.c.ticket_no == e.c.ticket_no, r.c.action == "REOPEN",
                                             r.c.detail.in_(CITY_QC_REASONS), _after(r, e), r.c.at <= now_p)))
              .where(e.c.action == "QC_PASS", _in_period(e, start, end, now), _staff_filter(e, staff_no),
                     ~passed_again))
    rows = conn.execute(sa.union_all(wrong, escape).order_by(sa.text("action_at")).limit(limit)).all()
    df = pd.DataFrame(tuples(rows), columns=ERRORS_COLUMNS)
    rp = reports
    cond = [rp.c.due_at >= _ts(start, "p_start"), rp.c.due_at < _ts(end, "p_end"), rp.c.due_at <= now_p, rp.c.has_error]
    if staff_no is not None:
        cond.append(rp.c.staff_no == staff_no)
    rep = conn.execute(sa.select(rp.c.report_no, rp.c.staff_no, rp.c.due_at, rp.c.delivered_at, rp.c.report_type)
                       .where(*cond).order_by(rp.c.due_at).limit(limit)).all()
    if rep:
        extra = pd.DataFrame([{"kind": "报表有误", "ticket_no": x.report_no, "staff_no": x.staff_no or "",
                               "action_at": x.due_at, "evidence_action": "REPORT", "evidence_at": x.delivered_at,
                               "evidence_staff_no": x.staff_no or "", "evidence_unit": "",
                               "evidence_detail": f"{x.report_type}标记为有误"} for x in rep], columns=ERRORS_COLUMNS)
        df = extra if df.empty else pd.concat([df, extra], ignore_index=True)
    return df
