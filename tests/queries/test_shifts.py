"""Shift plan vs attendance, coverage and headcount flow on a hand-built roster (both engines)."""
from datetime import date

import pytest

from domain.staffing import coverage_by_hour, turnover_rate
from queries import shifts as q
from queries.schema import staff
from tests.support.staff_fixture import NOW, load


@pytest.fixture
def db(engine):
    load(engine)
    with engine.begin() as conn:
        conn.execute(staff.insert(), [
            {"staff_no": "P09", "name": "离职者", "role": "派单专员", "team": "派单一组",
             "hired_on": date(2025, 6, 1), "left_on": date(2026, 1, 10)},
            {"staff_no": "P10", "name": "新入职", "role": "派单专员", "team": "派单一组",
             "hired_on": date(2026, 1, 12), "left_on": None},
        ])
    return engine


def test_attendance_by_day_shift_and_total(db):
    with db.connect() as conn:
        df = q.attendance_by_day_shift(conn, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31), now=NOW)
        total = q.attendance_total(conn, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31), now=NOW)
    rows = {(r.day, r.shift): (r.planned, r.started, r.present, r.absent) for r in df.itertuples()}
    assert rows[(date(2026, 1, 5), "早班")] == (2, 2, 2, 0)
    assert rows[(date(2026, 1, 6), "早班")] == (1, 1, 0, 1)
    assert rows[(date(2026, 1, 20), "中班")] == (1, 0, 0, 0)     # starts at 16:00, after now
    assert total == {"started": 4, "present": 3}


def test_coverage_counts_plan_for_future_shifts(db):
    with db.connect() as conn:
        cov = q.coverage(conn, first_day=date(2026, 1, 20), last_day=date(2026, 1, 20), now=NOW)
    by = {(r.shift, r.role): (r.planned, r.on_duty) for r in cov.itertuples()}
    assert by[("早班", "派单专员")] == (1, 1) and by[("中班", "派单专员")] == (1, 1)
    hours = coverage_by_hour([(r.day, r.shift, r.role, r.on_duty) for r in cov.itertuples()])
    assert hours[(date(2026, 1, 20), 8, "派单专员")] == 1 and (date(2026, 1, 20), 3, "派单专员") not in hours


def test_headcount_flow_and_turnover(db):
    with db.connect() as conn:
        flow = q.headcount_flow(conn, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31)).set_index("role")
        moves = q.people_moves(conn, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31))
    d = flow.loc["派单专员"]
    assert (d.headcount_start, d.headcount_end, d.hires, d.departures) == (3, 3, 1, 1)
    assert turnover_rate(1, 3, 3) == pytest.approx(1 / 3)
    assert list(moves["staff_no"]) == ["P09", "P10"] and list(moves["kind"]) == ["离职", "入职"]
