"""Breach forecast (docs/breach_forecast.md): for each open ticket whose deadline falls in the next
hours, the probability that it closes on time, and the expected breaches per unit and shift.

The history arrives already counted (queries/breach.py): per handling unit, 时限类型, `open_through`
and outcome, how many tickets of the last days had a known outcome. `open_through` = k means the
ticket was still open at the start of share buckets 0 … k−1 of its limit, i.e. at elapsed shares
0, 1/B, …, (k−1)/B (B = SHARE_BUCKETS). A target ticket whose elapsed share lies in bucket b is
compared with the history tickets still open at share b/B (open_through > b); p is the share of
those that closed on time. With fewer than MIN_TICKETS of them the estimate backs off from the
unit's tickets of that 时限类型 to all units' tickets of that 时限类型, then to all tickets.
Pure arithmetic on exact fractions; no I/O.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from domain.vocabulary import SHIFT_HOURS, SHIFTS

SHARE_BUCKETS = 20            # deciles of the elapsed share of a ticket's close limit
MIN_TICKETS = 30              # history tickets a bucket needs before its share is used
HISTORY_DAYS = 90             # the history: tickets received in these days before now
HORIZON = timedelta(hours=24)  # the tickets forecast: deadline from now up to now + HORIZON
BASELINE_SHARE = Fraction(4, 5)  # the back-test's baseline: open past this share of the limit breaches
NO_HISTORY_P = Fraction(1, 2)    # p when no history ticket at all was open at that share

LEVEL_UNIT, LEVEL_CLASS, LEVEL_ALL, LEVEL_NONE = "本单位同类", "全区同类", "全部工单", "无历史"
LEVELS = (LEVEL_UNIT, LEVEL_CLASS, LEVEL_ALL)


@dataclass(frozen=True)
class HistoryRow:
    """`tickets` history tickets of (unit, sla_class) with this open_through and outcome."""
    unit: str
    sla_class: str
    open_through: int
    on_time: bool
    tickets: int


@dataclass(frozen=True)
class Estimate:
    p: Fraction          # probability of closing on time
    level: str           # which history it came from (LEVELS, or LEVEL_NONE)
    tickets: int         # how many history tickets it rests on


@dataclass(frozen=True)
class Target:
    ticket_no: str
    unit: str
    sla_class: str
    received_at: datetime
    deadline_at: datetime


@dataclass(frozen=True)
class TargetForecast:
    target: Target
    bucket: int
    shift: str
    estimate: Estimate

    @property
    def breach(self) -> Fraction:
        return 1 - self.estimate.p


def share_bucket(received_at: datetime, deadline_at: datetime, now: datetime, buckets: int = SHARE_BUCKETS) -> int:
    """The bucket of the elapsed share (now − received) / (deadline − received), 0 … buckets − 1."""
    span = (deadline_at - received_at).total_seconds()
    if span <= 0:
        return buckets - 1
    elapsed = max(0, int((now - received_at).total_seconds()))
    return max(0, min(buckets - 1, (elapsed * buckets) // int(span)))


def shift_of(at: datetime) -> str:
    """The shift on duty at `at` (早班 08–16, 中班 16–24, 夜班 00–08)."""
    return SHIFTS[at.hour // SHIFT_HOURS]


def past_baseline_share(received_at: datetime, deadline_at: datetime, now: datetime) -> bool:
    """The baseline's verdict: open past BASELINE_SHARE of its limit → it breaches."""
    span = deadline_at - received_at
    return (now - received_at) >= span * BASELINE_SHARE.numerator / BASELINE_SHARE.denominator


class Estimator:
    """p(on time | open at the bucket's share) from the counted history, with the back-off."""

    def __init__(self, history: Iterable[HistoryRow], *, buckets: int = SHARE_BUCKETS,
                 min_tickets: int = MIN_TICKETS) -> None:
        self.buckets = buckets
        self.min_tickets = min_tickets
        # [level key][bucket] -> [open at that share, of which on time]
        self._counts: dict[tuple[str, ...], list[list[int]]] = defaultdict(lambda: [[0, 0] for _ in range(buckets)])
        for row in history:
            reach = max(0, min(buckets, row.open_through))
            for key in ((LEVEL_UNIT, row.unit, row.sla_class), (LEVEL_CLASS, row.sla_class), (LEVEL_ALL,)):
                cells = self._counts[key]
                for b in range(reach):
                    cells[b][0] += row.tickets
                    if row.on_time:
                        cells[b][1] += row.tickets

    def counts(self, key: tuple[str, ...], bucket: int) -> tuple[int, int]:
        """(open at the bucket's share, of which closed on time) of one level's key."""
        cells = self._counts.get(key)
        if cells is None:
            return 0, 0
        n, ok = cells[bucket]
        return n, ok

    def estimate(self, unit: str, sla_class: str, bucket: int) -> Estimate:
        keys = ((LEVEL_UNIT, unit, sla_class), (LEVEL_CLASS, sla_class), (LEVEL_ALL,))
        fallback: Estimate | None = None
        for key in keys:
            n, ok = self.counts(key, bucket)
            if n >= self.min_tickets:
                return Estimate(Fraction(ok, n), key[0], n)
            if n > 0:
                fallback = Estimate(Fraction(ok, n), key[0], n)
        # not even all tickets reach the minimum: the widest history that has any ticket
        return fallback or Estimate(NO_HISTORY_P, LEVEL_NONE, 0)


def forecast(targets: Iterable[Target], estimator: Estimator, now: datetime) -> list[TargetForecast]:
    """Each target's bucket, shift (by its deadline's hour) and estimate."""
    out = []
    for t in targets:
        b = share_bucket(t.received_at, t.deadline_at, now, estimator.buckets)
        out.append(TargetForecast(t, b, shift_of(t.deadline_at), estimator.estimate(t.unit, t.sla_class, b)))
    return out


def expected_by(forecasts: Iterable[TargetForecast], key: str) -> dict[str, tuple[int, Fraction]]:
    """Per unit (key='unit') or shift (key='shift'): (tickets due, expected breaches = Σ (1 − p))."""
    out: dict[str, tuple[int, Fraction]] = {}
    for f in forecasts:
        k = f.target.unit if key == "unit" else f.shift
        n, e = out.get(k, (0, Fraction(0)))
        out[k] = (n + 1, e + f.breach)
    return out


def brier(pairs: Iterable[tuple[Fraction, bool]]) -> Fraction | None:
    """Mean of (predicted breach probability − actual breach)² over (probability, breached) pairs."""
    total, n = Fraction(0), 0
    for q, breached in pairs:
        total += (q - (1 if breached else 0)) ** 2
        n += 1
    return total / n if n else None


def mean_absolute_error(pairs: Iterable[tuple[Fraction, int]]) -> Fraction | None:
    """Mean of |expected − actual| over (expected, actual) pairs."""
    total, n = Fraction(0), 0
    for expected, actual in pairs:
        total += abs(expected - actual)
        n += 1
    return total / n if n else None
