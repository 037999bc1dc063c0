"""Cached figures of the wall display. Tiles reuse the same queries as the desk pages (overview,
backlog, 三率, assessment engine), so the wall, the pages and the CLI agree for one `now`."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.services import rankings
from dashboard.services.assessment.engine import month_result
from dashboard.services.assessment.views import contract_months, contract_start
from dashboard.services.rules_store import rules_for_month
from dashboard.web.live import UNAVAILABLE
from dashboard.web.reads import cached, cached_query, engine
from dashboard.web.reads.three_rates import ranking, trend
from domain.three_rates import Period, ThreeRates, period_containing
from domain.three_rates import compute as compute_three_rates
from domain.vocabulary import NO_DATA_MEANING
from queries import wall
from queries.three_rates import district_counts

hourly_profile = cached_query(wall.hourly_profile, ttl="60s", max_entries=32)
rising = cached_query(wall.rising, ttl="60s", max_entries=32)
above_normal = cached_query(wall.above_normal, ttl="60s", max_entries=32)
backlog_snapshots = cached_query(wall.backlog_snapshots, ttl="60s", max_entries=32)
urgent_ticker = cached_query(wall.urgent_ticker, ttl="60s", max_entries=32)

TREND_POINTS = 6   # points in the wall's 三率 and 考核 trend lines, the current period's included


@cached(ttl="120s", max_entries=16, show_spinner=False)
def current_three_rates(now: datetime) -> tuple[Period, ThreeRates]:
    """The 三率 of the assessment period containing `now` (whole period, as `kpi` computes it)."""
    with engine().connect() as conn:
        rules = rules_for_month(conn, f"{now:%Y-%m}")
        p = period_containing(now, rules)
        rules = rules_for_month(conn, p.label)
        c = district_counts(conn, start=p.start, end=p.end)
        return p, compute_three_rates(c["population"], c["contacted"], c["resolved"], c["satisfied"],
                                      c["basic_satisfied"], rules)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def month_score(month: str, now: datetime) -> dict:
    """The month's estimated 考核 score: {"score": Decimal | None, "frozen": bool, "note": str}
    (and "no_data": True for a month without any ticket or event, which has no score).

    A database outage propagates (the wall keeps the last good figure); any other failure of
    the assessment engine gives "—" with a note, so the wall never breaks on it.
    """
    with engine().connect() as conn:
        try:
            r = month_result(conn, month, now)
        except UNAVAILABLE:
            raise
        except Exception:  # noqa: BLE001 - a broken estimate must not take the wall down
            return {"score": None, "frozen": False, "note": "考核预估暂不可用"}
    if not r.has_data:
        return {"score": None, "frozen": False, "note": NO_DATA_MEANING.replace("当月", "本月"), "no_data": True}
    return {"score": r.score, "frozen": bool(r.frozen), "note": "已签认" if r.frozen else "按当前数据预估"}


def three_rates_trend(now: datetime) -> pd.DataFrame:
    """The last 12 periods up to the one containing `now` (see dashboard.web.reads.three_rates.trend)."""
    return trend(period_containing(now).label, 12)


@cached(ttl="120s", max_entries=16, show_spinner=False)
def lowest_composites(now: datetime, kind: str, n: int = 5) -> tuple[pd.DataFrame, int]:
    """(unit · composite (float) · population (int), left out): the `n` lowest composites of the
    period containing `now` (kind: street = 街乡镇, department = 区直单位 / 承办单位), lowest first,
    among the units with at least evidence.MIN_RANK_SAMPLE 有效回访 (rankings.lowest); and how many
    units were left out for a smaller sample."""
    rows, _ = ranking(period_containing(now).label, kind, now)
    low = rankings.lowest(rows, n)
    df = pd.DataFrame([[r.unit, float(r.composite or 0), int(r.population)] for r in low.rows],
                      columns=["unit", "composite", "population"])
    return df, low.left_out


def street_composites(now: datetime) -> pd.DataFrame:
    """unit · composite (float, chart value) of the 街乡镇 in the period containing `now`."""
    rows, _ = ranking(period_containing(now).label, "street", now)
    return pd.DataFrame([[r.unit, None if r.composite is None else float(r.composite)] for r in rows],
                        columns=["unit", "composite"])


@cached(ttl="1800s", max_entries=8, show_spinner=False)
def earlier_month_scores(month: str, n: int = TREND_POINTS - 1) -> list[float]:
    """The 考核 scores of the (at most `n`) contract months before `month` that have one, oldest
    first (chart values only): the points before the 本月考核预估分 tile's figure in its trend line.
    Finished months change only on late corrections, hence the long cache. A broken estimate gives
    no points (the tile says why); an outage propagates like every wall read."""
    with engine().connect() as conn:
        start = contract_start(conn)
        months = [m for m in contract_months(start, datetime.strptime(month + "-01", "%Y-%m-%d")) if m < month]
        scores = []
        for m in months[-n:] if n else []:
            try:
                r = month_result(conn, m, None)
            except UNAVAILABLE:
                raise
            except Exception:  # noqa: BLE001 - a broken estimate must not take the wall down
                continue
            if r.has_data and r.score is not None:
                scores.append(float(r.score))
        return scores
