"""PostgreSQL refuses changes to a frozen month's rows in the database itself (revision 0020's
statement triggers): inserts, updates out of and into the month, deletes and COPY, on each of the
five tables the sign-off covers; a rewrite to the same values and other months' rows pass."""
from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from queries.schema import manual_items, month_signoffs, reports, shifts, staff, ticket_events, tickets

FROZEN, OPEN = "2025-12", "2026-01"
REFUSED = "2025-12 已签认冻结，不能修改该月数据"


@pytest.fixture
def db(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(staff.insert(), [{"staff_no": "S1", "name": "甲", "role": "派单"}])
        conn.execute(tickets.insert(), [
            {"ticket_no": "D1", "received_at": datetime(2025, 12, 5, 8)},
            {"ticket_no": "D2", "received_at": datetime(2025, 12, 6, 8)},
            {"ticket_no": "J1", "received_at": datetime(2026, 1, 5, 8)}])
        conn.execute(ticket_events.insert(), [
            {"ticket_no": "D1", "at": datetime(2025, 12, 5, 9), "action": "SIGN", "staff_no": "", "unit": "", "detail": ""},
            {"ticket_no": "J1", "at": datetime(2026, 1, 5, 9), "action": "SIGN", "staff_no": "", "unit": "", "detail": ""}])
        conn.execute(shifts.insert(), [{"staff_no": "S1", "day": date(2025, 12, 5), "shift": "早班", "present": True},
                                       {"staff_no": "S1", "day": date(2026, 1, 5), "shift": "早班", "present": True}])
        conn.execute(reports.insert(), [{"report_no": "R1", "report_type": "日报", "due_at": datetime(2025, 12, 5, 10)},
                                        {"report_no": "R2", "report_type": "日报", "due_at": datetime(2026, 1, 5, 10)}])
        conn.execute(manual_items.insert(), [
            {"month": m, "item_type": "扣分", "points": "1", "reason": "有效投诉", "entered_by": "rev"} for m in (FROZEN, OPEN)])
        conn.execute(month_signoffs.insert(), [{"month": FROZEN, "state": "frozen", "frozen": True},
                                               {"month": "2025-11", "state": "draft", "frozen": False}])
    return pg_engine


def refused(engine, stmt, params=None) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(stmt, params) if params is not None else conn.execute(stmt)
    except DBAPIError as e:
        assert REFUSED in str(e.orig) and e.orig.sqlstate == "23514"      # check_violation
        return True
    return False


CHANGES = [
    # (what, statement, refused?)
    ("a ticket inserted into the frozen month", tickets.insert().values(ticket_no="D9", received_at=datetime(2025, 12, 9)), True),
    ("a ticket inserted into an open month", tickets.insert().values(ticket_no="J9", received_at=datetime(2026, 1, 9)), False),
    ("a frozen ticket's title changed", tickets.update().where(tickets.c.ticket_no == "D1").values(title="改"), True),
    ("a frozen ticket rewritten as it was", tickets.update().where(tickets.c.ticket_no == "D1")
     .values(received_at=datetime(2025, 12, 5, 8)), False),
    ("a ticket moved into the frozen month", tickets.update().where(tickets.c.ticket_no == "J1")
     .values(received_at=datetime(2025, 12, 30)), True),
    ("a ticket moved out of the frozen month", tickets.update().where(tickets.c.ticket_no == "D2")
     .values(received_at=datetime(2026, 1, 30)), True),
    ("an open ticket changed", tickets.update().where(tickets.c.ticket_no == "J1").values(title="一月"), False),
    ("a frozen ticket deleted", tickets.delete().where(tickets.c.ticket_no == "D2"), True),
    ("an event added to the frozen month", ticket_events.insert().values(
        ticket_no="D1", at=datetime(2025, 12, 5, 10), action="DISPATCH", staff_no="", unit="", detail=""), True),
    ("an event added to an open month", ticket_events.insert().values(
        ticket_no="D1", at=datetime(2026, 1, 2), action="DISPATCH", staff_no="", unit="", detail=""), False),
    ("a frozen event deleted", ticket_events.delete().where(ticket_events.c.ticket_no == "D1"), True),
    ("a frozen shift changed", shifts.update().where(shifts.c.day == date(2025, 12, 5)).values(present=False), True),
    ("an open shift changed", shifts.update().where(shifts.c.day == date(2026, 1, 5)).values(present=False), False),
    ("a report moved into the frozen month", reports.update().where(reports.c.report_no == "R2")
     .values(due_at=datetime(2025, 12, 31)), True),
    ("a frozen report deleted", reports.delete().where(reports.c.report_no == "R1"), True),
    ("a manual item added to the frozen month", manual_items.insert().values(
        month=FROZEN, item_type="加分", points="1", reason="表扬", entered_by="rev"), True),
    ("a frozen manual item changed", manual_items.update().where(manual_items.c.month == FROZEN).values(points="2"), True),
    ("an open manual item deleted", manual_items.delete().where(manual_items.c.month == OPEN), False),
]


@pytest.mark.parametrize("what, stmt, expected", CHANGES, ids=[c[0] for c in CHANGES])
def test_frozen_month_rows_are_refused_by_the_database(db, what, stmt, expected):
    with db.connect() as conn:
        before = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                  for t in (tickets, ticket_events, shifts, reports, manual_items)}
    assert refused(db, stmt) is expected, what
    if expected:       # nothing of the refused statement stays
        with db.connect() as conn:
            assert {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in (tickets, ticket_events, shifts, reports, manual_items)} == before
            assert conn.execute(sa.select(tickets.c.title).where(tickets.c.ticket_no == "D1")).scalar_one() is None


def test_one_frozen_row_among_many_refuses_the_whole_statement(db):
    rows = [{"ticket_no": f"N{i}", "received_at": datetime(2026, 1, 10)} for i in range(500)]
    rows.append({"ticket_no": "N-frozen", "received_at": datetime(2025, 12, 10)})
    assert refused(db, tickets.insert(), rows)
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)
                            .where(tickets.c.ticket_no.like("N%"))).scalar_one() == 0


def test_copy_into_the_frozen_month_is_refused(db):
    """The path imports and the feed write new rows by (writing.Insert)."""
    with pytest.raises(psycopg.errors.CheckViolation, match=REFUSED):
        with db.begin() as conn:
            with conn.connection.driver_connection.cursor() as cur, \
                    cur.copy("COPY tickets (ticket_no, received_at) FROM STDIN") as copy:
                copy.write_row(("C1", datetime(2026, 1, 3)))
                copy.write_row(("C2", datetime(2025, 12, 3)))
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)
                            .where(tickets.c.ticket_no.in_(["C1", "C2"]))).scalar_one() == 0


def test_unfrozen_month_takes_changes_again(db):
    with db.begin() as conn:
        conn.execute(month_signoffs.update().where(month_signoffs.c.month == FROZEN).values(frozen=False))
    assert not refused(db, tickets.update().where(tickets.c.ticket_no == "D1").values(title="改"))
