"""A small hand-built January 2026 (tickets, events, staff, shifts, reports) whose per-person
numbers are worked out by hand in tests/queries/test_staff.py, tests/queries/test_shifts.py and
tests/services/test_standup.py."""
from __future__ import annotations

from datetime import date, datetime

from dashboard.services import facts
from queries.schema import reports, shifts, staff, ticket_events, tickets

NOW = datetime(2026, 1, 20, 12, 0, 0)


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


STAFF = [
    ("P01", "张派一", "派单专员", "派单一组"),
    ("P02", "李派二", "派单专员", "派单二组"),
    ("R01", "王退一", "退单专员", "退单一组"),
    ("Q01", "赵质一", "质检专员", "质检一组"),
    ("V01", "钱协一", "协查专员", "协查一组"),
    ("A01", "孙数一", "数据分析专员", "数据分析组"),
]

TICKETS = [  # ticket_no, received_at, urgency
    ("T1", "2026-01-05 09:00:00", "一般"),
    ("T2", "2026-01-05 10:00:00", "一般"),
    ("T3", "2026-01-05 11:00:00", "紧急"),
    ("T4", "2026-01-06 08:00:00", "一般"),
    ("T5", "2026-01-06 08:00:00", "一般"),
    ("T6", "2026-01-07 08:00:00", "一般"),
    ("T7", "2026-01-07 09:00:00", "一般"),
    ("T8", "2025-12-31 23:50:00", "一般"),
]

EVENTS = [  # ticket, at, action, staff, detail
    ("T1", "2026-01-05 09:30:00", "SIGN", "P01", ""),          # 30:00 on time
    ("T1", "2026-01-05 09:40:00", "DISPATCH", "P01", ""),
    ("T1", "2026-01-05 15:00:00", "REDISPATCH", "P02", ""),    # makes P01's dispatch wrong
    ("T1", "2026-01-06 10:00:00", "URGE", "P01", ""),
    ("T1", "2026-01-06 09:00:00", "REPLY", "", ""),
    ("T1", "2026-01-06 11:00:00", "QC_PASS", "Q01", ""),       # exactly 2 h: on time
    ("T1", "2026-01-06 12:00:00", "CLOSE", "", ""),
    ("T1", "2026-01-08 10:00:00", "REOPEN", "", "city_qc"),    # makes Q01's pass an escape
    ("T1", "2026-01-09 09:00:00", "REPLY", "", ""),
    ("T1", "2026-01-09 11:00:01", "QC_REJECT", "Q01", "回复不完整"),  # 2 h 1 s: late
    ("T2", "2026-01-05 10:30:01", "SIGN", "P01", ""),          # 30:01 late
    ("T2", "2026-01-05 12:00:00", "DISPATCH", "P02", ""),      # exactly 2 h: on time
    ("T2", "2026-01-10 08:00:00", "VERIFY_ASSIGN", "V01", ""),  # never done, limit passed: late
    ("T3", "2026-01-05 11:10:00", "SIGN", "P02", ""),
    ("T3", "2026-01-05 11:31:00", "DISPATCH", "P02", ""),      # urgent: 30 min limit, late
    ("T3", "2026-01-07 10:00:00", "QC_PASS", "Q01", ""),       # no REPLY before: not judged
    ("T4", "2026-01-06 08:05:00", "SIGN", "P01", ""),
    ("T4", "2026-01-06 09:00:00", "RETURN_REQUEST", "R01", "非本区"),    # on time
    ("T4", "2026-01-06 12:00:00", "RETURN_REJECTED", "", ""),
    ("T4", "2026-01-06 13:00:00", "DISPATCH", "P01", ""),      # had a return request: not judged
    ("T5", "2026-01-06 08:20:00", "SIGN", "P02", ""),
    ("T5", "2026-01-06 10:00:01", "RETURN_REQUEST", "R01", "非本区"),    # late
    ("T5", "2026-01-06 15:00:00", "RETURN_APPROVED", "", ""),
    ("T6", "2026-01-07 08:10:00", "SIGN", "P01", ""),
    ("T6", "2026-01-07 08:20:00", "DISPATCH", "P01", ""),
    ("T6", "2026-01-08 08:00:00", "REPLY", "", ""),
    ("T6", "2026-01-08 09:00:00", "QC_PASS", "Q01", ""),
    ("T6", "2026-01-08 10:00:00", "CLOSE", "", ""),
    ("T6", "2026-01-08 11:00:00", "VERIFY_ASSIGN", "V01", ""),
    ("T6", "2026-01-10 11:00:00", "VERIFY_DONE", "V01", "不属实"),  # exactly 48 h: on time
    ("T6", "2026-01-25 10:00:00", "URGE", "P01", ""),          # after now: does not exist yet
    ("T7", "2026-01-07 09:15:00", "SIGN", "P01", ""),
    ("T7", "2026-01-07 09:30:00", "DISPATCH", "P01", ""),
    ("T7", "2026-01-18 13:00:00", "VERIFY_ASSIGN", "V01", ""),  # still running at now: left out
    ("T8", "2026-01-01 00:10:00", "SIGN", "P01", ""),          # counts in January (event time)
]

SHIFTS = [
    ("P01", "2026-01-05", "早班", True),
    ("P01", "2026-01-06", "早班", False),
    ("P01", "2026-01-20", "早班", True),
    ("P01", "2026-01-20", "中班", True),   # starts after now
    ("P02", "2026-01-05", "早班", True),
]

REPORTS = [
    ("RPT1", "日报", "2026-01-05 09:00:00", "2026-01-05 08:59:00", "A01", False),
    ("RPT2", "日报", "2026-01-06 09:00:00", "2026-01-06 09:00:01", "A01", True),
    ("RPT3", "周报", "2026-01-25 09:00:00", None, "A01", False),
]


def load(engine) -> None:
    with engine.begin() as conn:
        conn.execute(staff.insert(), [
            {"staff_no": s, "name": n, "role": r, "team": t, "hired_on": date(2025, 11, 1)} for s, n, r, t in STAFF])
        conn.execute(tickets.insert(), [
            {"ticket_no": t, "received_at": ts(r), "urgency": u, "sla_class": "一般", "street": "永顺镇"}
            for t, r, u in TICKETS])
        conn.execute(ticket_events.insert(), [
            {"ticket_no": t, "at": ts(a), "action": act, "staff_no": s, "unit": "", "detail": d}
            for t, a, act, s, d in EVENTS])
        conn.execute(shifts.insert(), [
            {"staff_no": s, "day": date.fromisoformat(d), "shift": sh, "present": p} for s, d, sh, p in SHIFTS])
        conn.execute(reports.insert(), [
            {"report_no": no, "report_type": k, "due_at": ts(due), "delivered_at": ts(dl) if dl else None,
             "staff_no": s, "has_error": err} for no, k, due, dl, s, err in REPORTS])
        facts.refresh(conn, [t[0] for t in TICKETS])
