"""Cached per-staff figures for the 人员绩效 page."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.infra.concurrent_reads import concurrently
from dashboard.services.reports import standup as standup_report
from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import cached, cached_query, engine
from domain import staffing
from domain.formatting import pct
from domain.rules import Limits
from queries import shifts as shifts_queries
from queries import staff as staff_queries

RANK_BASIS = staff_queries.RANK_BASIS   # role → (sample, on-time numerator, denominator)

teams = cached_query(shifts_queries.teams, ttl="600s")
person_daily = cached_query(staff_queries.person_daily, ttl="120s", max_entries=64)
person_tickets = cached_query(staff_queries.person_tickets, ttl="120s", max_entries=64)


def _limits(conn, start: datetime) -> Limits:
    return rules_for_month(conn, f"{start:%Y-%m}").limits()


@cached(ttl="120s", max_entries=32, show_spinner=False)
def performance_by_role(start: datetime, end: datetime, now: datetime, team: str | None) -> dict[str, pd.DataFrame]:
    """{role: queries.staff.staff_performance plus `rank` (competition rank, or 样本不足)} for the
    page's five tabs, read at the same time on their own connections (dashboard.infra.concurrent_reads)."""
    frames = concurrently(engine(), [lambda c, r=role: _ranked(c, r, start, end, now, team)
                                     for role in staff_queries.ROLES])
    return dict(zip(staff_queries.ROLES, frames))


def _ranked(conn, role: str, start: datetime, end: datetime, now: datetime, team: str | None) -> pd.DataFrame:
    df = staff_queries.staff_performance(conn, role=role, start=start, end=end, now=now, team=team,
                                         limits=_limits(conn, start))
    sample, num, den = RANK_BASIS[role]
    errors = list(df[staff_queries.RANK_ERRORS[role]]) if role in staff_queries.RANK_ERRORS else [0] * len(df)
    df["rank"] = staffing.rank_labels(list(df[sample]), [staffing.rank_score(n, d, e) for n, d, e in
                                                         zip(df[num], df[den], errors)], errors=errors)
    # ranked people first (by rank), then the small samples by 工号
    order = [int(r) if r.isdigit() else 10**6 for r in df["rank"]]
    return df.assign(_o=order).sort_values(["_o", "staff_no"]).drop(columns="_o").reset_index(drop=True)


SHARE_BASIS = {**staff_queries.SHARES}


def display_frame(role: str, df: pd.DataFrame) -> pd.DataFrame:
    """The same rows with every share as an exact half-up percentage string ('—' when there is
    nothing to judge) and medians to one decimal, for tables and exports people read."""
    out = df.copy()
    basis = {**SHARE_BASIS}
    if role in staff_queries.ROLE_SHARE:
        basis["on_time_share"] = staff_queries.ROLE_SHARE[role]
    for col, (num, den) in basis.items():
        if col in out:
            out[col] = [pct(staffing.share(n, d)) for n, d in zip(out[num], out[den])]
    for col in ("median_sign_minutes", "median_dispatch_minutes"):
        if col in out:
            out[col] = ["—" if pd.isna(v) else f"{v:.1f}" for v in out[col]]
    return out


@cached(ttl="120s", max_entries=64, show_spinner=False)
def person_table(start: datetime, end: datetime, now: datetime, team: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return standup_report.person_table(conn, start=start, end=end, now=now, limits=_limits(conn, start), team=team)


@cached(ttl="120s", max_entries=64, show_spinner=False)
def errors_with_evidence(staff_no: str | None, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return staff_queries.errors_with_evidence(conn, start=start, end=end, now=now, staff_no=staff_no,
                                                  limits=_limits(conn, start))
