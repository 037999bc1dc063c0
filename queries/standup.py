"""The stand-up pack's figures: each group's volumes and on-time counts for a period, the worst
delays, the tickets to act on today and the action list.

Group figures are the per-工号 counts of queries.staff summed over every 工号 (also events that
carry none), so the group line and the per-person table come from the same SQL.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.rules import Limits
from domain.vocabulary import ANALYST, DISPATCHER, GROUP_OF_ROLE, PROJECT_MANAGER, QC, RETURNER, SUPERVISOR, VERIFIER
from queries import staff as sq
from queries.schema import shifts, staff, standup_actions
from queries.schema import ticket_events as ev
from queries.schema import ticket_facts as tf
from queries.sql import count_if, seconds_between, tuples

GROUP_MEASURES_COLUMNS = ["group", "measure", "label", "numerator", "denominator", "indicator", "lower_is_better"]


def group_measures(conn: Connection | None, *, start: datetime, end: datetime, now: datetime,
                   limits: Limits | None = None, counts: dict[str, pd.DataFrame] | None = None,
                   sums: dict[str, dict[str, int]] | None = None) -> pd.DataFrame:
    """One row per measure of each group in [start, end) as of `now`.

    group (派单/退单/质检/协查/数据分析) · measure (key) · label (中文) · numerator (int) ·
    denominator (int | None: None for plain volumes) · indicator (the assessment indicator whose target applies,
    or None) · lower_is_better (bool)

    `counts`: {role: staff.role_counts(...)} of the same period and limits when the caller has
    read them (the stand-up's per-person table is made from the same frames); `sums`: {role:
    staff.column_sums of them} where the caller has only the sums (staff.shift_sums); with all
    five roles in one or the other, no query is made (conn may be None).
    """
    counts = counts or {}
    sums = sums or {}

    def total(role):
        if role in sums:
            return sums[role]
        df = counts.get(role)
        if df is None:
            assert conn is not None, "conn is needed for the roles whose counts were not passed"
            df = sq.role_counts(conn, role, start=start, end=end, now=now, limits=limits)
        return sq.column_sums(df)

    roles = (DISPATCHER, RETURNER, QC, VERIFIER, ANALYST)
    d, r, q, v, a = (total(role) for role in roles)
    gd, gr, gq, gv, ga = (GROUP_OF_ROLE[role] for role in roles)
    g = lambda s, k: int(s.get(k, 0))  # noqa: E731 - empty frames sum to nothing
    rows = [
        (gd, "signed", "签收量", g(d, "signed"), None, None, False),
        (gd, "sign_on_time", "签收及时率", g(d, "signed_on_time"), g(d, "signed"), "sign_on_time_rate", False),
        (gd, "dispatched", "派单量", g(d, "dispatched"), None, None, False),
        (gd, "dispatch_on_time", "派单及时率", g(d, "dispatched_on_time"), g(d, "dispatch_judged"),
         "dispatch_on_time_rate", False),
        (gd, "dispatch_accuracy", "派单准确率", g(d, "dispatched") - g(d, "wrong_dispatches"), g(d, "dispatched"),
         "dispatch_accuracy", False),
        (gd, "urges", "催办次数", g(d, "urges"), None, None, False),
        (gr, "requests", "申请退单量", g(r, "requests"), None, None, False),
        (gr, "return_on_time", "退单及时率", g(r, "requests_on_time"), g(r, "requests"), "return_on_time_rate", False),
        (gr, "return_accuracy", "退单准确率", g(r, "approved"), g(r, "decided"), "return_accuracy", False),
        (gq, "reviews", "质检量", g(q, "reviews"), None, None, False),
        (gq, "qc_on_time", "质检及时率", g(q, "qc_on_time"), g(q, "qc_judged"), "qc_on_time_rate", False),
        (gq, "qc_reject", "质检退回率", g(q, "rejects"), g(q, "reviews"), None, False),
        (gq, "escapes", "质检漏检（市级退回）", g(q, "escapes"), None, None, True),
        (gv, "assigned", "协查派发量", g(v, "assigned"), None, None, False),
        (gv, "verify_on_time", "协查按时完成率", g(v, "done_on_time"), g(v, "verify_judged"), "verify_on_time_rate", False),
        (gv, "not_true", "不属实发现", g(v, "not_true_findings"), None, None, False),
        (ga, "reports_due", "应报报表", g(a, "reports_due"), None, None, False),
        (ga, "report_on_time", "报表按时报送率", g(a, "reports_on_time"), g(a, "reports_due"),
         "report_on_time_rate", False),
        (ga, "report_errors", "报表有误", g(a, "reports_with_errors"), None, None, True),
    ]
    return pd.DataFrame(rows, columns=GROUP_MEASURES_COLUMNS)


WORST_DELAYS_COLUMNS = ["kind", "ticket_no", "staff_no", "due_at", "done_at", "overrun_minutes"]


def worst_delays(conn: Connection, *, start: datetime, end: datetime, now: datetime, limit: int = 10) -> pd.DataFrame:
    """Late signs and late dispatches done in [start, end), the longest overrun first.

    kind (签收超时/派单超时) · ticket_no · staff_no (of that first SIGN/DISPATCH; '' when unknown) ·
    due_at · done_at · overrun_minutes (int, whole minutes past due)
    """
    p = dict(s=sa.bindparam("w_start", start, type_=sa.DateTime()), e=sa.bindparam("w_end", end, type_=sa.DateTime()),
             n=sa.bindparam("w_now", now, type_=sa.DateTime()))
    parts = []
    for kind, done, due, action, extra in (
        ("签收超时", tf.c.signed_at, tf.c.sign_due_at, "SIGN", sa.true()),
        ("派单超时", tf.c.dispatched_at, tf.c.dispatch_due_at, "DISPATCH",
         sa.or_(tf.c.first_return_request_at.is_(None), tf.c.first_return_request_at > p["n"])),
    ):
        who = (sa.select(sa.func.min(ev.c.staff_no)).where(ev.c.ticket_no == tf.c.ticket_no, ev.c.action == action,
                                                           ev.c.at == done).scalar_subquery())
        # signed_at / dispatched_at is the ticket's first SIGN / DISPATCH event, so a ticket whose
        # first one falls in the window has such an event in the window: the (action, at) index
        # finds the day's few thousand tickets instead of a scan of every ticket's facts
        in_window = (sa.select(ev.c.ticket_no)
                     .where(ev.c.action == action, ev.c.at >= p["s"], ev.c.at < p["e"], ev.c.at <= p["n"]))
        parts.append(sa.select(sa.literal(kind).label("kind"), tf.c.ticket_no, sa.func.coalesce(who, "").label("staff_no"),
                               due.label("due_at"), done.label("done_at"),
                               (seconds_between(due, done) / 60).label("overrun_minutes"))
                     .where(tf.c.ticket_no.in_(in_window), done >= p["s"], done < p["e"], done <= p["n"],
                            done > due, extra))
    u = sa.union_all(*parts).subquery()
    stmt = sa.select(u).order_by(u.c.overrun_minutes.desc(), u.c.ticket_no).limit(limit)
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=WORST_DELAYS_COLUMNS)
    return df.astype({"overrun_minutes": "int64"})


ACT_TODAY_COLUMNS = ["ticket_no", "reason", "stage", "sla_class", "received_at", "deadline_at", "street",
                     "unit", "urge_count", "overdue_minutes"]
REASONS = ("超期", "即将超期", "退单审核中", "多次催办", "疑难")


def act_today(conn: Connection, *, now: datetime, limit: int = 200, min_urges: int = 2) -> pd.DataFrame:
    """Open tickets to act on today, most pressing first: overdue, at risk, pending return
    decision (退单审核中), urged at least `min_urges` times, 疑难 class.

    ticket_no · reason (the first of REASONS that applies) · stage · sla_class · received_at ·
    deadline_at · street · unit · urge_count · overdue_minutes (int, ≤ 0 when not yet due)
    """
    n = sa.bindparam("a_now", now, type_=sa.DateTime())
    reason = sa.case(
        (tf.c.deadline_at < n, "超期"),
        (tf.c.at_risk_at <= n, "即将超期"),
        (tf.c.stage == "退单审核中", "退单审核中"),
        (tf.c.urge_count >= min_urges, "多次催办"),
        (tf.c.sla_class == "疑难", "疑难"),
        else_=None,
    )
    priority = sa.case((tf.c.deadline_at < n, 0), (tf.c.at_risk_at <= n, 1), (tf.c.stage == "退单审核中", 2),
                       (tf.c.urge_count >= min_urges, 3), else_=4)
    stmt = (sa.select(tf.c.ticket_no, reason, tf.c.stage, tf.c.sla_class, tf.c.received_at, tf.c.deadline_at,
                      tf.c.street, tf.c.unit, tf.c.urge_count, seconds_between(tf.c.deadline_at, n) / 60)
            .where(tf.c.is_open, tf.c.received_at <= n, reason.is_not(None))
            .order_by(priority, tf.c.urge_count.desc(), tf.c.deadline_at, tf.c.ticket_no).limit(limit))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=ACT_TODAY_COLUMNS)
    return df.astype({"urge_count": "int64", "overdue_minutes": "int64"})


def _reason_conditions(n, min_urges: int) -> dict[str, sa.ColumnElement[bool]]:
    """Each tile's condition on an open ticket at `n` (a ticket may meet several): the one home of
    what a stand-up tile counts and of the list it opens."""
    return {
        "超期": tf.c.deadline_at < n,
        "即将超期": sa.and_(tf.c.at_risk_at <= n, tf.c.deadline_at >= n),
        "退单审核中": tf.c.stage == "退单审核中",
        "多次催办": tf.c.urge_count >= min_urges,
        "疑难": tf.c.sla_class == "疑难",
    }


def act_today_counts(conn: Connection, *, now: datetime, min_urges: int = 2) -> dict[str, int]:
    """How many open tickets each reason covers (a ticket may count under several)."""
    n = sa.bindparam("a_now", now, type_=sa.DateTime())
    conditions = _reason_conditions(n, min_urges)
    row = conn.execute(sa.select(*(count_if(conditions[r]) for r in REASONS))
                       .where(tf.c.is_open, tf.c.received_at <= n)).one()
    return {k: int(v) for k, v in zip(REASONS, row)}


def reason_list(conn: Connection, *, now: datetime, reason: str, limit: int = 500,
                min_urges: int = 2) -> pd.DataFrame:
    """The open tickets a tile of act_today_counts counts, by the same condition (so a tile's
    count is the rows of its list when it is not over `limit`), the earliest deadline first.

    Columns as act_today (reason is `reason` on every row)."""
    n = sa.bindparam("a_now", now, type_=sa.DateTime())
    condition = _reason_conditions(n, min_urges)[reason]
    stmt = (sa.select(tf.c.ticket_no, sa.literal(reason), tf.c.stage, tf.c.sla_class, tf.c.received_at,
                      tf.c.deadline_at, tf.c.street, tf.c.unit, tf.c.urge_count,
                      seconds_between(tf.c.deadline_at, n) / 60)
            .where(tf.c.is_open, tf.c.received_at <= n, condition)
            .order_by(tf.c.deadline_at, tf.c.ticket_no).limit(limit))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=ACT_TODAY_COLUMNS)
    return df.astype({"urge_count": "int64", "overdue_minutes": "int64"})


DUTY_COLUMNS = ["shift", "staff_no", "name", "role", "present"]


def duty_leads(conn: Connection, *, day: date) -> pd.DataFrame:
    """Who leads each shift of `day` and who answers for the whole day, from the roster and the
    staff table: the 业务主管 on the roster for each shift (present or not), and the 项目经理
    employed on `day` (shift ''), for the owner rule of domain.staffing.follow_up_owner.

    shift ('' for the 项目经理) · staff_no · name · role · present (bool; True for the 项目经理)
    """
    lead = (sa.select(shifts.c.shift, staff.c.staff_no, staff.c.name, staff.c.role, shifts.c.present)
            .join(staff, staff.c.staff_no == shifts.c.staff_no)
            .where(shifts.c.day == sa.bindparam("d_day", day, type_=sa.Date()), staff.c.role == SUPERVISOR))
    employed = sa.and_(sa.or_(staff.c.hired_on.is_(None), staff.c.hired_on <= day),
                       sa.or_(staff.c.left_on.is_(None), staff.c.left_on > day))
    manager = (sa.select(sa.literal("").label("shift"), staff.c.staff_no, staff.c.name, staff.c.role,
                         sa.true().label("present"))
               .where(staff.c.role == PROJECT_MANAGER, employed))
    u = sa.union_all(lead, manager).subquery()
    df = pd.DataFrame(tuples(conn.execute(sa.select(u).order_by(u.c.shift, u.c.staff_no))), columns=DUTY_COLUMNS)
    df["present"] = df["present"].astype(bool)
    return df


ACTIONS_COLUMNS = ["id", "created_on", "owner", "text", "due", "status", "created_by", "updated_at", "carried_over"]


def actions_for(conn: Connection, *, day: date) -> pd.DataFrame:
    """The action list of the stand-up of `day`: every action still open that was created before
    it (carried over), and every action created on it whatever its status.

    id · created_on · owner · text · due · status · created_by · updated_at · carried_over (bool)
    """
    a = standup_actions
    stmt = (sa.select(a.c.id, a.c.created_on, a.c.owner, a.c.text, a.c.due, a.c.status, a.c.created_by,
                      a.c.updated_at, (a.c.created_on < day).label("carried_over"))
            .where(sa.or_(a.c.created_on == day, sa.and_(a.c.created_on < day, a.c.status != "已完成")))
            .order_by(a.c.created_on, a.c.id))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=ACTIONS_COLUMNS)
    df["carried_over"] = df["carried_over"].astype(bool)
    return df
