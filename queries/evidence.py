"""Evidence behind the lost points of the monthly assessment (docs/assessment.md: 失分证据).

For every indicator, the rows that were counted in its denominator but not in its numerator:
the tickets signed late, the CLOSE events without QC, the absent shift assignments, the
(role, day) pairs short of heads, … For the lower-is-better qc_escape_rate the evidence is the
numerator itself (the escapes).

The conditions are the ones of queries.assessment, written the same way (same helpers, same
NULL handling through CASE), so that for each indicator
    len(evidence) == denominator − numerator   (qc_escape_rate: == numerator)
and tests/services/test_evidence.py checks that equality on both engines.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Limits
from domain.vocabulary import CITY_QC_REASONS, URGENT
from queries.assessment import INDICATOR_KEYS, _before, _days, _has_event, _ts, month_bounds, staffing_pairs_and_heads
from queries.schema import manual_items, reports, shifts, staff, ticket_events, ticket_facts
from queries.sql import add_seconds, one_if, tuples  # one_if: a row as count_if counts it (a NULL condition is 0)

# key → column contract of its evidence frame
EVIDENCE_COLUMNS = {
    "sign_on_time_rate": ["ticket_no", "received_at", "urgency", "street", "due_at", "signed_at", "reason"],
    "dispatch_on_time_rate": ["ticket_no", "received_at", "urgency", "street", "due_at", "dispatched_at",
                              "dispatcher", "reason"],
    "dispatch_accuracy": ["ticket_no", "received_at", "street", "dispatched_at", "dispatcher",
                          "first_redispatch_at", "redispatches", "unit"],
    "return_on_time_rate": ["ticket_no", "received_at", "street", "due_at", "return_requested_at"],
    "return_accuracy": ["ticket_no", "received_at", "street", "return_requested_at", "rejected_at"],
    "qc_coverage": ["ticket_no", "close_at", "staff_no", "last_before"],
    "qc_on_time_rate": ["ticket_no", "qc_at", "action", "staff_no", "reply_at", "due_at"],
    "qc_escape_rate": ["ticket_no", "close_at", "staff_no", "reopen_at"],
    "verify_on_time_rate": ["ticket_no", "assigned_at", "verifier", "due_at", "done_at", "reason"],
    "report_on_time_rate": ["report_no", "report_type", "due_at", "delivered_at", "staff_no", "reason"],
    "attendance_rate": ["staff_no", "name", "role", "day", "shift"],
    "staffing_compliance": ["role", "day", "required", "heads", "short"],
}

LATE = "超时"
MISSING_SIGN, MISSING_DISPATCH, MISSING_VERIFY, MISSING_REPORT = "未签收", "未派单", "未完成", "未报送"


def _frame(conn: Connection, stmt, key: str) -> pd.DataFrame:
    cols = EVIDENCE_COLUMNS[key]
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=cols)


def _in_month(start, end, now):
    tf = ticket_facts
    return sa.and_(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)


def _sign(conn, start, end, now, limits):
    tf = ticket_facts
    due = add_seconds(tf.c.received_at, limits.sign)
    signed = sa.and_(tf.c.signed_at.is_not(None), tf.c.signed_at <= now)
    ok = sa.and_(signed, tf.c.signed_at <= due)
    counted = sa.or_(signed, due < now)
    shown = sa.case((signed, tf.c.signed_at), else_=None)
    reason = sa.case((signed, LATE), else_=MISSING_SIGN)
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.urgency, tf.c.street, due, shown, reason)
            .where(_in_month(start, end, now), one_if(counted) == 1, one_if(ok) == 0)
            .order_by(tf.c.received_at, tf.c.ticket_no))
    return _frame(conn, stmt, "sign_on_time_rate")


def _dispatch(conn, start, end, now, limits):
    tf = ticket_facts
    limit = sa.case((tf.c.urgency == URGENT, limits.dispatch_urgent), else_=limits.dispatch)
    due = add_seconds(tf.c.received_at, limit)
    no_rr = ~_has_event(tf.c.ticket_no, ["RETURN_REQUEST"], now)
    dispatched = sa.and_(tf.c.dispatched_at.is_not(None), tf.c.dispatched_at <= now)
    ok = sa.and_(no_rr, dispatched, tf.c.dispatched_at <= due)
    counted = sa.and_(no_rr, sa.or_(dispatched, due < now))
    shown = sa.case((dispatched, tf.c.dispatched_at), else_=None)
    reason = sa.case((dispatched, LATE), else_=MISSING_DISPATCH)
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.urgency, tf.c.street, due, shown,
                      tf.c.dispatcher_staff_no, reason)
            .where(_in_month(start, end, now), one_if(counted) == 1, one_if(ok) == 0)
            .order_by(tf.c.received_at, tf.c.ticket_no))
    return _frame(conn, stmt, "dispatch_on_time_rate")


def _accuracy(conn, start, end, now, limits):
    tf = ticket_facts
    e = ticket_events.alias("rd")
    dispatched = sa.and_(tf.c.dispatched_at.is_not(None), tf.c.dispatched_at <= now)
    has_rd = _has_event(tf.c.ticket_no, ["REDISPATCH"], now)
    rd = (e.c.ticket_no == tf.c.ticket_no, e.c.action == "REDISPATCH", e.c.at <= now)
    first_rd = sa.select(sa.func.min(e.c.at)).where(*rd).correlate_except(e).scalar_subquery()
    n_rd = sa.select(sa.func.count()).select_from(e).where(*rd).correlate_except(e).scalar_subquery()
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.street, tf.c.dispatched_at, tf.c.dispatcher_staff_no,
                      first_rd, n_rd, tf.c.unit)
            .where(_in_month(start, end, now), one_if(dispatched) == 1, one_if(has_rd) == 1)
            .order_by(tf.c.received_at, tf.c.ticket_no))
    return _frame(conn, stmt, "dispatch_accuracy")


def _return_time(conn, start, end, now, limits):
    tf = ticket_facts
    due = add_seconds(tf.c.received_at, limits.return_request)
    requested = sa.and_(tf.c.first_return_request_at.is_not(None), tf.c.first_return_request_at <= now)
    ok = sa.and_(requested, tf.c.first_return_request_at <= due)
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.street, due, tf.c.first_return_request_at)
            .where(_in_month(start, end, now), one_if(requested) == 1, one_if(ok) == 0)
            .order_by(tf.c.received_at, tf.c.ticket_no))
    return _frame(conn, stmt, "return_on_time_rate")


def _return_accuracy(conn, start, end, now, limits):
    tf = ticket_facts
    e = ticket_events.alias("rj")
    approved = _has_event(tf.c.ticket_no, ["RETURN_APPROVED"], now)
    decided = _has_event(tf.c.ticket_no, ["RETURN_APPROVED", "RETURN_REJECTED"], now)
    rejected_at = (sa.select(sa.func.min(e.c.at))
                   .where(e.c.ticket_no == tf.c.ticket_no, e.c.action == "RETURN_REJECTED", e.c.at <= now)
                   .correlate_except(e).scalar_subquery())
    req = sa.case((tf.c.first_return_request_at <= now, tf.c.first_return_request_at), else_=None)
    stmt = (sa.select(tf.c.ticket_no, tf.c.received_at, tf.c.street, req, rejected_at)
            .where(_in_month(start, end, now), one_if(decided) == 1, one_if(approved) == 0)
            .order_by(tf.c.received_at, tf.c.ticket_no))
    return _frame(conn, stmt, "return_accuracy")


def _closes(start, end, now):
    c = ticket_events.alias("c")
    return c, (c.c.action == "CLOSE", c.c.at >= start, c.c.at < end, c.c.at <= now)


def _qc_coverage(conn, start, end, now, limits):
    c, in_m = _closes(start, end, now)
    p, x, la = ticket_events.alias("p"), ticket_events.alias("x"), ticket_events.alias("la")
    covered = sa.exists().where(
        p.c.ticket_no == c.c.ticket_no, p.c.action == "QC_PASS", _before(p, c),
        ~sa.exists().where(x.c.ticket_no == c.c.ticket_no, x.c.action.in_(["REPLY", "QC_REJECT"]),
                           _before(p, x), _before(x, c)).correlate_except(x)).correlate_except(p)
    last_before = (sa.select(la.c.action)
                   .where(la.c.ticket_no == c.c.ticket_no, la.c.action.in_(["REPLY", "QC_PASS", "QC_REJECT"]),
                          _before(la, c))
                   .order_by(la.c.at.desc(), la.c.id.desc()).limit(1)
                   .correlate_except(la).scalar_subquery())
    stmt = (sa.select(c.c.ticket_no, c.c.at, c.c.staff_no, last_before)
            .where(*in_m, one_if(covered) == 0).order_by(c.c.at, c.c.id))
    return _frame(conn, stmt, "qc_coverage")


def _qc_escape(conn, start, end, now, limits):
    c, in_m = _closes(start, end, now)
    o, y = ticket_events.alias("o"), ticket_events.alias("y")
    answer = (o.c.ticket_no == c.c.ticket_no, o.c.action == "REOPEN", o.c.detail.in_(CITY_QC_REASONS),
              o.c.at <= now, _before(c, o),
              ~sa.exists().where(y.c.ticket_no == c.c.ticket_no, y.c.action == "CLOSE",
                                 _before(c, y), _before(y, o)).correlate_except(y))
    escaped = sa.exists().where(*answer).correlate_except(o)
    reopen_at = sa.select(sa.func.min(o.c.at)).where(*answer).correlate_except(o).scalar_subquery()
    stmt = (sa.select(c.c.ticket_no, c.c.at, c.c.staff_no, reopen_at)
            .where(*in_m, one_if(escaped) == 1).order_by(c.c.at, c.c.id))
    return _frame(conn, stmt, "qc_escape_rate")


def _qc_time(conn, start, end, now, limits):
    q, r = ticket_events.alias("q"), ticket_events.alias("r")
    latest_reply = (sa.select(sa.func.max(r.c.at))
                    .where(r.c.ticket_no == q.c.ticket_no, r.c.action == "REPLY", _before(r, q))
                    .scalar_subquery())
    inner = (sa.select(q.c.id, q.c.ticket_no, q.c.at.label("qc_at"), q.c.action, q.c.staff_no,
                       latest_reply.label("reply_at"))
             .where(q.c.action.in_(["QC_PASS", "QC_REJECT"]), q.c.at >= start, q.c.at < end, q.c.at <= now)
             .subquery())
    due = add_seconds(inner.c.reply_at, limits.qc)
    stmt = (sa.select(inner.c.ticket_no, inner.c.qc_at, inner.c.action, inner.c.staff_no, inner.c.reply_at, due)
            .where(one_if(inner.c.reply_at.is_not(None)) == 1, one_if(inner.c.qc_at <= due) == 0)
            .order_by(inner.c.qc_at, inner.c.id))
    return _frame(conn, stmt, "qc_on_time_rate")


def _verify(conn, start, end, now, limits):
    a, d = ticket_events.alias("a"), ticket_events.alias("d")
    due = add_seconds(a.c.at, limits.verify)
    in_time = sa.exists().where(
        d.c.ticket_no == a.c.ticket_no, d.c.action == "VERIFY_DONE", d.c.at >= a.c.at,
        d.c.at <= due, d.c.at <= now).correlate_except(d)
    done_at = (sa.select(sa.func.min(d.c.at))
               .where(d.c.ticket_no == a.c.ticket_no, d.c.action == "VERIFY_DONE", d.c.at >= a.c.at, d.c.at <= now)
               .correlate_except(d).scalar_subquery())
    reason = sa.case((done_at.is_(None), MISSING_VERIFY), else_=LATE)
    stmt = (sa.select(a.c.ticket_no, a.c.at, a.c.staff_no, due, done_at, reason)
            .where(a.c.action == "VERIFY_ASSIGN", a.c.at >= start, a.c.at < end, a.c.at <= now,
                   one_if(in_time) == 0, one_if(sa.or_(in_time, due < now)) == 1)
            .order_by(a.c.at, a.c.id))
    return _frame(conn, stmt, "verify_on_time_rate")


def _reports(conn, start, end, now, limits):
    rp = reports
    delivered = sa.and_(rp.c.delivered_at.is_not(None), rp.c.delivered_at <= now)
    on_time = sa.and_(rp.c.delivered_at.is_not(None), rp.c.delivered_at <= rp.c.due_at, rp.c.delivered_at <= now)
    shown = sa.case((delivered, rp.c.delivered_at), else_=None)
    reason = sa.case((delivered, "逾期报送"), else_=MISSING_REPORT)
    stmt = (sa.select(rp.c.report_no, rp.c.report_type, rp.c.due_at, shown, rp.c.staff_no, reason)
            .where(rp.c.due_at >= start, rp.c.due_at < end, rp.c.due_at <= now, one_if(on_time) == 0)
            .order_by(rp.c.due_at, rp.c.report_no))
    return _frame(conn, stmt, "report_on_time_rate")


def _attendance(conn, start_dt, end_dt, now_dt):
    s = shifts
    days = _days(start_dt, end_dt, now_dt)
    if not days:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS["attendance_rate"])
    first = sa.bindparam("first_day", start_dt.date(), type_=sa.Date())
    last = sa.bindparam("last_day", days[-1], type_=sa.Date())
    stmt = (sa.select(s.c.staff_no, staff.c.name, staff.c.role, s.c.day, s.c.shift)
            .select_from(s.outerjoin(staff, staff.c.staff_no == s.c.staff_no))
            .where(s.c.day >= first, s.c.day <= last, one_if(s.c.present) == 0)
            .order_by(s.c.day, s.c.shift, s.c.staff_no))
    return _frame(conn, stmt, "attendance_rate")


def staffing_pairs(conn: Connection, *, month: str, now: datetime, required: dict[str, int]) -> pd.DataFrame:
    """Every (role, day) pair of the month up to `now` with its heads (the staffing_compliance base).

    role (str) · day (date) · required (int) · heads (int) · short (int, ≥ 0)
    """
    start, end = month_bounds(month)
    days = _days(start, end, now)
    cols = EVIDENCE_COLUMNS["staffing_compliance"]
    if not days or not required:
        return pd.DataFrame(columns=cols)
    pairs, heads = staffing_pairs_and_heads(days, required)
    stmt = sa.select(pairs.c.role, pairs.c.day, pairs.c.required, heads.label("heads")) \
        .order_by(pairs.c.day, pairs.c.role)
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=cols[:4])
    df["heads"] = df["heads"].astype(int)
    df["required"] = df["required"].astype(int)
    df["short"] = (df["required"] - df["heads"]).clip(lower=0)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return df[cols]


def evidence(conn: Connection, *, key: str, month: str, now: datetime, limits: Limits,
             required: dict[str, int]) -> pd.DataFrame:
    """The rows behind the points `key` lost in `month` as of `now` (columns: EVIDENCE_COLUMNS[key]).

    `limits` and `required` are those the assessment engine passes to queries.assessment.
    """
    if key not in INDICATOR_KEYS:
        raise ValueError(f"unknown indicator {key!r}")
    start, end = month_bounds(month)
    if key == "attendance_rate":
        return _attendance(conn, start, end, now)
    if key == "staffing_compliance":
        df = staffing_pairs(conn, month=month, now=now, required=required)
        return df[df["heads"] < df["required"]].reset_index(drop=True)
    start_p, end_p, now_p = _ts(start, "month_start"), _ts(end, "month_end"), _ts(now, "now")
    fn = {"sign_on_time_rate": _sign, "dispatch_on_time_rate": _dispatch, "dispatch_accuracy": _accuracy,
          "return_on_time_rate": _return_time, "return_accuracy": _return_accuracy, "qc_coverage": _qc_coverage,
          "qc_on_time_rate": _qc_time, "qc_escape_rate": _qc_escape, "verify_on_time_rate": _verify,
          "report_on_time_rate": _reports}[key]
    return fn(conn, start_p, end_p, now_p, limits)


MANUAL_ITEM_COLUMNS = ["id", "item_type", "points", "reason", "entered_by", "entered_at"]


def manual_item_rows(conn: Connection, *, month: str) -> pd.DataFrame:
    """The month's 加扣分 rows as stored: id · item_type · points (decimal str) · reason · entered_by · entered_at."""
    mi = manual_items
    stmt = sa.select(*[mi.c[c] for c in MANUAL_ITEM_COLUMNS]).where(mi.c.month == month).order_by(mi.c.id)
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=MANUAL_ITEM_COLUMNS)
