"""Contract compliance: roster with qualifications, equipment, shift coverage.

Headcount per (role, day) is queries.evidence.staffing_pairs (the staffing_compliance base).
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.vocabulary import CONTRACT_ROLES, SHIFTS_AS_LISTED
from queries.schema import equipment, shifts, staff
from queries.sql import count_if, tuples

ACTIVE_STAFF_COLUMNS = ["staff_no", "name", "role", "team", "education", "full_time", "years_experience",
                        "team_size_managed", "management_years", "typing_speed", "hired_on", "left_on"]
EQUIPMENT_COLUMNS = ["kind", "status", "leased", "items"]
SHIFT_COVERAGE_COLUMNS = ["day", "shift", "role", "planned", "present"]


def _rank(col, values):
    """Position in `values` (contract order): a fixed sort, the same on both engines whatever the collation."""
    return sa.case({v: i for i, v in enumerate(values)}, value=col, else_=len(values))


def _d(value: date, name: str):
    return sa.bindparam(name, value, type_=sa.Date())


def active_staff(conn: Connection, *, day: date) -> pd.DataFrame:
    """People active on `day` (入职日期 ≤ day and no 离职日期 or 离职日期 > day), by role and 工号."""
    d = _d(day, "day")
    stmt = (sa.select(*[staff.c[c] for c in ACTIVE_STAFF_COLUMNS])
            .where(staff.c.hired_on.is_not(None), staff.c.hired_on <= d,
                   sa.or_(staff.c.left_on.is_(None), staff.c.left_on > d))
            .order_by(_rank(staff.c.role, CONTRACT_ROLES), staff.c.role, staff.c.staff_no))
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=ACTIVE_STAFF_COLUMNS)


def equipment_counts(conn: Connection) -> pd.DataFrame:
    """kind (电脑/多功能一体机) · status (在用/…) · leased (bool) · items (int)."""
    stmt = (sa.select(equipment.c.kind, equipment.c.status, equipment.c.leased, sa.func.count().label("items"))
            .group_by(equipment.c.kind, equipment.c.status, equipment.c.leased)
            .order_by(equipment.c.kind, equipment.c.status, equipment.c.leased))
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=EQUIPMENT_COLUMNS)


def shift_coverage(conn: Connection, *, first_day: date, last_day: date) -> pd.DataFrame:
    """Per day × shift × role: assignments planned and present (是否到岗 = 是).

    day (date) · shift (早班/中班/夜班) · role (str) · planned (int) · present (int)
    """
    s = shifts
    stmt = (sa.select(s.c.day, s.c.shift, staff.c.role, sa.func.count().label("planned"),
                      count_if(s.c.present).label("present"))
            .select_from(s.join(staff, staff.c.staff_no == s.c.staff_no))
            .where(s.c.day >= _d(first_day, "first_day"), s.c.day <= _d(last_day, "last_day"))
            .group_by(s.c.day, s.c.shift, staff.c.role)
            .order_by(s.c.day, _rank(s.c.shift, SHIFTS_AS_LISTED), _rank(staff.c.role, CONTRACT_ROLES)))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=SHIFT_COVERAGE_COLUMNS)
    df["planned"] = df["planned"].astype(int)
    df["present"] = df["present"].astype(int)
    if not df.empty:
        df["day"] = pd.to_datetime(df["day"]).dt.date
    return df
