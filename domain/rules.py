"""The rules of the contract (DESIGN 3.2–4), as one versioned, JSON-serialisable document.

Defaults are exactly DESIGN's. A rules version stored in the database overrides them for the
months from its `effective_from` on. Decimals are strings in JSON and `Decimal` in memory.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from decimal import Decimal

MINUTE = 60
HOUR = 3600
DAY = 86400

ROLES_REQUIRED = {  # DESIGN 2: contract headcount per 岗位
    "项目经理": 1,
    "业务主管": 5,
    "派单专员": 20,
    "退单专员": 6,
    "质检专员": 16,
    "协查专员": 12,
    "数据分析专员": 20,
}

INDICATOR_LABELS = {
    "sign_on_time_rate": "签收及时率",
    "dispatch_on_time_rate": "派单及时率",
    "dispatch_accuracy": "派单准确率",
    "return_on_time_rate": "退单及时率",
    "return_accuracy": "退单准确率",
    "qc_coverage": "质检覆盖率",
    "qc_on_time_rate": "质检及时率",
    "qc_escape_rate": "质检差错率",
    "verify_on_time_rate": "协查按时完成率",
    "report_on_time_rate": "报表按时报送率",
    "attendance_rate": "人员到岗率",
    "staffing_compliance": "人员配置达标率",
}

DEFAULT_RULES: dict = {
    "sla": {  # seconds; DESIGN 3.2
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
    "indicators": {  # DESIGN 4: target, floor (ceiling when lower is better), weight
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
        "period": "19th",  # "19th": 19th of previous month .. 18th; "calendar": calendar month
    },
    "staffing": {
        "required": ROLES_REQUIRED,
        # minimum people on duty per shift, by role, for the 7×24 coverage view
        "shift_minimum": {"派单专员": 4, "退单专员": 1, "质检专员": 3, "协查专员": 2, "业务主管": 1},
    },
    "freshness": {"amber_minutes": 30, "red_minutes": 120},
    "equipment": {"电脑": 60, "多功能一体机": 6},  # contract: leased devices in use, by kind
}


@dataclass(frozen=True)
class Rules:
    """One rules version in memory."""

    body: dict
    version_id: int | None = None
    effective_from: str = "2025-12"

    @classmethod
    def default(cls) -> "Rules":
        return cls(copy.deepcopy(DEFAULT_RULES))

    @classmethod
    def from_json(cls, text: str, version_id: int | None = None, effective_from: str = "2025-12") -> "Rules":
        return cls(merge_defaults(json.loads(text)), version_id, effective_from)

    def to_json(self) -> str:
        return json.dumps(self.body, ensure_ascii=False, sort_keys=True)

    # --- SLA limits (seconds) -------------------------------------------------------
    def sign_limit(self) -> int:
        return int(self.body["sla"]["sign"])

    def dispatch_limit(self, urgency: str | None) -> int:
        sla = self.body["sla"]
        return int(sla["dispatch_urgent"] if urgency == "紧急" else sla["dispatch"])

    def return_request_limit(self) -> int:
        return int(self.body["sla"]["return_request"])

    def response_limit(self, urgency: str | None) -> int:
        sla = self.body["sla"]
        return int(sla["response_urgent"] if urgency == "紧急" else sla["response"])

    def close_limit(self, sla_class: str | None) -> int:
        close = self.body["sla"]["close"]
        return int(close.get(sla_class or "一般", close["一般"]))

    def qc_limit(self) -> int:
        return int(self.body["sla"]["qc"])

    def verify_limit(self) -> int:
        return int(self.body["sla"]["verify"])

    @property
    def at_risk_share(self) -> Decimal:
        return Decimal(self.body["sla"]["at_risk_share"])

    @property
    def close_in_working_days(self) -> bool:
        return bool(self.body["sla"].get("close_in_working_days", False))

    # --- assessment -----------------------------------------------------------------
    def indicator(self, key: str) -> dict:
        return self.body["indicators"][key]

    @property
    def monthly_fee(self) -> Decimal:
        return Decimal(self.body["payment"]["monthly_fee"])

    @property
    def freshness_minutes(self) -> tuple[int, int]:
        f = self.body["freshness"]
        return int(f["amber_minutes"]), int(f["red_minutes"])

    # --- figures that pages, exports and workbooks state (read here, never retyped) -------
    @property
    def contract_start(self) -> str:
        """The first contract month, YYYY-MM (contract month 1)."""
        return str(self.body["payment"]["contract_start"])

    @property
    def payment_bands(self) -> list[dict]:
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


def merge_defaults(body: dict, defaults: dict | None = None) -> dict:
    """A stored body with any keys it lacks taken from the defaults (older versions stay valid)."""
    base = copy.deepcopy(DEFAULT_RULES if defaults is None else defaults)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = merge_defaults(value, base[key])
        else:
            base[key] = value
    return base


def validation_errors(body: dict) -> list[str]:
    """Reasons (Chinese) why a rules body cannot be used; empty when it is sound."""
    from decimal import InvalidOperation

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
    return errors
