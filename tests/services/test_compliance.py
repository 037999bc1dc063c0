"""Compliance views and queries (both engines) with known answers: active staff, shift coverage,
equipment, qualifications and the bachelor share; stale data blocks approving the current month."""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from dashboard.services.assessment import views
from dashboard.services.assessment import views as v
from dashboard.services.reference import seed_equipment
from domain.rules import Rules
from queries import compliance as qc
from queries.schema import equipment, shifts, staff
from tests.support.assessment_fixture import load


def _people(conn):
    base = {"team_size_managed": None, "management_years": None, "typing_speed": None, "left_on": None}
    conn.execute(staff.insert(), [{**base, **p} for p in [
        {"staff_no": "A", "name": "甲", "role": "派单专员", "education": "本科", "full_time": True, "typing_speed": 70,
         "hired_on": date(2025, 1, 1)},
        {"staff_no": "B", "name": "乙", "role": "派单专员", "education": "大专", "full_time": True, "typing_speed": 50,
         "hired_on": date(2025, 1, 1)},
        {"staff_no": "C", "name": "丙", "role": "质检专员", "education": "大专", "full_time": True, "typing_speed": 80,
         "hired_on": date(2025, 1, 1), "left_on": date(2025, 12, 10)},
        {"staff_no": "D", "name": "丁", "role": "业务主管", "education": "本科", "full_time": True,
         "team_size_managed": 60, "management_years": "4", "hired_on": date(2025, 12, 10)},
    ]])
    conn.execute(shifts.insert(), [
        {"staff_no": "A", "day": date(2025, 12, 1), "shift": "早班", "present": True},
        {"staff_no": "B", "day": date(2025, 12, 1), "shift": "早班", "present": False},
        {"staff_no": "C", "day": date(2025, 12, 1), "shift": "夜班", "present": True},
        {"staff_no": "A", "day": date(2025, 12, 2), "shift": "中班", "present": True},
    ])


def test_compliance_queries(engine):
    with engine.begin() as conn:
        _people(conn)
        seed_equipment(conn)
        conn.execute(equipment.update().where(equipment.c.asset_no == "PC-001").values(status="维修"))
    with engine.connect() as conn:
        assert list(qc.active_staff(conn, day=date(2025, 12, 9))["staff_no"]) == ["A", "B", "C"]
        assert list(qc.active_staff(conn, day=date(2025, 12, 10))["staff_no"]) == ["D", "A", "B"]
        cov = qc.shift_coverage(conn, first_day=date(2025, 12, 1), last_day=date(2025, 12, 1))
        assert [tuple(r) for r in cov.itertuples(index=False)] == [
            (date(2025, 12, 1), "早班", "派单专员", 2, 1), (date(2025, 12, 1), "夜班", "质检专员", 1, 1)]
        eq = views.equipment_table(conn)
        assert list(eq["在用"]) == [59, 6] and list(eq["缺口"]) == [1, 0] and list(eq["是否达标"]) == ["不达标", "达标"]
        q = views.qualification_table(conn, date(2025, 12, 10))
        assert list(q.loc[q["是否达标"] == "不达标", "工号"]) == ["B"]
        share, n, total = views.bachelor_share(conn, date(2025, 12, 10))
        assert (share, n, total) == (Fraction(1, 2), 1, 2)
        sc = views.shift_coverage(conn, "2025-12", datetime(2025, 12, 2, 23, 0), Rules.default())
        assert len(sc) == 6
        first = sc.iloc[0]
        assert (first["班次"], first["派单专员（≥4）"], first["是否达标"]) == ("早班", 1, "不达标")
        assert "派单专员缺3人" in first["缺口"]


def test_stale_data_blocks_approval_of_current_month(engine):
    load(engine, tickets_=[("T1", "2025-12-20 08:00:00")], events=[("T1", "2025-12-20 08:10:00", "SIGN")])
    rules = Rules.default()
    with engine.connect() as conn:
        assert v.stale_reason(conn, "2025-12", datetime(2025, 12, 20, 10, 9), rules) is None     # 119 min
        why = v.stale_reason(conn, "2025-12", datetime(2025, 12, 20, 10, 10), rules)             # 120 min: red
        assert why and "120" in why and "暂不能审定" in why
        assert v.stale_reason(conn, "2025-11", datetime(2025, 12, 20, 10, 10), rules) is None    # past month
