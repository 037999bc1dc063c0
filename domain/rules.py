"""The rules of the contract (time limits, indicators, payment, 三率 weights, staffing), as one
versioned, JSON-serialisable document.

Defaults are exactly the contract's. A rules version stored in the database overrides them for the
months from its `effective_from` on. Decimals are strings in JSON and `Decimal` in memory.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.vocabulary import (
    ANALYST,
    DEFAULT_SLA_CLASS,
    DISPATCHER,
    PERIOD_19TH,
    PROJECT_MANAGER,
    QC,
    RETURNER,
    SUPERVISOR,
    URGENT,
    VERIFIER,
)

MINUTE = 60
HOUR = 3600
DAY = 86400
# close limits of this many whole days or more count working days when a version asks for it
WORKING_DAY_CLOSE_MIN_DAYS = 7

ROLES_REQUIRED = {  # contract headcount per 岗位
    PROJECT_MANAGER: 1,
    SUPERVISOR: 5,
    DISPATCHER: 20,
    RETURNER: 6,
    QC: 16,
    VERIFIER: 12,
    ANALYST: 20,
}

DEFAULT_RULES: dict[str, Any] = {
    "sla": {  # seconds
        "sign": 30 * MINUTE,
        "dispatch": 2 * HOUR,
        "dispatch_urgent": 30 * MINUTE,
        "return_request": 2 * HOUR,
        "response": 24 * HOUR,
        "response_urgent": 2 * HOUR,
        "close": {"紧急": 2 * HOUR, "及时": 24 * HOUR, "一般": 7 * DAY, "疑难": 15 * DAY},
        "qc": 2 * HOUR,
        "verify": 48 * HOUR,
        "at_risk_share": "0.2",
        # When true, the 7- and 15-day close limits count Chinese working days (调休 aware).
        "close_in_working_days": False,
    },
    "indicators": {  # target, floor (ceiling when lower is better), weight
        "sign_on_time_rate": {"target": "0.99", "floor": "0.90", "weight": 10},
        "dispatch_on_time_rate": {"target": "0.98", "floor": "0.90", "weight": 10},
        "dispatch_accuracy": {"target": "0.95", "floor": "0.85", "weight": 15},
        "return_on_time_rate": {"target": "1.00", "floor": "0.90", "weight": 5},
        "return_accuracy": {"target": "0.90", "floor": "0.70", "weight": 10},
        "qc_coverage": {"target": "1.00", "floor": "0.90", "weight": 10},
        "qc_on_time_rate": {"target": "0.98", "floor": "0.90", "weight": 5},
        "qc_escape_rate": {"target": "0.02", "floor": "0.10", "weight": 5, "lower_is_better": True},
        "verify_on_time_rate": {"target": "0.95", "floor": "0.80", "weight": 10},
        "report_on_time_rate": {"target": "1.00", "floor": "0.90", "weight": 10},
        "attendance_rate": {"target": "0.98", "floor": "0.90", "weight": 5},
        "staffing_compliance": {"target": "1.00", "floor": "0.90", "weight": 5},
    },
    "manual": {"bonus_cap": "5", "complaint_deduction": "2", "major_error_deduction": "5"},
    "payment": {
        "monthly_fee": "711600.00",
        "annual_fee": "8539200.00",
        "contract_start": "2025-12",
        # factor = base − (anchor − score) × slope for the first band whose min ≤ score
        "bands": [
            {"min": "90", "base": "1.00", "anchor": "90", "slope": "0", "rectify": False},
            {"min": "80", "base": "1.00", "anchor": "90", "slope": "0.01", "rectify": False},
            {"min": "70", "base": "0.90", "anchor": "80", "slope": "0.02", "rectify": False},
            {"min": "0", "base": "0.70", "anchor": "0", "slope": "0", "rectify": True},
        ],
    },
    "three_rates": {
        "response": "0.10",
        "resolution": "0.50",
        "satisfaction": "0.40",
        "basic_satisfied_factor": "0.9",
        "period": PERIOD_19TH,  # or PERIOD_CALENDAR
    },
    "staffing": {
        "required": ROLES_REQUIRED,
        # minimum people on duty per shift, by role, for the 7×24 coverage view
        "shift_minimum": {DISPATCHER: 4, RETURNER: 1, QC: 3, VERIFIER: 2, SUPERVISOR: 1},
    },
    "freshness": {"amber_minutes": 30, "red_minutes": 120},
    # the colours of the wall's top row (docs/figures.md): display thresholds, not contract figures
    "wall": {
        "overdue_red_from": 1,          # 超期 red from this many overdue tickets, amber from 1 below it
        "at_risk_amber_from": 1,        # 即将超期 amber from this many
        "composite_green_from": "90",   # 三率综合成绩 green from this score …
        "composite_red_below": "80",    # … red below this one, amber between
    },
    "equipment": {"电脑": 60, "多功能一体机": 6},  # contract: leased devices in use, by kind
}


def working_days_of(close_limit: int) -> int | None:
    """The working days a close limit spans when a version counts close limits in working days:
    limits of whole days, WORKING_DAY_CLOSE_MIN_DAYS or more (the 7- and 15-day limits); None for
    the shorter ones, which always run in calendar time."""
    if close_limit % DAY or close_limit < WORKING_DAY_CLOSE_MIN_DAYS * DAY:
        return None
    return close_limit // DAY


@dataclass(frozen=True)
class Limits:
    """Every clock's limit of one rules version, in whole seconds.

    A clock is within its limit when elapsed ≤ limit. Urgent tickets (urgency 紧急) have their own
    dispatch and response limits; the close limit depends on the ticket's SLA class, plus approved
    extension days, and counts working days for the long classes when `close_in_working_days`.
    """
    sign: int
    dispatch: int
    dispatch_urgent: int
    return_request: int
    response: int
    response_urgent: int
    close_by_class: tuple[tuple[str, int], ...]   # (SLA class, seconds), as the version lists them
    qc: int
    verify: int
    close_in_working_days: bool = False
    _close: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_close", dict(self.close_by_class))

    def dispatch_for(self, urgency: str | None) -> int:
        return self.dispatch_urgent if urgency == URGENT else self.dispatch

    def response_for(self, urgency: str | None) -> int:
        return self.response_urgent if urgency == URGENT else self.response

    @property
    def close(self) -> dict[str, int]:
        """{SLA class: seconds}"""
        return dict(self._close)

    def close_for(self, sla_class: str | None) -> int:
        """The close limit of a class; a ticket without a known class has the default class's."""
        close = self._close
        return close.get(sla_class or DEFAULT_SLA_CLASS, close[DEFAULT_SLA_CLASS])

    def close_working_days(self, sla_class: str | None) -> int | None:
        """The working days the class's close limit counts, or None when it runs in calendar time."""
        return working_days_of(self.close_for(sla_class)) if self.close_in_working_days else None


@dataclass(frozen=True)
class Rules:
    """One rules version in memory. Its body is not changed once built: the limits are derived
    from it on first use and kept (derive asks for them once per ticket)."""

    body: dict[str, Any]
    version_id: int | None = None
    effective_from: str = "2025-12"
    _limits: Limits | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def default(cls) -> Rules:
        return cls(copy.deepcopy(DEFAULT_RULES))

    @classmethod
    def from_json(cls, text: str, version_id: int | None = None, effective_from: str = "2025-12") -> Rules:
        return cls(merge_defaults(json.loads(text)), version_id, effective_from)

    def to_json(self) -> str:
        return json.dumps(self.body, ensure_ascii=False, sort_keys=True)

    # --- SLA limits (seconds) -------------------------------------------------------
    def limits(self) -> Limits:
        """Every clock's limit of this version (the one place they are read from the body)."""
        limits = self._limits
        if limits is None:
            limits = self._read_limits()
            object.__setattr__(self, "_limits", limits)
        return limits

    def _read_limits(self) -> Limits:
        sla = self.body["sla"]
        return Limits(
            sign=int(sla["sign"]), dispatch=int(sla["dispatch"]), dispatch_urgent=int(sla["dispatch_urgent"]),
            return_request=int(sla["return_request"]), response=int(sla["response"]),
            response_urgent=int(sla["response_urgent"]),
            close_by_class=tuple((str(k), int(v)) for k, v in sla["close"].items()),
            qc=int(sla["qc"]), verify=int(sla["verify"]),
            close_in_working_days=bool(sla.get("close_in_working_days", False)))

    def sign_limit(self) -> int:
        return self.limits().sign

    def dispatch_limit(self, urgency: str | None) -> int:
        return self.limits().dispatch_for(urgency)

    def return_request_limit(self) -> int:
        return self.limits().return_request

    def response_limit(self, urgency: str | None) -> int:
        return self.limits().response_for(urgency)

    def close_limit(self, sla_class: str | None) -> int:
        return self.limits().close_for(sla_class)

    def qc_limit(self) -> int:
        return self.limits().qc

    def verify_limit(self) -> int:
        return self.limits().verify

    @property
    def at_risk_share(self) -> Decimal:
        return Decimal(self.body["sla"]["at_risk_share"])

    @property
    def close_in_working_days(self) -> bool:
        return self.limits().close_in_working_days

    # --- staffing -------------------------------------------------------------------
    def required_heads(self) -> dict[str, int]:
        """Contract headcount per 岗位 of this version, {role: heads}."""
        return {k: int(v) for k, v in self.body["staffing"]["required"].items()}

    # --- assessment -----------------------------------------------------------------
    def indicator(self, key: str) -> dict[str, Any]:
        spec: dict[str, Any] = self.body["indicators"][key]
        return spec

    @property
    def monthly_fee(self) -> Decimal:
        return Decimal(self.body["payment"]["monthly_fee"])

    @property
    def freshness_minutes(self) -> tuple[int, int]:
        f = self.body["freshness"]
        return int(f["amber_minutes"]), int(f["red_minutes"])

    # --- the wall's colours ----------------------------------------------------------
    @property
    def overdue_red_from(self) -> int:
        """超期 reads red from this many overdue tickets (amber from 1 up to it, green at 0)."""
        return int(self.body["wall"]["overdue_red_from"])

    @property
    def at_risk_amber_from(self) -> int:
        """即将超期 reads amber from this many tickets."""
        return int(self.body["wall"]["at_risk_amber_from"])

    @property
    def composite_bands(self) -> tuple[Decimal, Decimal]:
        """(green from, red below) for a 三率综合成绩: green at or above the first, red below the
        second, amber between."""
        w = self.body["wall"]
        return Decimal(str(w["composite_green_from"])), Decimal(str(w["composite_red_below"]))

    # --- figures that pages, exports and workbooks state (read here, never retyped) -------
    @property
    def contract_start(self) -> str:
        """The first contract month, YYYY-MM (contract month 1)."""
        return str(self.body["payment"]["contract_start"])

    @property
    def payment_bands(self) -> list[dict[str, Any]]:
        """The payment bands, highest `min` first: the order a score is matched against them."""
        return sorted(self.body["payment"]["bands"], key=lambda b: Decimal(str(b["min"])), reverse=True)

    @property
    def full_payment_from(self) -> Decimal:
        """The lowest score of the top band, the one paid in full."""
        return Decimal(str(self.payment_bands[0]["min"]))

    @property
    def rectify_below(self) -> Decimal:
        """Scores below this carry the 整改 flag: the lowest `min` of a band without it."""
        plain = [Decimal(str(b["min"])) for b in self.payment_bands if not b.get("rectify", False)]
        return min(plain, default=self.full_payment_from)

    @property
    def bonus_cap(self) -> Decimal:
        return Decimal(str(self.body["manual"]["bonus_cap"]))

    @property
    def three_rates_weights(self) -> dict[str, Decimal]:
        """Weight of each rate in the 综合成绩: response, resolution, satisfaction."""
        tr = self.body["three_rates"]
        return {key: Decimal(str(tr[key])) for key in ("response", "resolution", "satisfaction")}

    @property
    def contract_headcount(self) -> int:
        """People the contract requires in all: the sum of the heads required per 岗位."""
        return sum(int(n) for n in self.body["staffing"]["required"].values())

    @property
    def shift_minimum(self) -> dict[str, int]:
        """Minimum people on duty per shift, by 岗位."""
        return {role: int(n) for role, n in self.body["staffing"].get("shift_minimum", {}).items()}

    @property
    def equipment_required(self) -> dict[str, int]:
        """Devices the contract requires in use, by kind."""
        return {kind: int(n) for kind, n in self.body["equipment"].items()}


def merge_defaults(body: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stored body with any keys it lacks taken from the defaults (older versions stay valid)."""
    base = copy.deepcopy(DEFAULT_RULES if defaults is None else defaults)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = merge_defaults(value, base[key])
        else:
            base[key] = value
    return base


def validation_errors(body: dict[str, Any]) -> list[str]:
    """Reasons (Chinese) why a rules body cannot be used; empty when it is sound."""
    errors = []
    for key, spec in body.get("indicators", {}).items():
        try:
            target, floor = Decimal(str(spec["target"])), Decimal(str(spec["floor"]))
            weight = int(spec["weight"])
        except (KeyError, InvalidOperation, ValueError, TypeError):
            errors.append(f"指标 {key}：target/floor/weight 必须是数字")
            continue
        if target == floor:
            errors.append(f"指标 {key}：目标值与下限不能相同")
        if weight < 0:
            errors.append(f"指标 {key}：权重不能为负")
    for key, value in body.get("sla", {}).items():
        if key in ("close",):
            if not all(isinstance(v, int) and v > 0 for v in value.values()):
                errors.append("办结时限必须是正整数（秒）")
        elif key not in ("at_risk_share", "close_in_working_days") and not (isinstance(value, int) and value > 0):
            errors.append(f"时限 {key} 必须是正整数（秒）")
    try:
        Decimal(str(body["payment"]["monthly_fee"]))
    except (KeyError, InvalidOperation, TypeError):
        errors.append("月度服务费必须是数字")
    errors.extend(_wall_errors(body.get("wall", {})))
    return errors


def _wall_errors(wall: dict[str, Any]) -> list[str]:
    """The wall's colour thresholds: whole counts of at least 1; scores within 0–100, the red line not
    above the green one."""
    errors = []
    for key, name in (("overdue_red_from", "大屏超期标红起点"), ("at_risk_amber_from", "大屏即将超期标黄起点")):
        value = wall.get(key)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            errors.append(f"{name}（wall.{key}）必须是不小于 1 的整数")
    try:
        green = Decimal(str(wall["composite_green_from"]))
        red = Decimal(str(wall["composite_red_below"]))
    except (KeyError, InvalidOperation, TypeError):
        green = red = Decimal("NaN")
    if not (green.is_finite() and red.is_finite()):
        errors.append("大屏三率综合成绩分档（wall.composite_green_from / composite_red_below）必须是数字")
        return errors
    if not (0 <= red <= green <= 100):
        errors.append("大屏三率综合成绩分档须满足 0 ≤ 标红线（composite_red_below）≤ 标绿线（composite_green_from）≤ 100")
    return errors


# --- data feeds (docs/feed.md) ---------------------------------------------------------------------
# a feed that has not succeeded within this many times its pull interval is late: `health` reports
# it as a problem and /admin marks it
FEED_LATE_FACTOR = 3


def feed_is_late(last_success_or_start: datetime, every_seconds: int, now: datetime) -> bool:
    return (now - last_success_or_start).total_seconds() > FEED_LATE_FACTOR * every_seconds
# an improvement measure's effect: its target's rate over this many weeks before the measure
# started, against the weeks since (docs/ledgers.md)
MEASURE_EFFECT_WEEKS = 4
# the QC reports list this many of the period's most frequent defect types
QC_TOP_DEFECTS = 5
# the special-ledger workbook's 流转记录 lists at most this many latest events of each ticket
# (every list row says how many events its ticket has in all)
SPECIAL_HISTORY_EVENTS = 50
# no percentage change (环比) is shown on a base smaller than this
CHANGE_MIN_BASE = 30
