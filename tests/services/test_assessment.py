"""DESIGN 4 monthly assessment end to end on SQLite and PostgreSQL: every count by hand."""
from __future__ import annotations

import contextlib
import io
import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

import pytest

from dashboard.cli.main import main
from dashboard.services import facts, rules_store
from dashboard.services.assessment.engine import month_result
from domain.rules import Rules
from queries.schema import manual_items, reports, shifts, staff, ticket_events, tickets

NOW = datetime(2025, 12, 20, 12, 0, 0)


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def load(engine, *, tickets_=(), events=(), staff_=(), shifts_=(), reports_=(), manual=(), required=None):
    with engine.begin() as conn:
        if required is not None:
            r = Rules.default()
            r.body["staffing"]["required"] = required
            rules_store.add_version(conn, r, effective_from="2025-12", note="test", username="t")
        if tickets_:
            conn.execute(tickets.insert(), [
                {"ticket_no": t[0], "received_at": ts(t[1]), "urgency": t[2] if len(t) > 2 else "一般"}
                for t in tickets_])
        if events:
            conn.execute(ticket_events.insert(), [
                {"ticket_no": e[0], "at": ts(e[1]), "action": e[2], "detail": e[3] if len(e) > 3 else ""}
                for e in events])
        if staff_:
            conn.execute(staff.insert(), [
                {"staff_no": s[0], "name": s[0], "role": s[1], "hired_on": s[2], "left_on": s[3]} for s in staff_])
        if shifts_:
            conn.execute(shifts.insert(), [
                {"staff_no": s[0], "day": s[1], "shift": s[2], "present": s[3]} for s in shifts_])
        if reports_:
            conn.execute(reports.insert(), [
                {"report_no": r[0], "report_type": "日报", "due_at": ts(r[1]),
                 "delivered_at": ts(r[2]) if r[2] else None} for r in reports_])
        if manual:
            conn.execute(manual_items.insert(), [
                {"month": "2025-12", "item_type": m[0], "points": m[1], "reason": m[2], "entered_by": "t"}
                for m in manual])
        facts.refresh(conn, [t[0] for t in tickets_])


def kpi(engine, month="2025-12", now="2025-12-20 12:00:00") -> dict:
    url = engine.url.render_as_string(hide_password=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["--db", url, "kpi", "--month", month, "--json", "--now", now])
    assert rc == 0
    return json.loads(out.getvalue())


def pts(a: F | None, target: str, floor: str, w: int, lower=False) -> F:
    """DESIGN 4 by hand."""
    if a is None:
        return F(w)
    t, f = F(target), F(floor)
    share = (f - a) / (f - t) if lower else (a - f) / (t - f)
    return w * min(max(share, F(0)), F(1))


SMALL_REQUIRED = {"项目经理": 1, "业务主管": 2, "派单专员": 1, "退单专员": 1, "质检专员": 1, "协查专员": 1,
                  "数据分析专员": 1}

TICKETS = [
    ("T0", "2025-11-28 09:00:00"),                 # November ticket with December QC/CLOSE
    ("T1", "2025-12-01 09:00:00"),
    ("T2", "2025-12-01 09:00:00"),
    ("T3", "2025-12-05 08:00:00", "紧急"),
    ("T4", "2025-12-06 10:00:00"),
    ("T5", "2025-12-06 10:00:00"),
    ("T6", "2025-12-20 11:50:00"),                 # clocks still running at NOW
    ("T7", "2025-12-20 11:00:00"),                 # sign late at NOW, dispatch still running
    ("T8", "2025-12-20 13:00:00"),                 # after NOW: does not exist yet
    ("T9", "2025-12-10 09:00:00"),                 # signed only after NOW
    ("T10", "2025-12-08 10:00:00"),                # QC without any REPLY
]
EVENTS = [
    ("T0", "2025-11-30 20:00:00", "REPLY"), ("T0", "2025-12-01 00:30:00", "QC_PASS"),
    ("T0", "2025-12-01 01:00:00", "CLOSE"),
    ("T1", "2025-12-01 09:30:00", "SIGN"), ("T1", "2025-12-01 11:00:00", "DISPATCH"),
    ("T1", "2025-12-01 15:00:00", "REDISPATCH"), ("T1", "2025-12-02 10:00:00", "REPLY"),
    ("T1", "2025-12-02 12:00:00", "QC_PASS"), ("T1", "2025-12-02 13:00:00", "CLOSE"),
    ("T1", "2025-12-03 09:00:00", "REOPEN", "callback"),
    ("T1", "2025-12-03 10:00:00", "VERIFY_ASSIGN"), ("T1", "2025-12-05 10:00:00", "VERIFY_DONE", "属实"),
    ("T2", "2025-12-01 09:30:01", "SIGN"), ("T2", "2025-12-01 11:00:01", "DISPATCH"),
    ("T2", "2025-12-02 10:00:00", "REPLY"), ("T2", "2025-12-02 12:00:01", "QC_PASS"),
    ("T2", "2025-12-02 13:00:00", "CLOSE"), ("T2", "2025-12-25 09:00:00", "REOPEN", "city_qc"),
    ("T2", "2025-12-19 13:00:00", "VERIFY_ASSIGN"),
    ("T3", "2025-12-05 08:10:00", "SIGN"), ("T3", "2025-12-05 08:30:00", "DISPATCH"),
    ("T3", "2025-12-05 09:00:00", "REPLY"), ("T3", "2025-12-05 09:30:00", "QC_REJECT"),
    ("T3", "2025-12-05 10:00:00", "CLOSE"), ("T3", "2025-12-06 09:00:00", "REOPEN", "city_qc"),
    ("T3", "2025-12-10 10:00:00", "VERIFY_ASSIGN"), ("T3", "2025-12-12 10:00:01", "VERIFY_DONE", "属实"),
    ("T4", "2025-12-06 10:05:00", "SIGN"), ("T4", "2025-12-06 11:00:00", "RETURN_REQUEST"),
    ("T4", "2025-12-06 15:00:00", "RETURN_APPROVED"), ("T4", "2025-12-15 09:00:00", "VERIFY_ASSIGN"),
    ("T5", "2025-12-06 10:20:00", "SIGN"), ("T5", "2025-12-06 12:00:01", "RETURN_REQUEST"),
    ("T5", "2025-12-07 08:00:00", "RETURN_REJECTED"), ("T5", "2025-12-07 09:00:00", "DISPATCH"),
    ("T9", "2025-12-21 09:00:00", "SIGN"),
    ("T10", "2025-12-08 10:01:00", "SIGN"), ("T10", "2025-12-08 10:02:00", "DISPATCH"),
    ("T10", "2025-12-08 11:00:00", "QC_PASS"), ("T10", "2025-12-08 12:00:00", "CLOSE"),
]
STAFF = [
    ("P1", "项目经理", date(2025, 11, 1), date(2025, 12, 11)), ("P2", "项目经理", date(2025, 12, 15), None),
    ("B1", "业务主管", date(2025, 1, 1), None), ("B2", "业务主管", date(2025, 12, 5), None),
    ("S1", "派单专员", date(2025, 1, 1), None), ("S2", "派单专员", date(2025, 1, 1), None),
    ("Q1", "质检专员", date(2025, 12, 20), None), ("V1", "协查专员", date(2025, 1, 1), date(2025, 12, 1)),
    ("A1", "数据分析专员", date(2025, 1, 1), None),
]
SHIFTS = [
    ("S1", date(2025, 11, 30), "早班", False), ("S1", date(2025, 12, 1), "早班", True),
    ("S1", date(2025, 12, 2), "早班", False), ("S1", date(2025, 12, 20), "早班", True),
    ("S1", date(2025, 12, 21), "早班", False), ("S2", date(2025, 12, 1), "夜班", True),
]
REPORTS = [
    ("R1", "2025-12-01 18:00:00", "2025-12-01 17:59:00"), ("R2", "2025-12-02 18:00:00", "2025-12-02 18:00:00"),
    ("R3", "2025-12-03 18:00:00", "2025-12-03 18:00:01"), ("R4", "2025-12-05 18:00:00", None),
    ("R5", "2025-12-25 18:00:00", "2025-12-25 10:00:00"), ("R6", "2025-11-30 18:00:00", None),
    ("R7", "2025-12-10 18:00:00", "2025-12-21 09:00:00"),
]
MANUAL = [("加分", "3", "表扬"), ("加分", "4", "专报获批示"), ("扣分", "2", "有效投诉"), ("扣分", "0.5", "差错")]

EXPECTED = {  # key: (numerator, denominator), each worked out in the comments
    # signed within 30:00: T1 (30:00), T3, T4, T5, T10; late: T2 (30:01), T7 (unsigned, limit passed),
    # T9 (signed after NOW); T6 running → out; T8 after NOW; T0 November
    "sign_on_time_rate": (5, 8),
    # without RETURN_REQUEST: T1 ✓ (2:00:00), T2 ✗ (2:00:01), T3 ✓ (紧急 30:00), T9 ✗ (never), T10 ✓;
    # T6, T7 running → out
    "dispatch_on_time_rate": (3, 5),
    # dispatched by NOW: T1 (REDISPATCH), T2, T3, T5, T10
    "dispatch_accuracy": (4, 5),
    # T4 1 h ✓, T5 2:00:01 ✗
    "return_on_time_rate": (1, 2),
    # approved T4 / decided T4, T5
    "return_accuracy": (1, 2),
    # CLOSE in December: T0, T1, T2, T10 covered; T3's last before CLOSE is a QC_REJECT
    "qc_coverage": (4, 5),
    # QC events with a REPLY before: T1 ✓ (2:00:00), T2 ✗ (2:00:01), T3 ✓, T0 ✗ (4.5 h, reply in November);
    # T10's QC_PASS has no REPLY → out
    "qc_on_time_rate": (2, 4),
    # T3 city_qc; T1 reopened for callback; T2's city_qc is after NOW
    "qc_escape_rate": (1, 5),
    # T1 ✓ (48:00:00), T3 ✗ (48:00:01), T4 ✗ (never, limit passed); T2 running → out
    "verify_on_time_rate": (1, 3),
    # R1 ✓, R2 ✓ (at due), R3 ✗, R4 ✗, R7 ✗ (delivered after NOW); R5 due after NOW, R6 November
    "report_on_time_rate": (2, 5),
    # 12-01 S1 ✓, 12-01 S2 ✓, 12-02 ✗, 12-20 ✓; 11-30 and 12-21 out
    "attendance_rate": (3, 4),
    # 20 days × 7 roles; PM days 1–10 (P1 left 12-11) and 15–20 = 16; 主管 needs 2: days 5–20 = 16;
    # 派单 20; 退单 0; 质检 day 20 = 1; 协查 V1 left on 12-01 → 0; 数据分析 20
    "staffing_compliance": (73, 140),
}
SPECS = Rules.default().body["indicators"]


def test_month_by_hand(engine):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, shifts_=SHIFTS, reports_=REPORTS, manual=MANUAL,
         required=SMALL_REQUIRED)
    out = kpi(engine)
    assert set(out) == {"month", "indicators", "manual", "score", "payment_factor", "amount", "deduction",
                        "three_rates"}
    total = F(0)
    for key, (num, den) in EXPECTED.items():
        got = out["indicators"][key]
        assert (got["numerator"], got["denominator"]) == (num, den), key
        value = F(num, den)
        assert got["value"] == str((Decimal(num) / Decimal(den)).quantize(Decimal("0.000001"), ROUND_HALF_UP))
        spec = SPECS[key]
        p = pts(value, spec["target"], spec["floor"], spec["weight"], spec.get("lower_is_better", False))
        total += p
        assert F(got["points"]) == p, key
    assert total == 0   # every rate is below its floor (above the escape ceiling) in this month
    assert out["indicators"]["sign_on_time_rate"]["value"] == "0.625000"
    assert out["indicators"]["verify_on_time_rate"]["value"] == "0.333333"
    assert out["indicators"]["staffing_compliance"]["value"] == "0.521429"   # 73/140 = 0.5214285…
    # bonus 3 + 4 capped at 5, then deductions 2.5
    assert out["manual"]["bonus"] == "5.00" and out["manual"]["deductions"] == "2.50"
    assert out["score"] == "2.50"
    assert out["payment_factor"] == "0.70"
    assert out["amount"] == "498120.00" and out["deduction"] == "213480.00"


def test_later_now_completes_clocks(engine):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, required=SMALL_REQUIRED)
    out = kpi(engine, now="2025-12-26 00:00:00")
    ind = out["indicators"]
    assert (ind["qc_escape_rate"]["numerator"], ind["qc_escape_rate"]["denominator"]) == (2, 5)  # T2 city_qc
    # T6, T7, T8 (exists now, unsigned) late on sign and dispatch; T9 signed late (12-21)
    assert (ind["sign_on_time_rate"]["numerator"], ind["sign_on_time_rate"]["denominator"]) == (5, 10)
    assert (ind["dispatch_on_time_rate"]["numerator"], ind["dispatch_on_time_rate"]["denominator"]) == (3, 8)
    # T2's assignment of 12-19 13:00 has expired undone
    assert (ind["verify_on_time_rate"]["numerator"], ind["verify_on_time_rate"]["denominator"]) == (1, 4)


def test_january_events_complete_december_clocks(engine):
    load(engine, tickets_=[("T1", "2025-12-31 10:00:00")], events=[
        ("T1", "2025-12-31 10:10:00", "SIGN"), ("T1", "2025-12-31 10:20:00", "DISPATCH"),
        ("T1", "2025-12-31 20:00:00", "CLOSE"), ("T1", "2025-12-31 21:00:00", "VERIFY_ASSIGN"),
        ("T1", "2026-01-02 21:00:00", "VERIFY_DONE"), ("T1", "2026-01-03 09:00:00", "REOPEN", "city_qc")])
    ind = kpi(engine, now="2026-01-05 00:00:00")["indicators"]
    assert (ind["verify_on_time_rate"]["numerator"], ind["verify_on_time_rate"]["denominator"]) == (1, 1)
    assert (ind["qc_escape_rate"]["numerator"], ind["qc_escape_rate"]["denominator"]) == (1, 1)
    # seen from the end of December: the verification clock still runs, no escape yet
    ind = kpi(engine, now="2025-12-31 23:59:59")["indicators"]
    assert ind["verify_on_time_rate"]["denominator"] == 0 and ind["verify_on_time_rate"]["value"] is None
    assert ind["qc_escape_rate"]["numerator"] == 0


ZERO_REQUIRED = {k: 0 for k in SMALL_REQUIRED}


def test_score_band_and_money_end_to_end(engine):
    """92.5 indicator points − 2.51 = 89.99 → factor 0.9999 → 711,528.84 paid, 71.16 deducted."""
    tks = [(f"K{i:02d}", "2025-12-01 08:00:00") for i in range(10)]
    evs = [(t[0], "2025-12-01 08:10:00", "SIGN") for t in tks] + \
          [(t[0], "2025-12-01 08:20:00", "DISPATCH") for t in tks] + [("K00", "2025-12-02 08:00:00", "REDISPATCH")]
    load(engine, tickets_=tks, events=evs, manual=[("扣分", "2.51", "有效投诉")], required=ZERO_REQUIRED)
    out = kpi(engine, now="2025-12-31 23:59:59")
    acc = out["indicators"]["dispatch_accuracy"]
    assert (acc["numerator"], acc["denominator"], acc["value"]) == (9, 10, "0.900000")
    assert F(acc["points"]) == F(15, 2)
    assert out["indicators"]["staffing_compliance"]["denominator"] == 7 * 31
    assert out["indicators"]["report_on_time_rate"]["value"] is None
    assert out["indicators"]["report_on_time_rate"]["points"] == "10.000000"
    assert (out["score"], out["payment_factor"], out["amount"], out["deduction"]) == \
        ("89.99", "0.9999", "711528.84", "71.16")


def test_veto_and_engine_fields(engine):
    load(engine, manual=[("一票否决", "0", "重大安全事故"), ("加分", "5", "x")], required=ZERO_REQUIRED)
    with engine.connect() as conn:
        r = month_result(conn, "2025-12", datetime(2025, 12, 31, 23, 59, 59))
    assert r.veto and str(r.score) == "0.00" and r.rectify and str(r.amount) == "498120.00"
    assert r.contract_month == 1 and r.rules_version_id is not None
    assert r.indicator("sign_on_time_rate").points_lost == 0


def test_three_rates_period(engine):
    with engine.begin() as conn:
        conn.execute(tickets.insert(), [
            {"ticket_no": "C1", "received_at": ts("2025-11-19 00:00:00"), "callback_valid": True, "contacted": True,
             "resolved": True, "satisfaction": "满意"},
            {"ticket_no": "C2", "received_at": ts("2025-12-18 23:59:59"), "callback_valid": True, "contacted": True,
             "resolved": False, "satisfaction": "基本满意"},
            {"ticket_no": "C3", "received_at": ts("2025-12-19 00:00:00"), "callback_valid": True, "contacted": True,
             "resolved": True, "satisfaction": "满意"},
        ])
    t = kpi(engine, now="2025-12-31 00:00:00")["three_rates"]
    assert t["period_start"] == "2025-11-19 00:00:00" and t["period_end"] == "2025-12-18 23:59:59"
    assert t["population"] == 2
    assert (t["response_rate"], t["resolution_rate"], t["satisfaction_rate"]) == ("1.000000", "0.500000", "0.950000")
    # 100 × (0.1 + 0.25 + 0.38) = 73
    assert t["composite"] == "73.000000"


@pytest.mark.parametrize("argv, message", [
    (["--month", "2025-13"], "月份格式"), (["--month", "2025-12", "--now", "yesterday"], "--now"),
])
def test_bad_arguments(sqlite_engine, capsys, argv, message):
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kpi", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_text_output(sqlite_engine, capsys):
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kpi", "--month", "2025-12", "--now", "2025-12-10 00:00:00"]) == 0
    out = capsys.readouterr().out
    assert "签收及时率" in out and "考核得分" in out and "付款系数" in out
