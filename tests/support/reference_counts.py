"""The monthly counts of DESIGN 4 straight from tickets' events (correlated look-ups), as the
product computed them before the derived event_clocks table: the reference the derived tables
are checked against (rollup-vs-raw equality, issue 8)."""
import sqlalchemy as sa

from queries.assessment import CITY_QC_REASONS, _before, _has_event, _sum_if, _ts, month_bounds
from queries.schema import ticket_events, ticket_facts
from queries.sql import add_seconds


def _ticket_counts(conn, start, end, now, limits) -> dict:
    tf = ticket_facts
    in_month = sa.and_(tf.c.received_at >= start, tf.c.received_at < end, tf.c.received_at <= now)

    # sign: first SIGN (all events) counts only when it happened by `now`
    sign_due = add_seconds(tf.c.received_at, limits["sign"])
    signed = sa.and_(tf.c.signed_at.is_not(None), tf.c.signed_at <= now)
    sign_ok = sa.and_(signed, tf.c.signed_at <= sign_due)
    sign_counted = sa.or_(signed, sign_due < now)

    # dispatch: tickets without any RETURN_REQUEST (by `now`)
    dispatch_limit = sa.case((tf.c.urgency == "紧急", limits["dispatch_urgent"]), else_=limits["dispatch"])
    dispatch_due = add_seconds(tf.c.received_at, dispatch_limit)
    no_rr = ~_has_event(tf.c.ticket_no, ["RETURN_REQUEST"], now)
    dispatched = sa.and_(tf.c.dispatched_at.is_not(None), tf.c.dispatched_at <= now)
    dispatch_ok = sa.and_(no_rr, dispatched, tf.c.dispatched_at <= dispatch_due)
    dispatch_counted = sa.and_(no_rr, sa.or_(dispatched, dispatch_due < now))

    # accuracy: dispatched tickets, the good ones have no REDISPATCH (by `now`)
    no_redispatch = ~_has_event(tf.c.ticket_no, ["REDISPATCH"], now)

    # return request: only tickets that have one (nobody knows which others would)
    rr_due = add_seconds(tf.c.received_at, limits["return_request"])
    requested = sa.and_(tf.c.first_return_request_at.is_not(None), tf.c.first_return_request_at <= now)

    approved = _has_event(tf.c.ticket_no, ["RETURN_APPROVED"], now)
    decided = _has_event(tf.c.ticket_no, ["RETURN_APPROVED", "RETURN_REJECTED"], now)

    stmt = sa.select(
        _sum_if(sign_ok).label("sign_num"), _sum_if(sign_counted).label("sign_den"),
        _sum_if(dispatch_ok).label("dispatch_num"), _sum_if(dispatch_counted).label("dispatch_den"),
        _sum_if(sa.and_(dispatched, no_redispatch)).label("acc_num"), _sum_if(dispatched).label("acc_den"),
        _sum_if(sa.and_(requested, tf.c.first_return_request_at <= rr_due)).label("rr_num"),
        _sum_if(requested).label("rr_den"),
        _sum_if(approved).label("ra_num"), _sum_if(decided).label("ra_den"),
    ).where(in_month)
    r = conn.execute(stmt).mappings().one()
    return {
        "sign_on_time_rate": (r["sign_num"], r["sign_den"]),
        "dispatch_on_time_rate": (r["dispatch_num"], r["dispatch_den"]),
        "dispatch_accuracy": (r["acc_num"], r["acc_den"]),
        "return_on_time_rate": (r["rr_num"], r["rr_den"]),
        "return_accuracy": (r["ra_num"], r["ra_den"]),
    }


def _close_counts(conn, start, end, now) -> dict:
    """CLOSE events in M (tickets received in any month)."""
    c = ticket_events.alias("c")
    p = ticket_events.alias("p")
    x = ticket_events.alias("x")
    o = ticket_events.alias("o")
    y = ticket_events.alias("y")
    # covered: a QC_PASS before the CLOSE with no REPLY/QC_REJECT between them, i.e. the latest
    # REPLY/QC_PASS/QC_REJECT before the CLOSE is a QC_PASS
    covered = sa.exists().where(
        p.c.ticket_no == c.c.ticket_no, p.c.action == "QC_PASS", _before(p, c),
        ~sa.exists().where(x.c.ticket_no == c.c.ticket_no, x.c.action.in_(["REPLY", "QC_REJECT"]),
                           _before(p, x), _before(x, c)).correlate_except(x)).correlate_except(p)
    # escape: the REOPEN that answers this CLOSE (no other CLOSE in between) is the city's QC
    escaped = sa.exists().where(
        o.c.ticket_no == c.c.ticket_no, o.c.action == "REOPEN", o.c.detail.in_(CITY_QC_REASONS),
        o.c.at <= now, _before(c, o),
        ~sa.exists().where(y.c.ticket_no == c.c.ticket_no, y.c.action == "CLOSE",
                           _before(c, y), _before(y, o)).correlate_except(y)).correlate_except(o)
    stmt = sa.select(
        sa.func.count().label("closes"), _sum_if(covered).label("covered"), _sum_if(escaped).label("escaped"),
    ).where(c.c.action == "CLOSE", c.c.at >= start, c.c.at < end, c.c.at <= now)
    r = conn.execute(stmt).mappings().one()
    return {"qc_coverage": (r["covered"], r["closes"]), "qc_escape_rate": (r["escaped"], r["closes"])}


def _qc_counts(conn, start, end, now, limits) -> dict:
    """QC events in M judged against the ticket's latest REPLY before each of them."""
    q = ticket_events.alias("q")
    r = ticket_events.alias("r")
    latest_reply = (sa.select(sa.func.max(r.c.at))
                    .where(r.c.ticket_no == q.c.ticket_no, r.c.action == "REPLY", _before(r, q))
                    .scalar_subquery())
    inner = (sa.select(q.c.at.label("qc_at"), latest_reply.label("reply_at"))
             .where(q.c.action.in_(["QC_PASS", "QC_REJECT"]), q.c.at >= start, q.c.at < end, q.c.at <= now)
             .subquery())
    stmt = sa.select(
        _sum_if(inner.c.qc_at <= add_seconds(inner.c.reply_at, limits["qc"])).label("num"),
        _sum_if(inner.c.reply_at.is_not(None)).label("den"),
    )
    row = conn.execute(stmt).mappings().one()
    return {"qc_on_time_rate": (row["num"], row["den"])}


def _verify_counts(conn, start, end, now, limits) -> dict:
    a = ticket_events.alias("a")
    d = ticket_events.alias("d")
    due = add_seconds(a.c.at, limits["verify"])
    done_in_time = sa.exists().where(
        d.c.ticket_no == a.c.ticket_no, d.c.action == "VERIFY_DONE", d.c.at >= a.c.at,
        d.c.at <= due, d.c.at <= now).correlate_except(d)
    stmt = sa.select(
        _sum_if(done_in_time).label("num"),
        _sum_if(sa.or_(done_in_time, due < now)).label("den"),
    ).where(a.c.action == "VERIFY_ASSIGN", a.c.at >= start, a.c.at < end, a.c.at <= now)
    row = conn.execute(stmt).mappings().one()
    return {"verify_on_time_rate": (row["num"], row["den"])}


def raw_counts(conn, month, now, limits) -> dict:
    start, end = month_bounds(month)
    s, e, n = _ts(start, "month_start"), _ts(end, "month_end"), _ts(now, "now")
    out = {}
    out.update(_ticket_counts(conn, s, e, n, limits))
    out.update(_close_counts(conn, s, e, n))
    out.update(_qc_counts(conn, s, e, n, limits))
    out.update(_verify_counts(conn, s, e, n, limits))
    return {k: (int(a or 0), int(b or 0)) for k, (a, b) in out.items()}
