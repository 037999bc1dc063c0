"""A small month, December 2025, written by hand: tickets, events, staff, shifts, reports and manual
items whose every assessment count is worked out in EXPECTED; and the loaders the assessment
tests share (rows into the database, `kpi --json` through the command line)."""
from __future__ import annotations

import contextlib
import io
import json
from datetime import date, datetime

from dashboard.cli.main import main
from dashboard.services import facts, rules_store
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

ZERO_REQUIRED = {k: 0 for k in SMALL_REQUIRED}
