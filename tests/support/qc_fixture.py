"""A small hand-built QC fixture (January 2026) whose QC report counts are worked out by hand in
tests/queries/test_qc_ledger.py: events exactly at day, week and month boundaries, a QC event and a
city-QC REOPEN after `now`, a blank defect type, a QC event without an earlier REPLY."""
from __future__ import annotations

from datetime import date, datetime

from dashboard.services import facts
from queries.schema import staff, ticket_events, tickets

NOW = datetime(2026, 2, 1, 10, 0, 0)

STAFF = [("Q1", "赵质一", "质检专员", "质检一组"), ("Q2", "钱质二", "质检专员", "质检一组")]

TICKETS = [  # ticket_no, received_at, current unit
    ("A", "2025-12-20 08:00:00", "永顺镇"),
    ("B", "2025-12-20 08:00:00", "梨园镇"),
    ("C", "2025-12-20 08:00:00", "梨园镇"),
    ("D", "2025-12-20 08:00:00", "永顺镇"),
    ("E", "2025-12-20 08:00:00", "宋庄镇"),
    ("F", "2025-12-20 08:00:00", "宋庄镇"),
    ("G", "2025-12-20 08:00:00", "宋庄镇"),
]

EVENTS = [  # ticket, at, action, staff, unit, detail
    ("A", "2026-01-05 08:00:00", "REPLY", "", "永顺镇", ""),
    ("A", "2026-01-05 09:00:00", "QC_REJECT", "Q1", "", "回复不完整"),
    ("A", "2026-01-05 10:00:00", "REPLY", "", "永顺镇", ""),
    ("A", "2026-01-05 12:00:00", "QC_PASS", "Q2", "", ""),            # exactly 2 h: on time
    ("A", "2026-01-05 13:00:00", "CLOSE", "", "", ""),
    ("A", "2026-01-06 09:00:00", "REOPEN", "", "", "city_qc"),        # escape of the 5 Jan CLOSE (Q2)
    ("B", "2026-01-04 22:00:00", "REPLY", "", "梨园镇", ""),
    ("B", "2026-01-05 00:00:00", "QC_REJECT", "Q1", "", "  "),        # the day's first instant; 未注明
    ("B", "2026-01-05 20:00:00", "REPLY", "", "梨园镇", ""),
    ("B", "2026-01-05 22:00:01", "QC_PASS", "Q1", "", ""),            # 2 h 1 s: late
    ("B", "2026-01-05 23:00:00", "CLOSE", "", "", ""),
    ("B", "2026-01-07 09:00:00", "REOPEN", "", "", "callback"),       # not the city's QC
    ("C", "2026-01-04 23:59:59", "QC_PASS", "Q1", "", ""),            # no REPLY before: not judged
    ("C", "2026-01-05 23:00:00", "REPLY", "", "梨园镇", ""),
    ("C", "2026-01-06 00:00:00", "QC_REJECT", "Q2", "", "回复不完整"),  # belongs to 6 Jan
    ("E", "2025-12-31 23:00:00", "REPLY", "", "宋庄镇", ""),
    ("E", "2025-12-31 23:59:59", "QC_PASS", "Q2", "", ""),            # December
    ("E", "2026-01-01 00:00:00", "QC_REJECT", "Q1", "", "未联系诉求人"),  # January's first instant
    ("F", "2026-01-11 10:00:00", "REPLY", "", "宋庄镇", ""),
    ("F", "2026-01-11 11:00:00", "QC_PASS", "Q2", "", ""),
    ("F", "2026-01-11 23:59:59", "CLOSE", "", "", ""),                # last second of the week
    ("F", "2026-02-01 10:00:01", "REOPEN", "", "", "city_qc"),        # after now: no escape yet
    ("G", "2026-01-11 21:00:00", "REPLY", "", "宋庄镇", ""),
    ("G", "2026-01-11 23:00:00", "QC_PASS", "Q1", "", ""),
    ("G", "2026-01-12 00:00:00", "CLOSE", "", "", ""),                # first instant of the next week
    ("G", "2026-01-13 09:00:00", "REOPEN", "", "", "city_qc"),        # escape, charged to Q1
    ("D", "2026-01-31 23:00:00", "REPLY", "", "永顺镇", ""),
    ("D", "2026-02-01 00:00:00", "QC_REJECT", "Q2", "", "未联系诉求人"),  # February's first instant
    ("D", "2026-02-01 09:00:00", "REPLY", "", "永顺镇", ""),
    ("D", "2026-02-01 10:00:00", "QC_REJECT", "Q1", "", ""),          # exactly now: exists
    ("D", "2026-02-01 10:00:01", "QC_PASS", "Q1", "", ""),            # after now: does not exist
]


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def load(engine) -> None:
    with engine.begin() as conn:
        conn.execute(staff.insert(), [{"staff_no": s, "name": n, "role": r, "team": t, "hired_on": date(2025, 11, 1)}
                                      for s, n, r, t in STAFF])
        conn.execute(tickets.insert(), [{"ticket_no": t, "received_at": ts(r), "unit": u, "sla_class": "一般",
                                         "street": u} for t, r, u in TICKETS])
        conn.execute(ticket_events.insert(), [{"ticket_no": t, "at": ts(a), "action": act, "staff_no": s, "unit": u,
                                               "detail": d} for t, a, act, s, u, d in EVENTS])
        facts.refresh(conn, [t[0] for t in TICKETS])
