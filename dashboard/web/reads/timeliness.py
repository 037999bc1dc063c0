"""Cached SLA-clock figures (each clock's time against its limit) and the working-day option of the close clock."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import pandas as pd

from dashboard.infra.concurrent_reads import concurrently
from dashboard.services import calendar_days
from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import cached, cached_query, engine
from domain.calendar import add_working_days
from domain.formatting import duration_text, pct
from domain.rules import Rules, working_days_of
from queries import timeliness

intake_heatmap = cached_query(timeliness.intake_heatmap, ttl="300s", max_entries=32)


def working_day_close_offsets(rules: Rules, first_day: date, last_day: date) -> dict[str, dict[date, int]]:
    """For each sla_class whose close limit counts working days (domain.rules.working_days_of)
    and each day received: how many calendar days
    that many working days span from that day (domain.calendar decides holidays)."""
    out: dict[str, dict[date, int]] = {}
    for sla_class, limit in rules.limits().close_by_class:
        days = working_days_of(limit)
        if days is None:
            continue
        d, by_day = first_day, {}
        while d <= last_day:
            moved = add_working_days(datetime.combine(d, datetime.min.time()), days)
            by_day[d] = (moved.date() - d).days
            d += timedelta(days=1)
        out[sla_class] = by_day
    return out


def _params(conn, start: datetime, end: datetime, working_days: bool):
    rules = rules_for_month(conn, f"{start:%Y-%m}")
    offsets = None
    if working_days:
        calendar_days.load(conn)
        offsets = working_day_close_offsets(rules, start.date(), (end - timedelta(microseconds=1)).date())
    return rules.limits(), offsets


@cached(ttl="300s", max_entries=128, show_spinner=False)
def clock_summary(clock: str, start: datetime, end: datetime, now: datetime, by: str = "all",
                  working_days: bool = False) -> pd.DataFrame:
    with engine().connect() as conn:
        limits, offsets = _params(conn, start, end, working_days and clock == "close")
        return timeliness.clock_summary(conn, clock, start=start, end=end, now=now, by=by, limits=limits,
                                        close_offsets=offsets)


@cached(ttl="300s", max_entries=64, show_spinner=False)
def clock_overview(start: datetime, end: datetime, now: datetime, working_days: bool = False) -> pd.DataFrame:
    with engine().connect() as conn:
        limits, offsets = _params(conn, start, end, working_days)
    # its three reads at the same time, each on its own connection (none held meanwhile)
    return timeliness.clock_overview(None, start=start, end=end, now=now, limits=limits, close_offsets=offsets,
                                     run_parts=lambda parts: concurrently(engine(), parts))


@cached(ttl="300s", max_entries=64, show_spinner=False)
def overview_and_lags(start: datetime, end: datetime, now: datetime, working_days: bool,
                      clock: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(clock_overview, clock_summary(clock, by="all")) of the same range: the page's first two
    figures, the summary's lag percentiles read at the same time as the overview's three parts."""
    with engine().connect() as conn:
        limits, offsets = _params(conn, start, end, working_days)
        c_limits, c_offsets = _params(conn, start, end, working_days and clock == "close")
    got = {}

    def run(parts):
        def lags(c):
            return timeliness.clock_summary(c, clock, start=start, end=end, now=now, by="all", limits=c_limits,
                                            close_offsets=c_offsets)
        # the percentiles first: on SQLite they are the longest part
        got["lags"], *rest = concurrently(engine(), [lags, *parts])
        return rest

    overview = timeliness.clock_overview(None, start=start, end=end, now=now, limits=limits,
                                         close_offsets=offsets, run_parts=run)
    return overview, got["lags"]


@cached(ttl="300s", max_entries=64, show_spinner=False)
def breaches(clock: str, start: datetime, end: datetime, now: datetime, working_days: bool = False) -> pd.DataFrame:
    with engine().connect() as conn:
        limits, offsets = _params(conn, start, end, working_days and clock == "close")
        return timeliness.breaches(conn, clock, start=start, end=end, now=now, limits=limits,
                                   close_offsets=offsets)


@cached(ttl="300s", show_spinner=False)
def rules_close_in_working_days(month: str) -> bool:
    with engine().connect() as conn:
        return rules_for_month(conn, month).close_in_working_days


def with_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Adds share_text ('95.12%': on_time / total exact, half-up), share_pct (float, chart value
    only), p50_text / p90_text (durations for people)."""
    out = df.copy()
    shares = [Fraction(int(a), int(b)) if int(b) else None for a, b in zip(out["on_time"], out["total"])]
    out["share_text"] = [pct(s) for s in shares]
    out["share_pct"] = pd.array([None if s is None else float(s * 100) for s in shares], dtype="Float64")
    for c in ("p50", "p90"):
        if f"{c}_seconds" not in out:
            continue
        out[f"{c}_text"] = out[f"{c}_seconds"].map(lambda v: "—" if pd.isna(v) else duration_text(int(v)))
    return out
