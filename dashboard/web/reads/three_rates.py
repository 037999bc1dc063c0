"""Cached district 三率 (the city's grading of the district): the period's rates, rankings, change, trend."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from dashboard.infra.concurrent_reads import concurrently
from dashboard.services import rankings
from dashboard.services.rules_store import rules_for_month, rules_for_months
from dashboard.web.reads import cached, engine
from domain.evidence import Comparison, like_for_like
from domain.formatting import pct
from domain.three_rates import Period, ThreeRates, period_containing, period_for_month
from domain.three_rates import compute as compute_three_rates
from queries import three_rates as three_rates_queries


def period_labels(now: datetime, count: int = 24) -> list[str]:
    """The period containing `now` and the `count` − 1 before it, newest first (YYYY-MM)."""
    return period_labels_from(period_containing(now).label, count)


def previous_label(label: str) -> str:
    return period_labels_from(label, 2)[1]


def period_labels_from(label: str, count: int) -> list[str]:
    """`label` (YYYY-MM) and the `count` − 1 months before it, newest first."""
    y, m = (int(x) for x in label.split("-"))
    return [f"{(y * 12 + m - 1 - k) // 12:04d}-{(y * 12 + m - 1 - k) % 12 + 1:02d}" for k in range(count)]


@cached(ttl="300s", max_entries=64, show_spinner=False)
def period(label: str) -> Period:
    with engine().connect() as conn:
        return period_for_month(label, rules_for_month(conn, label))


@dataclass(frozen=True)
class PageFigures:
    """What the 三率 page shows for one period: the district's rates for it and the previous
    period, the two rankings with their change on the previous period, the 12-period trend."""
    current: ThreeRates
    previous: ThreeRates
    rankings: dict[str, pd.DataFrame]       # RANKING_KINDS key → ranking_frame
    trend: pd.DataFrame


@cached(ttl="120s", max_entries=32, show_spinner=False)
def page_figures(label: str, now: datetime) -> PageFigures:
    """The page's figures, its five independent reads (the two periods' district counts and unit
    counts, the trend) at the same time on their own connections (dashboard.infra.concurrent_reads);
    the same values as district / ranking_frame / trend one by one."""
    prev = previous_label(label)
    prev_until = comparison(label, now).prev_cut
    cur_rates, prev_rates, counts, prev_counts, trend_frame = concurrently(engine(), [
        lambda c: _district(c, label), lambda c: _district(c, prev, prev_until),
        lambda c: _ranking_counts(c, label, now), lambda c: _ranking_counts(c, prev, None),
        lambda c: _trend(c, label, 12)])
    with engine().connect() as conn:
        rules, prev_rules = rules_for_month(conn, label), rules_for_month(conn, prev)
    frames = {kind: _ranking_table(_ranking(counts, kind, rules), _ranking(prev_counts, kind, prev_rules)[0])
              for kind in three_rates_queries.RANKING_KINDS}
    return PageFigures(cur_rates, prev_rates, frames, trend_frame)


@cached(ttl="120s", max_entries=64, show_spinner=False)
def district(label: str) -> ThreeRates:
    """The period's counts and exact rates (the figures `kpi` prints for the same period)."""
    with engine().connect() as conn:
        return _district(conn, label)


def comparison(label: str, now: datetime) -> Comparison:
    """How the period `label` is compared at `now`: while it runs (进行中), with the same elapsed
    part of the previous period; once ended, with the whole of it."""
    p, q = period(label), period(previous_label(label))
    return like_for_like(p.start, p.end_exclusive, q.start, q.end_exclusive, now)


def _district(conn, label: str, until: datetime | None = None) -> ThreeRates:
    """The period's 三率; with `until`, of the tickets received up to that instant only."""
    rules = rules_for_month(conn, label)
    p = period_for_month(label, rules)
    end = p.end if until is None else min(p.end, until)
    c = three_rates_queries.district_counts(conn, start=p.start, end=end)
    return compute_three_rates(c["population"], c["contacted"], c["resolved"], c["satisfied"], c["basic_satisfied"], rules)


@cached(ttl="120s", max_entries=64, show_spinner=False)
def ranking_counts(label: str, now: datetime | None) -> pd.DataFrame:
    """queries.three_rates.ranking_counts of the period: the counts of every ranked unit, read
    once for both rankings (街乡镇 and 区直单位); now=None: without `closed` (0)."""
    with engine().connect() as conn:
        return _ranking_counts(conn, label, now)


def _ranking_counts(conn, label: str, now: datetime | None) -> pd.DataFrame:
    p = period_for_month(label, rules_for_month(conn, label))
    return three_rates_queries.ranking_counts(conn, start=p.start, end=p.end, now=now)


@cached(ttl="120s", max_entries=64, show_spinner=False)
def ranking(label: str, kind: str, now: datetime | None) -> tuple[list[rankings.RankRow], rankings.RankRow]:
    """The period's ranking as of `now`; now=None gives the ranks and rates only (办结量 0): they do
    not depend on `now`, so a previous period's serve the change columns for every minute."""
    counts = ranking_counts(label, now)
    with engine().connect() as conn:
        rules = rules_for_month(conn, label)
    return _ranking(counts, kind, rules)


def _ranking(counts: pd.DataFrame, kind: str, rules) -> tuple[list[rankings.RankRow], rankings.RankRow]:
    counts = counts[counts["kind"].isin(three_rates_queries.RANKING_KINDS[kind])]
    counts = counts[three_rates_queries.UNIT_COUNTS_COLUMNS].reset_index(drop=True)
    return rankings.ranking(counts, rules)


def ranking_frame(label: str, kind: str, now: datetime) -> pd.DataFrame:
    return _ranking_table(ranking(label, kind, now), ranking(previous_label(label), kind, None)[0])


def _ranking_table(current: tuple[list[rankings.RankRow], rankings.RankRow],
                   previous_rows: list[rankings.RankRow]) -> pd.DataFrame:
    """The ranking table with its change on the previous period (whose ranking may be read
    with now=None: only ranks and composites are compared)."""
    rows, total = current
    return rankings.to_frame(rows, total, rankings.changes(rows, previous_rows))


TREND_COLUMNS = ["period", "population", "response_rate", "resolution_rate", "satisfaction_rate", "composite",
                 "response_text", "resolution_text", "satisfaction_text", "composite_text"]


@cached(ttl="300s", max_entries=32, show_spinner=False)
def trend(label: str, count: int = 12) -> pd.DataFrame:
    """The last `count` periods up to `label`, oldest first: period · population · rates and
    composite as floats in percent (chart values only) · the same as exact half-up texts
    (response_text … '95.12%', composite_text '92.30') for tables."""
    with engine().connect() as conn:
        return _trend(conn, label, count)


def _trend(conn, label: str, count: int) -> pd.DataFrame:
    labels = list(reversed(period_labels_from(label, count)))
    rules_by = rules_for_months(conn, labels)
    periods = []
    for lab in labels:
        p = period_for_month(lab, rules_by[lab])
        periods.append((lab, p.start, p.end))
    counts = three_rates_queries.periods_counts(conn, periods=periods)
    rows = []
    for rec in counts.to_dict("records"):
        r = compute_three_rates(rec["population"], rec["contacted"], rec["resolved"], rec["satisfied"],
                       rec["basic_satisfied"], rules_by[rec["label"]])
        rows.append([rec["label"], r.population] + [
            None if x is None else float(x * 100) for x in (r.response_rate, r.resolution_rate,
                                                             r.satisfaction_rate)] + [
            None if r.composite is None else float(r.composite)] + [
            pct(r.response_rate), pct(r.resolution_rate), pct(r.satisfaction_rate),
            rankings.composite_text(r.composite)])
    return pd.DataFrame(rows, columns=TREND_COLUMNS)
