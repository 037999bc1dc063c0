"""The breach forecast as tables for the pages (docs/breach_forecast.md): the counted history and
the tickets due, read by queries/breach.py, through domain/breach.py's estimator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import pandas as pd

from domain.breach import MIN_TICKETS, Estimator, HistoryRow, Target, TargetForecast, expected_by, forecast
from domain.formatting import half_up
from domain.vocabulary import SHIFTS_AS_LISTED

TICKET_COLUMNS = ["ticket_no", "unit", "sla_class", "deadline_at", "stage", "elapsed", "p_on_time", "basis"]
UNIT_COLUMNS = ["unit", "due", "expected"]
SHIFT_COLUMNS = ["shift", "due", "expected"]


@dataclass(frozen=True)
class BreachForecast:
    due: int                 # open tickets due in the horizon
    expected: Fraction       # Σ (1 − p)
    tickets: pd.DataFrame    # TICKET_COLUMNS, earliest deadline first; elapsed and p_on_time as shares (float, 2 places)
    units: pd.DataFrame      # UNIT_COLUMNS, most expected breaches first (expected: float, 1 place)
    shifts: pd.DataFrame     # SHIFT_COLUMNS, in the listed shift order


def estimator_of(history: pd.DataFrame, *, min_tickets: int = MIN_TICKETS) -> Estimator:
    return Estimator((HistoryRow(str(r.unit), str(r.sla_class), int(r.open_through), bool(r.on_time), int(r.tickets))
                      for r in history.itertuples()), min_tickets=min_tickets)


def targets_of(due: pd.DataFrame) -> list[Target]:
    return [Target(str(r.ticket_no), str(r.unit), str(r.sla_class), pd.Timestamp(r.received_at).to_pydatetime(),
                   pd.Timestamp(r.deadline_at).to_pydatetime()) for r in due.itertuples()]


def build(history: pd.DataFrame, due: pd.DataFrame, now: datetime, *, min_tickets: int = MIN_TICKETS) -> BreachForecast:
    forecasts: list[TargetForecast] = forecast(targets_of(due), estimator_of(history, min_tickets=min_tickets), now)
    stages = dict(zip(due["ticket_no"].astype(str), due["stage"], strict=True)) if not due.empty else {}
    tickets = pd.DataFrame([{
        "ticket_no": f.target.ticket_no, "unit": f.target.unit, "sla_class": f.target.sla_class,
        "deadline_at": f.target.deadline_at, "stage": stages.get(f.target.ticket_no, ""),
        "elapsed": float(half_up(_elapsed(f.target, now), 2)), "p_on_time": float(half_up(f.estimate.p, 2)),
        "basis": f"{f.estimate.level}（{f.estimate.tickets:,} 张）" if f.estimate.tickets else f.estimate.level,
    } for f in forecasts], columns=TICKET_COLUMNS)
    by_unit = expected_by(forecasts, "unit")
    units = pd.DataFrame([{"unit": u, "due": n, "expected": float(half_up(e, 1))}
                          for u, (n, e) in sorted(by_unit.items(), key=lambda kv: (-kv[1][1], kv[0]))],
                         columns=UNIT_COLUMNS)
    by_shift = expected_by(forecasts, "shift")
    shifts = pd.DataFrame([{"shift": s, "due": by_shift.get(s, (0, Fraction(0)))[0],
                            "expected": float(half_up(by_shift.get(s, (0, Fraction(0)))[1], 1))} for s in SHIFTS_AS_LISTED],
                          columns=SHIFT_COLUMNS)
    total = sum((f.breach for f in forecasts), Fraction(0))
    return BreachForecast(len(forecasts), total, tickets, units, shifts)


def _elapsed(t: Target, now: datetime) -> Fraction:
    span = (t.deadline_at - t.received_at).total_seconds()
    return Fraction(int((now - t.received_at).total_seconds()), int(span)) if span > 0 else Fraction(1)
