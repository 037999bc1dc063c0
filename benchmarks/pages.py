"""`python -m benchmarks.pages [--db URL] [--repeat 5] [--only PAGE] [--now T] [--product-only] [--steady-feed PER_DAY]`:
page query timings (not a test).

For every page (docs/roles-and-pages.md) the benchmark first opens the page once in Streamlit's AppTest as a
role that may open it, at the data's own "now", and records the cached data-layer calls the page
makes on its default view (`dashboard.web.reads.*` wrappers with their exact arguments; each calls the
`queries/` functions). That run is also the warm-up. It then replays those calls `--repeat` times
with the Streamlit cache cleared before each repetition, so every repetition does all the page's
queries, and reports the median. Next to it, two ways a generic tool would get the page's headline
figures, for comparison:

- raw SQL: the same figures from `tickets` + `ticket_events` only (no facts table, no rollups):
  per-ticket aggregation of the events, then the page's grouping;
- pandas: the raw rows of the page's window loaded into pandas and computed there, stopped at a
  time budget ("> N s").

Numbers are wall-clock on whatever machine runs it; run it niced on a shared machine.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from benchmarks.steady_feed import PULL_EVERY, steady_feed
from dashboard.cli.main import engine_for
from dashboard.infra.settings import db_url
from dashboard.services import users
from domain.access import PAGES as ACCESS_PAGES
from domain.rules import Rules
from domain.three_rates import period_containing
from domain.vocabulary import DEFAULT_SLA_CLASS, URGENT
from queries import staff as staff_queries
from queries.schema import ticket_events as ev
from queries.schema import tickets as tk
from queries.sql import add_seconds, day_of, hour_of, month_of, weekday_of

PANDAS_BUDGET = 30.0      # seconds; beyond it the pandas column prints "> N s"
RAW_SLOW = 10.0           # a raw-SQL warm-up slower than this is measured once more, not `repeat` times

# page key → (role that opens it, query parameters, headline figure sets for raw SQL / pandas)
PAGES = {
    "overview": ("supervisor", {}, ("backlog", "intake")),
    "wall": ("display", {"kiosk": "1"}, ("backlog", "intake", "three_rates")),
    "backlog": ("supervisor", {}, ("backlog",)),
    "timeliness": ("supervisor", {}, ("clocks_month",)),
    "three-rates": ("supervisor", {}, ("three_rates_page",)),
    "tickets": ("supervisor", {}, ("ticket_list",)),
    "hotspots": ("supervisor", {}, ()),
    "staff": ("supervisor", {}, ("staff_page",)),
    "standup": ("supervisor", {}, ("staff_day", "backlog")),
    "shifts": ("supervisor", {}, ("hourly_profile",)),
    "assessment": ("reviewer", {}, ("assessment_month",)),
    "payment": ("reviewer", {}, ("assessment_year",)),
    "compliance": ("reviewer", {}, ()),
    "reports": ("supervisor", {}, ("report_day",)),
    "import": ("analyst", {}, ()),
    "admin": ("admin", {}, ()),
}
BENCH_PASSWORD = "bench-only-not-a-login"


@dataclass
class Call:
    name: str
    func: object
    args: tuple
    kwargs: dict


@dataclass
class PageResult:
    page: str
    calls: list[Call] = field(default_factory=list)
    product: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    pandas: float | None = None
    pandas_over: bool = False
    error: str = ""


# --- recording the page's data calls ---------------------------------------------------------

def _record(page_key: str, role: str, query: dict) -> tuple[list[Call], str]:
    """The top-level cached data calls of one page run, and any error the page showed."""
    import streamlit as st
    from streamlit.runtime.caching import cache_utils
    from streamlit.testing.v1 import AppTest


    page = next(p for p in ACCESS_PAGES if p.key == page_key)
    calls: list[Call] = []
    depth = [0]
    original = cache_utils.CachedFunc.__call__

    def recording(self, *args, **kwargs):
        if depth[0] == 0:
            calls.append(Call(getattr(self._info.func, "__qualname__", "?"), self._info.func, args, kwargs))
        depth[0] += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1

    st.cache_data.clear()
    cache_utils.CachedFunc.__call__ = recording
    try:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        at = AppTest.from_file(os.path.join(root, "app.py"), default_timeout=900)
        for k, v in query.items():
            at.query_params[k] = v
        from dashboard.infra.db import make_engine
        from dashboard.infra.settings import db_url
        from dashboard.services import sessions
        from dashboard.web.auth import SSO_TOKEN_KEY

        with make_engine(db_url()).begin() as conn:   # a real server-side session, as after sign-in
            at.session_state[SSO_TOKEN_KEY] = sessions.create(conn, f"bench_{role}", method="password",
                                                              second_factor_given=True)
        at.run()
        at.switch_page(page.file)
        del calls[:]            # the app shell's default page is not this page's work
        at.run()
        problems = [e.value for e in at.error] + [str(e.value) for e in at.exception]
    finally:
        cache_utils.CachedFunc.__call__ = original
    return calls, "; ".join(str(p)[:200] for p in problems)


def _replay(calls: list[Call]) -> float:
    """One cold-cache run of the page's reads. A read the page repeats with the same arguments
    (two tiles showing one figure) is answered by the cache in the app, so it is run once here
    (rounds 1–6 ran such repeats again: their wall and stand-up figures include them)."""
    import streamlit as st

    st.cache_data.clear()
    done = set()
    t0 = time.perf_counter()
    for c in calls:
        key = (c.name, repr(c.args), repr(sorted(c.kwargs.items())))
        if key in done:
            continue
        done.add(key)
        c.func(*c.args, **c.kwargs)
    return time.perf_counter() - t0


# --- the raw-SQL comparison (tickets + ticket_events only) ----------------------------------

def _per_ticket(ticket_filter=None, event_filter=None):
    """One row per ticket from its events, as a BI tool would derive it (GROUP BY ticket)."""
    def first(action):
        return sa.func.min(sa.case((ev.c.action == action, ev.c.at)))

    def last(action):
        return sa.func.max(sa.case((ev.c.action == action, ev.c.at)))

    q = (sa.select(ev.c.ticket_no, first("SIGN").label("signed_at"), first("DISPATCH").label("dispatched_at"),
                   first("CONTACT").label("contact_at"), first("RETURN_REQUEST").label("rr_at"),
                   last("CLOSE").label("close_at"), last("REOPEN").label("reopen_at"),
                   last("RETURN_APPROVED").label("returned_at"), last("REPLY").label("reply_at"),
                   last("QC_PASS").label("qc_pass_at"),
                   sa.func.sum(sa.case((ev.c.action == "REDISPATCH", 1), else_=0)).label("redispatches"),
                   sa.func.sum(sa.case((ev.c.action == "EXTEND_APPROVED", sa.cast(ev.c.detail, sa.Integer)),
                                       else_=0)).label("ext_days"))
         .group_by(ev.c.ticket_no))
    if event_filter is not None:
        q = q.where(event_filter)
    if ticket_filter is not None:
        q = q.where(ev.c.ticket_no.in_(sa.select(tk.c.ticket_no).where(ticket_filter)))
    return q.subquery("pt")


def _deadline(pt):
    limits = Rules.default().limits()
    secs = sa.case(*[(tk.c.sla_class == k, v) for k, v in limits.close_by_class], else_=limits.close_for(None))
    return sa.func.coalesce(tk.c.deadline_at, add_seconds(tk.c.received_at, secs + sa.func.coalesce(pt.c.ext_days, 0) * 86400))


def _open(pt, now):
    closed = sa.and_(pt.c.close_at.is_not(None), sa.or_(pt.c.reopen_at.is_(None), pt.c.reopen_at < pt.c.close_at))
    return sa.and_(tk.c.received_at <= now, pt.c.returned_at.is_(None), sa.not_(closed))


def _stage(pt):
    return sa.case((pt.c.signed_at.is_(None), "待签收"), (pt.c.dispatched_at.is_(None), "待派单"),
                   (pt.c.reply_at.is_(None), "办理中"),
                   (sa.or_(pt.c.qc_pass_at.is_(None), pt.c.qc_pass_at < pt.c.reply_at), "待质检"), else_="待办结")


def _month_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, 1)


def _period(now: datetime) -> tuple[datetime, datetime]:
    p = period_containing(now)
    return p.start, p.end


def _periods(now: datetime, n: int) -> list[tuple[datetime, datetime]]:
    """The n 三率 periods up to the one containing `now`, oldest first (start, end inclusive)."""
    out, p = [], period_containing(now)
    for _ in range(n):
        out.append((p.start, p.end))
        p = period_containing(p.start - timedelta(days=1))
    return out[::-1]


def raw_statements(kind: str, now: datetime) -> list:
    today = datetime(now.year, now.month, now.day)
    ms = _month_start(now)
    pt_all = _per_ticket(event_filter=ev.c.at <= now)
    join_all = tk.join(pt_all, pt_all.c.ticket_no == tk.c.ticket_no)
    if kind == "backlog":
        dl = _deadline(pt_all)
        base = sa.select(tk.c.street, _stage(pt_all).label("stage"), sa.func.count().label("tickets"),
                         sa.func.count().filter(dl < now).label("overdue")).select_from(join_all)
        return [base.where(_open(pt_all, now)).group_by(tk.c.street, "stage")]
    if kind == "intake":
        d30 = today - timedelta(days=29)
        return [
            sa.select(day_of(tk.c.received_at).label("d"), sa.func.count()).where(
                tk.c.received_at >= d30, tk.c.received_at <= now).group_by("d"),
            sa.select(sa.func.count()).where(tk.c.received_at >= ms, tk.c.received_at <= now),
            sa.select(sa.func.count()).where(sa.or_(*[sa.and_(tk.c.received_at >= today - timedelta(days=7 * w),
                                                              tk.c.received_at <= now - timedelta(days=7 * w))
                                                      for w in range(5)])),
            sa.select(sa.func.max(ev.c.at)).where(ev.c.at <= now),
        ]
    if kind == "three_rates":
        start, end = _period(now)
        w = sa.and_(tk.c.received_at >= start, tk.c.received_at <= end, tk.c.in_assessment, tk.c.callback_valid)
        return [sa.select(tk.c.street, sa.func.count(), sa.func.sum(sa.case((tk.c.contacted, 1), else_=0)),
                          sa.func.sum(sa.case((tk.c.resolved, 1), else_=0)),
                          sa.func.sum(sa.case((tk.c.satisfaction == "满意", 1), else_=0)),
                          sa.func.sum(sa.case((tk.c.satisfaction == "基本满意", 1), else_=0))).where(w)
                .group_by(tk.c.street)]
    if kind == "three_rates_page":
        # the page: a 12-period district trend, and rankings by street and by unit for the current
        # and the previous period — from the tickets table
        periods = _periods(now, 12)
        first, last = periods[0][0], periods[-1][1]
        pop = sa.and_(tk.c.in_assessment, tk.c.callback_valid)
        sums = [sa.func.count(), sa.func.sum(sa.case((tk.c.contacted, 1), else_=0)),
                sa.func.sum(sa.case((tk.c.resolved, 1), else_=0)),
                sa.func.sum(sa.case((tk.c.satisfaction == "满意", 1), else_=0)),
                sa.func.sum(sa.case((tk.c.satisfaction == "基本满意", 1), else_=0))]
        label = sa.case(*[(sa.and_(tk.c.received_at >= s, tk.c.received_at <= e), i)
                          for i, (s, e) in enumerate(periods)], else_=-1).label("p")
        stmts = [sa.select(label, *sums).where(pop, tk.c.received_at >= first, tk.c.received_at <= last)
                 .group_by("p")]
        for s, e in periods[-2:]:
            for col in (tk.c.street, tk.c.unit):
                stmts.append(sa.select(col, *sums).where(pop, tk.c.received_at >= s, tk.c.received_at <= e)
                             .group_by(col))
        return stmts
    if kind in ("clocks_month", "assessment_month", "ticket_list", "assessment_year"):
        start = datetime(2025, 12, 1) if kind == "assessment_year" else ms
        tw = sa.and_(tk.c.received_at >= start, tk.c.received_at <= now)
        pt = _per_ticket(ticket_filter=tw, event_filter=ev.c.at <= now)
        j = tk.join(pt, pt.c.ticket_no == tk.c.ticket_no, isouter=True)
        limits = Rules.default().limits()
        urgent = tk.c.urgency == URGENT
        sign_ok = pt.c.signed_at <= add_seconds(tk.c.received_at, limits.sign)
        disp_ok = pt.c.dispatched_at <= add_seconds(tk.c.received_at,
                                                    sa.case((urgent, limits.dispatch_urgent), else_=limits.dispatch))
        resp_ok = pt.c.contact_at <= add_seconds(tk.c.received_at,
                                                 sa.case((urgent, limits.response_urgent), else_=limits.response))
        if kind == "ticket_list":
            return [sa.select(tk.c.ticket_no, tk.c.received_at, _deadline(pt).label("deadline"), pt.c.close_at,
                              _stage(pt).label("stage")).select_from(j).where(tw)
                    .order_by(tk.c.received_at.desc()).limit(500)]
        group = [day_of(tk.c.received_at).label("d")] if kind == "clocks_month" else []
        if kind == "assessment_year":
            group = [month_of(tk.c.received_at).label("m")]
        cols = [sa.func.count(), sa.func.sum(sa.case((sign_ok, 1), else_=0)),
                sa.func.sum(sa.case((sa.and_(pt.c.rr_at.is_(None), disp_ok), 1), else_=0)),
                sa.func.sum(sa.case((resp_ok, 1), else_=0)),
                sa.func.sum(sa.case((pt.c.redispatches > 0, 1), else_=0)),
                sa.func.sum(sa.case((pt.c.returned_at.is_not(None), 1), else_=0))]
        stmts = [sa.select(*group, *cols).select_from(j).where(tw).group_by(*[g.name for g in group])]
        if kind in ("assessment_month", "assessment_year"):
            # QC coverage / escapes / verification: events of the window with their ticket's events
            e2 = ev.alias("e2")
            stmts.append(sa.select(ev.c.action, sa.func.count()).where(ev.c.at >= start, ev.c.at <= now,
                         ev.c.action.in_(["CLOSE", "QC_PASS", "QC_REJECT", "VERIFY_ASSIGN"]),
                         sa.exists().where(e2.c.ticket_no == ev.c.ticket_no, e2.c.action == "REOPEN",
                                           e2.c.at > ev.c.at)).group_by(ev.c.action))
        return stmts
    if kind in ("staff_month", "staff_day"):
        start = ms if kind == "staff_month" else today - timedelta(days=1)
        end = now if kind == "staff_month" else today
        return [sa.select(ev.c.staff_no, ev.c.action, sa.func.count(),
                          sa.func.avg(sa.func.coalesce(0, 0))).select_from(ev.join(tk, tk.c.ticket_no == ev.c.ticket_no))
                .where(ev.c.at >= start, ev.c.at < end, ev.c.staff_no != "").group_by(ev.c.staff_no, ev.c.action)]
    if kind == "hourly_profile":
        start = today - timedelta(days=56)
        return [sa.select(weekday_of(tk.c.received_at).label("w"), hour_of(tk.c.received_at).label("h"),
                          sa.func.count()).where(tk.c.received_at >= start, tk.c.received_at <= now).group_by("w", "h"),
                sa.select(hour_of(ev.c.at).label("h"), ev.c.action, sa.func.count()).where(
                    ev.c.at >= start, ev.c.at <= now).group_by("h", ev.c.action)]
    if kind == "report_day":
        y = today - timedelta(days=1)
        pt = _per_ticket(ticket_filter=sa.and_(tk.c.received_at >= y, tk.c.received_at < today),
                         event_filter=ev.c.at <= now)
        j = tk.join(pt, pt.c.ticket_no == tk.c.ticket_no, isouter=True)
        return [sa.select(tk.c.category_l1, tk.c.street, sa.func.count(),
                          sa.func.count().filter(pt.c.close_at.is_not(None))).select_from(j)
                .where(tk.c.received_at >= y, tk.c.received_at < today).group_by(tk.c.category_l1, tk.c.street),
                sa.select(ev.c.action, sa.func.count()).where(ev.c.at >= y, ev.c.at < today).group_by(ev.c.action)]
    raise ValueError(kind)


def raw_ticket_facts():
    """The columns of ticket_facts the per-staff counts read, derived from tickets + events in
    the query (what a tool without the facts table would join): due times from the receipt and
    the default limits, the first return request from the events."""
    limits = Rules.default().limits()
    rr = ev.alias("rr")
    first_rr = (sa.select(sa.func.min(rr.c.at)).where(rr.c.ticket_no == tk.c.ticket_no,
                                                      rr.c.action == "RETURN_REQUEST").scalar_subquery())
    dispatch = sa.case((tk.c.urgency == URGENT, sa.literal(limits.dispatch_urgent)),
                       else_=sa.literal(limits.dispatch))
    return sa.select(tk.c.ticket_no, tk.c.received_at,
                     add_seconds(tk.c.received_at, sa.literal(limits.sign)).label("sign_due_at"),
                     add_seconds(tk.c.received_at, dispatch).label("dispatch_due_at"),
                     add_seconds(tk.c.received_at, sa.literal(limits.return_request)).label("return_request_due_at"),
                     first_rr.label("first_return_request_at")).subquery("ticket_facts")


def raw_staff_page(conn, now: datetime) -> dict:
    """The staff page's default view (yesterday, every role) by the product's own per-staff SQL,
    with ticket_facts replaced by raw_ticket_facts(): the same answers straight from tickets +
    events (tests/services/test_benchmarks.py checks they are equal)."""
    start = datetime(now.year, now.month, now.day) - timedelta(days=1)
    saved = staff_queries.ticket_facts
    staff_queries.ticket_facts = raw_ticket_facts()
    try:
        return {role: staff_queries.staff_performance(conn, role=role, start=start, end=start + timedelta(days=1),
                                                      now=now)
                for role in staff_queries.ROLES}
    finally:
        staff_queries.ticket_facts = saved


def run_raw(conn, kinds, now) -> None:
    for kind in kinds:
        if kind == "staff_page":
            raw_staff_page(conn, now)
            continue
        for stmt in raw_statements(kind, now):
            conn.execute(stmt).fetchall()


# --- the pandas comparison (load raw rows, compute in pandas) --------------------------------

class _OverBudget(Exception):
    pass


def _read(conn, stmt, deadline: float) -> pd.DataFrame:
    parts = []
    for chunk in pd.read_sql(stmt, conn, chunksize=200_000):
        parts.append(chunk)
        if time.perf_counter() > deadline:
            raise _OverBudget
    return pd.concat(parts) if parts else pd.DataFrame()


def run_pandas(conn, kinds, now, budget: float) -> float | None:
    """Seconds, or None when over the budget."""
    t0 = time.perf_counter()
    deadline = t0 + budget
    today = datetime(now.year, now.month, now.day)
    lim = Rules.default().limits().close
    try:
        for kind in kinds:
            if kind in ("backlog",):
                t = _read(conn, sa.select(tk.c.ticket_no, tk.c.received_at, tk.c.sla_class, tk.c.street,
                                          tk.c.deadline_at).where(tk.c.received_at <= now), deadline)
                e = _read(conn, sa.select(ev.c.ticket_no, ev.c.at, ev.c.action).where(ev.c.at <= now), deadline)
                last = e.pivot_table(index="ticket_no", columns="action", values="at", aggfunc="max")
                t = t.join(last, on="ticket_no")
                closed = t.get("CLOSE").notna() & (t.get("REOPEN").isna() | (t.get("REOPEN") < t.get("CLOSE")))
                open_ = t[~closed & t.get("RETURN_APPROVED").isna()]
                dl = open_["received_at"] + pd.to_timedelta(open_["sla_class"].map(lim).fillna(lim[DEFAULT_SLA_CLASS]), unit="s")
                open_.assign(overdue=dl < now).groupby("street").agg(n=("ticket_no", "size"), overdue=("overdue", "sum"))
            elif kind in ("intake", "hourly_profile"):
                t = _read(conn, sa.select(tk.c.received_at).where(tk.c.received_at >= today - timedelta(days=56),
                                                                  tk.c.received_at <= now), deadline)
                t["received_at"].dt.floor("D").value_counts()
                t.groupby([t["received_at"].dt.weekday, t["received_at"].dt.hour]).size()
            elif kind == "three_rates":
                s, e_ = _period(now)
                t = _read(conn, sa.select(tk.c.street, tk.c.in_assessment, tk.c.callback_valid, tk.c.contacted,
                                          tk.c.resolved, tk.c.satisfaction)
                          .where(tk.c.received_at >= s, tk.c.received_at <= e_), deadline)
                p = t[t.in_assessment.astype(bool) & t.callback_valid.astype(bool)]
                p.groupby("street").agg(n=("contacted", "size"), c=("contacted", "sum"), r=("resolved", "sum"))
            elif kind == "three_rates_page":
                periods = _periods(now, 12)
                t = _read(conn, sa.select(tk.c.received_at, tk.c.street, tk.c.unit, tk.c.contacted, tk.c.resolved,
                                          tk.c.satisfaction)
                          .where(tk.c.received_at >= periods[0][0], tk.c.received_at <= periods[-1][1],
                                 tk.c.in_assessment, tk.c.callback_valid), deadline)
                edges = [s for s, _ in periods] + [periods[-1][1]]
                t["p"] = pd.cut(t["received_at"], bins=pd.DatetimeIndex(edges), right=False, labels=False)
                agg = dict(n=("contacted", "size"), c=("contacted", "sum"), r=("resolved", "sum"),
                           s=("satisfaction", lambda x: (x == "满意").sum()))
                t.groupby("p").agg(**agg)
                for p in (10, 11):
                    t[t["p"] == p].groupby("street").agg(**agg)
                    t[t["p"] == p].groupby("unit").agg(**agg)
            elif kind in ("clocks_month", "assessment_month", "ticket_list", "assessment_year", "report_day"):
                start = {"assessment_year": datetime(2025, 12, 1), "report_day": today - timedelta(days=1)}.get(
                    kind, _month_start(now))
                t = _read(conn, sa.select(tk.c.ticket_no, tk.c.received_at, tk.c.urgency, tk.c.sla_class,
                                          tk.c.street, tk.c.category_l1)
                          .where(tk.c.received_at >= start, tk.c.received_at <= now), deadline)
                e = _read(conn, sa.select(ev.c.ticket_no, ev.c.at, ev.c.action)
                          .where(ev.c.ticket_no.in_(sa.select(tk.c.ticket_no).where(tk.c.received_at >= start,
                                                                                    tk.c.received_at <= now)),
                                 ev.c.at <= now), deadline)
                first = e.pivot_table(index="ticket_no", columns="action", values="at", aggfunc="min")
                t = t.join(first, on="ticket_no")
                if "SIGN" in t:
                    ok = (t["SIGN"] - t["received_at"]).dt.total_seconds() <= Rules.default().limits().sign
                    t.assign(ok=ok).groupby(t["received_at"].dt.floor("D")).agg(n=("ok", "size"), ok=("ok", "sum"))
            elif kind in ("staff_month", "staff_day", "staff_page"):
                start = _month_start(now) if kind == "staff_month" else today - timedelta(days=1)
                e = _read(conn, sa.select(ev.c.staff_no, ev.c.action, ev.c.at)
                          .where(ev.c.at >= start, ev.c.at <= now, ev.c.staff_no != ""), deadline)
                e.groupby(["staff_no", "action"]).size()
            if time.perf_counter() > deadline:
                raise _OverBudget
    except _OverBudget:
        return None
    return time.perf_counter() - t0


# --- the run ---------------------------------------------------------------------------------

def _data_now(engine) -> datetime:
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(ev.c.at))).scalar()
    if latest is None:
        return datetime.now().replace(second=0, microsecond=0)
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    return (latest + timedelta(minutes=1)).replace(second=0, microsecond=0)


def _ensure_users(engine) -> None:
    with engine.begin() as conn:
        for role in {r for r, _, _ in PAGES.values()}:
            if not users.get(conn, f"bench_{role}"):
                users.add(conn, f"bench_{role}", role, BENCH_PASSWORD, display_name=f"基准 {role}", actor="bench")


def _fmt(x: float | None) -> str:
    return "—" if x is None else (f"{x * 1000:,.0f} ms" if x < 10 else f"{x:,.1f} s")


def machine() -> str:
    import platform

    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} CPU, {mem}, Python {platform.python_version()}, {platform.platform()}"


def run(args) -> int:
    import logging
    import warnings


    warnings.filterwarnings("ignore")
    for name in ("streamlit", "streamlit.runtime", "streamlit.deprecation_util"):
        logging.getLogger(name).setLevel(logging.ERROR)
    url = db_url(getattr(args, "db", None))
    engine = engine_for(args)
    only = getattr(args, "only", None)
    repeat = max(1, int(getattr(args, "repeat", 5) or 5))
    if only and only not in PAGES:
        raise SystemExit(f"未知页面：{only}（可选：{', '.join(PAGES)}）")
    now = datetime.fromisoformat(args.now) if getattr(args, "now", None) else _data_now(engine)
    os.environ["HOTLINE_DB_URL"] = url
    os.environ["HOTLINE_NOW"] = now.isoformat(" ")
    _ensure_users(engine)
    with engine.connect() as conn:
        n_t = conn.execute(sa.select(sa.func.count()).select_from(tk)).scalar()
        n_e = conn.execute(sa.select(sa.func.count()).select_from(ev)).scalar()
    engine_name = engine.dialect.name
    print(f"# {engine_name}: {n_t:,} tickets, {n_e:,} events, now = {now}, repeat = {repeat}")
    print(f"# {machine()}")
    steady = int(getattr(args, "steady_feed", 0) or 0)
    with contextlib.ExitStack() as stack:
        if steady:
            work = stack.enter_context(steady_feed(url, steady))
            print(f"# steady feed: {steady:,} tickets a day from MariaDB, pulled every {PULL_EVERY} s ({work})")
        results = _measure(engine, now, only, repeat, args)
    _print_table(engine_name, results)
    return 0


def _measure(engine, now, only, repeat, args) -> list:
    results = []
    for key, (role, query, kinds) in PAGES.items():
        if only and key != only:
            continue
        res = PageResult(key)
        try:
            res.calls, res.error = _record(key, role, query)
        except Exception as e:  # noqa: BLE001 - a page that fails is reported, the rest still run
            res.error = f"{type(e).__name__}: {e}"[:300]
        if res.calls:
            res.product = [_replay(res.calls) for _ in range(repeat)]
        if kinds and not getattr(args, "product_only", False):
            with engine.connect() as conn:
                first = _timed(lambda kinds=kinds: run_raw(conn, kinds, now))
                reps = 1 if first > RAW_SLOW else repeat
                res.raw = [_timed(lambda kinds=kinds: run_raw(conn, kinds, now)) for _ in range(reps)]
                p = run_pandas(conn, kinds, now, PANDAS_BUDGET)
                res.pandas, res.pandas_over = p, p is None
        results.append(res)
        _print_row(res)
        sys.stdout.flush()
    return results


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _median(xs):
    return statistics.median(xs) if xs else None


def _print_row(r: PageResult) -> None:
    note = f"  ⚠ {r.error}" if r.error else ""
    print(f"  {r.page:<12} {len(r.calls):>3} calls  product {_fmt(_median(r.product)):>10}  "
          f"raw {_fmt(_median(r.raw)):>10}{note}", flush=True)


def _ratio(x, base) -> str:
    if not x or not base:
        return "—"
    q = x / base
    return f"{q:,.0f}×" if q >= 10 else f"{q:.1f}×"


def _print_table(engine_name: str, results: list[PageResult]) -> None:
    print()
    print(f"| page ({engine_name}) | calls | product (median) | raw SQL | × | pandas | × |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        prod = _median(r.product)
        raw = _median(r.raw)
        pandas = f"> {PANDAS_BUDGET:.0f} s" if r.pandas_over else _fmt(r.pandas)
        ratio_raw = _ratio(raw, prod)
        if r.pandas_over and prod:
            ratio_pd = "> " + _ratio(PANDAS_BUDGET, prod)
        else:
            ratio_pd = _ratio(r.pandas, prod)
        print(f"| {r.page} | {len(r.calls)} | {_fmt(prod)} | {_fmt(raw)} | {ratio_raw} | {pandas} | {ratio_pd} |")
    total = [_median(r.product) for r in results if r.product]
    if total:
        print(f"\nslowest page: {max(total) * 1000:,.0f} ms; pages over budget "
              f"({'300' if engine_name == 'postgresql' else '500'} ms): "
              f"{', '.join(r.page for r in results if r.product and _median(r.product) > (0.3 if engine_name == 'postgresql' else 0.5)) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.pages", description="页面查询性能基准（不是测试）")
    ap.add_argument("--db", help="数据库 URL（默认 HOTLINE_DB_URL 或 sqlite:///data/hotline.db）")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", help="只测某个页面")
    ap.add_argument("--steady-feed", type=int, metavar="PER_DAY",
                    help="测量期间持续接入：MariaDB 示例业务库每天产生 PER_DAY 张工单，feed 每分钟拉取")
    ap.add_argument("--now", help="页面的“现在” YYYY-MM-DD HH:MM（默认：最后一条流转记录后一分钟）；"
                                  "对比多次运行时用同一时刻")
    ap.add_argument("--product-only", action="store_true",
                    help="只测本产品的查询（不测原始 SQL 与 pandas 对照），如对比有无持续数据接入")
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
