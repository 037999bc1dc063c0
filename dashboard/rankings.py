"""三率 rankings (DESIGN 3.3): per-unit counts → exact rates, rank, 汇总 row, change on the
previous period. Pure: the counts come from queries.three_rates.unit_counts; the rates from
dashboard.domain.three_rates.compute (the one place the formula lives).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from dashboard.domain import three_rates as tr
from dashboard.domain.rules import Rules

COUNT_COLUMNS = ["received", "closed", "population", "contacted", "resolved", "satisfied", "basic_satisfied"]
TOTAL_LABEL = "汇总"


@dataclass(frozen=True)
class RankRow:
    rank: int | None            # None for the 汇总 row
    unit: str
    received: int
    closed: int
    population: int
    contacted: int
    resolved: int
    satisfied: int
    basic_satisfied: int
    response_rate: Fraction | None
    resolution_rate: Fraction | None
    satisfaction_rate: Fraction | None
    composite: Fraction | None


def _row(rank, unit, c: dict, rules: Rules | None) -> RankRow:
    r = tr.compute(c["population"], c["contacted"], c["resolved"], c["satisfied"], c["basic_satisfied"], rules)
    return RankRow(rank, unit, *(int(c[k]) for k in COUNT_COLUMNS), r.response_rate, r.resolution_rate,
                   r.satisfaction_rate, r.composite)


def ranking(counts: pd.DataFrame, rules: Rules | None = None) -> tuple[list[RankRow], RankRow]:
    """Units ranked by composite (highest first; units without 有效回访 last), then 受理量
    (largest first), then name; ranks 1..n in that order. Returns (rows, 汇总 row): the total
    sums the counts and takes the rates of the sums."""
    rows = [_row(None, rec["unit"], rec, rules) for rec in counts.to_dict("records")]
    rows.sort(key=lambda r: (r.composite is None, -(r.composite or 0), -r.received, r.unit))
    ranked = [RankRow(i + 1, *(getattr(r, f) for f in RankRow.__dataclass_fields__ if f != "rank"))
              for i, r in enumerate(rows)]
    sums = {k: int(counts[k].sum()) if len(counts) else 0 for k in COUNT_COLUMNS}
    return ranked, _row(None, TOTAL_LABEL, sums, rules)


@dataclass(frozen=True)
class Change:
    composite_delta: Fraction | None   # this period − previous (None when either has no data)
    rank_delta: int | None             # previous rank − this rank (positive = moved up)


def changes(current: list[RankRow], previous: list[RankRow]) -> dict[str, Change]:
    prev = {r.unit: r for r in previous}
    out = {}
    for r in current:
        p = prev.get(r.unit)
        if p is None:
            out[r.unit] = Change(None, None)
            continue
        dc = None if r.composite is None or p.composite is None else r.composite - p.composite
        dr = None if r.composite is None or p.composite is None else p.rank - r.rank
        out[r.unit] = Change(dc, dr)
    return out
