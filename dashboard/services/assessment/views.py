"""What the assessment, payment and compliance pages and the acceptance pack show, built from the
engine (one computation) and the pure domain functions. No Streamlit here: the cached wrappers in
dashboard/data/ and the acceptance workbook both call these."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services.assessment.engine import MonthResult, check_month, month_result
from dashboard.services.assessment.evidence import staffing_pairs
from dashboard.services.rules_store import current_rules, rules_for_month
from domain import qualifications
from domain.calendar import CALENDAR_UNCONFIRMED
from domain.formatting import pct
from domain.payment import instalments, month_index, month_of_index, month_payment, payment_factor
from domain.rules import Rules
from domain.scoring import indicator_points, manual_totals, month_score, to_decimal
from domain.vocabulary import NO_DATA, SHIFTS_AS_LISTED, SPECIALIST_ROLES
from queries import compliance as compliance_queries
from queries.assessment import month_bounds
from queries.overview import latest_data_at
from queries.payment import payment_dates

CONTRACT_MONTHS = 12
PENDING = "待考核"
FROZEN_LABEL = "已冻结"
LIVE_LABEL = "测算（未签认）"
NO_DATA_LABEL = NO_DATA
# 已考核 always means signed off: the months frozen with their result. The months with a result so far,
# signed off or still a live estimate, are 已测算 (their deductions are the ones summed so far).
ASSESSED_MONTHS = "已考核月份"
COMPUTED_MONTHS = "已测算月份"


def state_label(r: MonthResult) -> str:
    if r.frozen:
        return FROZEN_LABEL
    return LIVE_LABEL if r.has_data else NO_DATA_LABEL


def state_text(state: str, calendar_confirmed: bool) -> str:
    """A month's state as a table cell shows it: marked 「日历未确认」 when its working-day limits
    counted days the calendar lacks (docs/lifecycle.md)."""
    return state if calendar_confirmed else f"{state}（{CALENDAR_UNCONFIRMED}）"


INSTALMENT_TERMS = {
    1: ("第 1 期（第 1–6 个月）", "合同签订后，且次年财政资金到位后，预付第 1–6 个月服务费"),
    2: ("第 2 期（第 7–11 个月）", "服务满 8 个月后，支付第 7–11 个月服务费"),
    3: ("第 3 期 尾款（第 12 个月）", "合同期满、财政资金到位且通过验收后，依据各月度考核结果支付（月服务费 − 各月考核扣款之和，不低于 0）"),
}


def contract_start(conn: Connection) -> str:
    return rules_for_month(conn, None).contract_start


def contract_months(start: str, now: datetime) -> list[str]:
    """Contract months from `start` up to the month of `now` (at most 12), oldest first."""
    last = min(month_index(f"{now:%Y-%m}", start), CONTRACT_MONTHS)
    return [month_of_index(i, start) for i in range(1, last + 1)] if last >= 1 else [start]


# --- assessment -----------------------------------------------------------------------------------

def points2(x: Fraction | None) -> str:
    return "—" if x is None else f"{to_decimal(x, 2):f}"


def indicator_table(r: MonthResult) -> pd.DataFrame:
    """One row per indicator, display strings exact and half-up."""
    rows = []
    for i in r.indicators:
        rows.append({
            "key": i.key, "指标": i.label + ("（越低越好）" if i.lower_is_better else ""),
            "实际值": pct(i.value), "分子": i.numerator, "分母": i.denominator,
            "目标": pct(i.target), "底线": pct(i.floor) + ("（上限）" if i.lower_is_better else ""),
            "权重": points2(i.weight), "得分": points2(i.points), "失分": points2(i.points_lost),
            "证据条数": i.numerator if i.lower_is_better else i.denominator - i.numerator,
        })
    return pd.DataFrame(rows)


def manual_table(r: MonthResult) -> pd.DataFrame:
    return pd.DataFrame([{"类型": m.item_type, "分值": points2(m.points), "事由": m.reason, "录入人": m.entered_by}
                         for m in r.manual_items], columns=["类型", "分值", "事由", "录入人"])


@dataclass(frozen=True)
class WhatIf:
    score: Decimal
    band: str
    factor: Decimal
    amount: Decimal
    deduction: Decimal


def what_if(r: MonthResult, rules: Rules, key: str, value: Fraction | None) -> WhatIf:
    """The month re-scored with one indicator at a hypothetical value (same pure functions)."""
    pts = []
    for i in r.indicators:
        v = value if i.key == key else i.value
        pts.append(indicator_points(v, target=i.target, floor=i.floor, weight=i.weight,
                                    lower_is_better=i.lower_is_better))
    totals = manual_totals(r.manual_items, rules.body["manual"]["bonus_cap"])
    sc = month_score(pts, totals)
    fac = payment_factor(sc.score, rules.body["payment"]["bands"])
    pay = month_payment(r.monthly_fee, fac.factor)
    return WhatIf(sc.score, fac.band, fac.factor, pay.amount, pay.deduction)


def trend(conn: Connection, now: datetime, result_of=None) -> pd.DataFrame:
    """Score per contract month up to `now`: 月份 · 得分 (float for the chart only, None for a month
    without data) · 得分文本 · 状态.
    `result_of(month)`: where month results come from (default month_result; pages pass their
    cached one, so the month they already show is not counted twice)."""
    result_of = result_of or (lambda m: month_result(conn, m, now))
    rows = []
    for m in contract_months(contract_start(conn), now):
        r = result_of(m)
        rows.append({"月份": m, "得分": None if r.score is None else float(r.score),
                     "得分文本": NO_DATA if r.score is None else f"{r.score:f}", "状态": state_label(r)})
    return pd.DataFrame(rows)


def stale_reason(conn: Connection, month: str, now: datetime, rules: Rules) -> str | None:
    """Why approving must wait: a month that includes today with red data freshness."""
    start, end = month_bounds(check_month(month))
    if not (start <= now < end):
        return None
    _, red = rules.freshness_minutes
    latest = latest_data_at(conn, now=now)
    if latest is None:
        return "暂无任何流转或导入数据，不能签认本月考核"
    minutes = int((now - latest).total_seconds() // 60)
    if minutes >= red:
        return (f"数据已 {minutes} 分钟未更新（最新数据 {latest:%Y-%m-%d %H:%M}，超过 {red} 分钟红色阈值），"
                "本月结果可能不完整，暂不能审定")
    return None


# --- payment ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentView:
    months: pd.DataFrame            # one row per contract month (Decimal money, None when 待考核 or 无数据)
    instalments: pd.DataFrame       # one row per instalment
    totals: dict
    fee: Decimal
    # the assessed months whose working-day limits counted days the calendar lacks (「日历未确认」)
    unconfirmed: frozenset[str] = frozenset()

    def shown_states(self) -> list[str]:
        """The 状态 column as the page and the workbook show it (state_text)."""
        return [state_text(s, m not in self.unconfirmed) for s, m in zip(self.months["状态"], self.months["月份"])]


def payment_view(conn: Connection, now: datetime, result_of=None) -> PaymentView:
    start = contract_start(conn)
    rules = rules_for_month(conn, start)
    fee = rules.monthly_fee
    current = month_index(f"{now:%Y-%m}", start)
    rows, deductions, unconfirmed = [], {}, set()
    for i in range(1, CONTRACT_MONTHS + 1):
        m = month_of_index(i, start)
        if i > current:
            rows.append({"合同月": i, "月份": m, "月服务费": fee, "考核得分": None, "付款系数": None,
                         "应付金额": None, "考核扣款": None, "状态": PENDING, "整改": ""})
            continue
        r = result_of(m) if result_of else month_result(conn, m, now)
        if not r.calendar_confirmed:
            unconfirmed.add(m)
        if r.deduction is not None:
            # a month without data deducts nothing yet, as a month still to come (docs/payment.md)
            deductions[i] = r.deduction
        rows.append({"合同月": i, "月份": m, "月服务费": r.monthly_fee, "考核得分": r.score,
                     "付款系数": r.payment_factor, "应付金额": r.amount, "考核扣款": r.deduction,
                     "状态": state_label(r), "整改": "需整改" if r.rectify else ""})
    inst = instalments(fee, deductions)
    dates = payment_dates(conn).set_index("instalment")
    amounts = {1: inst.first, 2: inst.second, 3: inst.third}
    irows = []
    for n in (1, 2, 3):
        name, cond = INSTALMENT_TERMS[n]
        d = dates.loc[n] if n in dates.index else None
        irows.append({"期次": n, "名称": name, "金额": amounts[n], "支付条件": cond,
                      "应付日期": None if d is None else d["due_on"], "实付日期": None if d is None else d["paid_on"],
                      "备注": "" if d is None else d["note"], "录入人": "" if d is None else d["entered_by"]})
    computed = [r for r in rows if r["状态"] in (FROZEN_LABEL, LIVE_LABEL)]
    totals = {
        "contract_fee": (fee * CONTRACT_MONTHS).quantize(Decimal("0.01")),
        "computed_months": len(computed),
        "frozen_months": sum(1 for r in rows if r["状态"] == FROZEN_LABEL),
        "live_months": sum(1 for r in rows if r["状态"] == LIVE_LABEL),
        "no_data_months": sum(1 for r in rows if r["状态"] == NO_DATA_LABEL),
        "payable_computed": sum((r["应付金额"] for r in computed), Decimal("0.00")),
        "total_deductions": inst.total_deductions,
        "to_recover": inst.to_recover,
        "instalments_total": inst.first + inst.second + inst.third,
    }
    return PaymentView(pd.DataFrame(rows), pd.DataFrame(irows), totals, fee, frozenset(unconfirmed))


# --- compliance --------------------------------------------------------------------------------------

QUAL_COLUMNS = ["工号", "姓名", "岗位", "学历", "全日制", "从业年限", "管理团队规模", "管理年限", "打字速度",
                "是否达标", "不符合项"]


def qualification_table(conn: Connection, day: date) -> pd.DataFrame:
    roster = compliance_queries.active_staff(conn, day=day)
    rows = []
    for p in roster.itertuples(index=False):
        v = qualifications.violations(p.role, education=p.education, full_time=p.full_time, years_experience=p.years_experience,
                          team_size_managed=p.team_size_managed, management_years=p.management_years,
                          typing_speed=p.typing_speed)
        rows.append([p.staff_no, p.name, p.role, p.education or "", "是" if p.full_time else "否",
                     p.years_experience or "", p.team_size_managed, p.management_years or "", p.typing_speed,
                     "达标" if not v else "不达标", "；".join(v)])
    return pd.DataFrame(rows, columns=QUAL_COLUMNS)


def bachelor_share(conn: Connection, day: date) -> tuple[Fraction | None, int, int]:
    roster = compliance_queries.active_staff(conn, day=day)
    spec = roster[roster["role"].isin(SPECIALIST_ROLES)]
    people = list(zip(spec["education"], spec["full_time"]))
    share = qualifications.bachelor_share(people)
    return share, sum(1 for e, f in people if qualifications.is_full_time_bachelor(e, f)), len(people)


def headcount(conn: Connection, month: str, now: datetime) -> pd.DataFrame:
    """(role, day) pairs of the month up to `now`: role · day · required · heads · short."""
    return staffing_pairs(conn, month, now)


def equipment_table(conn: Connection, rules: Rules | None = None) -> pd.DataFrame:
    """Devices in use against the contract's requirement (of the rules in force when not given)."""
    df = compliance_queries.equipment_counts(conn)
    rows = []
    for kind, need in (rules or current_rules(conn)).equipment_required.items():
        part = df[df["kind"] == kind]
        in_use = int(part.loc[part["status"] == "在用", "items"].sum())
        leased = int(part.loc[(part["status"] == "在用") & part["leased"].astype(bool), "items"].sum())
        rows.append({"设备": kind, "合同要求": need, "登记总数": int(part["items"].sum()), "在用": in_use,
                     "其中租赁": leased, "缺口": max(need - in_use, 0), "是否达标": "达标" if in_use >= need else "不达标"})
    return pd.DataFrame(rows)


def shift_coverage(conn: Connection, month: str, now: datetime, rules: Rules) -> pd.DataFrame:
    """Each day × shift of the month up to `now`: present heads per role against shift_minimum."""
    start, end = month_bounds(month)
    last = min((end - pd.Timedelta(days=1)).date(), now.date())
    minimum = {k: int(v) for k, v in rules.body["staffing"].get("shift_minimum", {}).items()}
    cov = compliance_queries.shift_coverage(conn, first_day=start.date(), last_day=last) if last >= start.date() else \
        pd.DataFrame(columns=compliance_queries.SHIFT_COVERAGE_COLUMNS)
    present = {(r.day, r.shift, r.role): r.present for r in cov.itertuples(index=False)}
    rows = []
    d = start.date()
    while d <= last:
        for s in SHIFTS_AS_LISTED:
            row = {"日期": d, "班次": s}
            gaps = []
            for role, need in minimum.items():
                n = int(present.get((d, s, role), 0))
                row[f"{role}（≥{need}）"] = n
                if n < need:
                    gaps.append(f"{role}缺{need - n}人")
            row["是否达标"] = "达标" if not gaps else "不达标"
            row["缺口"] = "；".join(gaps)
            rows.append(row)
        d += pd.Timedelta(days=1)
    return pd.DataFrame(rows, columns=["日期", "班次", *[f"{k}（≥{v}）" for k, v in minimum.items()], "是否达标", "缺口"])
