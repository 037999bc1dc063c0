"""三率 rankings (docs/three-rates.md): per-unit counts → exact rates, rank, 汇总 row, change on the
previous period. Pure: the counts come from queries.three_rates.unit_counts; the rates from
domain.three_rates.compute (the one place the formula lives).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from domain import three_rates
from domain.evidence import MIN_RANK_SAMPLE
from domain.formatting import half_up, pct
from domain.rules import Rules

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
    r = three_rates.compute(c["population"], c["contacted"], c["resolved"], c["satisfied"], c["basic_satisfied"], rules)
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
class Lowest:
    """The lowest composites among the units with a large enough sample, lowest first, and how many
    units with a composite were left out for a sample under `min_sample` 有效回访."""
    rows: list[RankRow]
    left_out: int
    min_sample: int


def lowest(rows: list[RankRow], n: int, min_sample: int = MIN_RANK_SAMPLE) -> Lowest:
    """The `n` lowest composites of units with at least `min_sample` 有效回访 (evidence.MIN_RANK_SAMPLE):
    lowest first; on equal composites the larger sample first, then the name. A unit with a
    composite on fewer callbacks is left out (counted in `left_out`), never ranked."""
    scored = [r for r in rows if r.composite is not None]
    ranked = [r for r in scored if r.population >= min_sample]
    ranked.sort(key=lambda r: (r.composite, -r.population, r.unit))
    return Lowest(ranked[:n], len(scored) - len(ranked), min_sample)


def small_sample_note(left_out: int, min_sample: int, what: str) -> str | None:
    """The caption under a ranking that left units out, or None when none was."""
    if not left_out:
        return None
    return f"有效回访不足 {min_sample:,} 件的 {left_out:,} 个{what}样本不足，未参与排名"


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


RANKING_HEADERS = ["序号", "承办单位", "受理量", "办结量", "有效回访", "联系数", "解决数", "满意数", "基本满意",
                   "响应率", "解决率", "满意率", "综合成绩", "综合成绩变化", "排名变化"]


def composite_text(x: Fraction | None) -> str:
    return "—" if x is None else str(half_up(x, 2))


def _delta_text(c: Change | None) -> tuple[str, str]:
    if c is None or c.composite_delta is None:
        return "—", "—"
    d = half_up(c.composite_delta, 2)
    rank = "—" if c.rank_delta is None else ("持平" if c.rank_delta == 0 else
                                             f"↑{c.rank_delta}" if c.rank_delta > 0 else f"↓{-c.rank_delta}")
    return (f"+{d}" if d > 0 else str(d)), rank


def to_frame(rows: list[RankRow], total: RankRow, change: dict[str, Change] | None = None) -> pd.DataFrame:
    """The ranking as shown and exported: Chinese headers, rates as '95.12%' (half-up), composite
    with 2 decimals, the 汇总 row last."""
    records = []
    for r in [*rows, total]:
        dc, dr = _delta_text((change or {}).get(r.unit)) if r.rank is not None else ("", "")
        records.append([r.rank if r.rank is not None else TOTAL_LABEL, r.unit if r.rank is not None else "全部单位",
                        r.received, r.closed, r.population, r.contacted, r.resolved, r.satisfied, r.basic_satisfied,
                        pct(r.response_rate), pct(r.resolution_rate), pct(r.satisfaction_rate),
                        composite_text(r.composite), dc, dr])
    df = pd.DataFrame(records, columns=RANKING_HEADERS)
    df["序号"] = df["序号"].astype(str)
    return df
