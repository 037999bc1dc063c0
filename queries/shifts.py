"""Shift plan against attendance, coverage by role, headcount flow.

Shifts are rows (工号, day, 早班/中班/夜班, present). A shift that has not started by `now` is a
plan only: it counts as planned, never as attended or missed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.vocabulary import SHIFT_START_HOUR, SHIFTS
from queries.schema import shifts, staff
from queries.sql import count_if, tuples


def started(now: datetime):
    """Condition: the shift row has started at `now`."""
    begun = [k for k, h in SHIFT_START_HOUR.items() if h <= now.hour]
    return sa.or_(shifts.c.day < now.date(), sa.and_(shifts.c.day == now.date(), shifts.c.shift.in_(begun)))


def _ints(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        df[c] = pd.to_numeric(df[c]).astype("int64")
    return df


ATTENDANCE_COLUMNS = ["day", "shift", "planned", "started", "present", "absent"]


def attendance_by_day_shift(conn: Connection, *, first_day: date, last_day: date, now: datetime) -> pd.DataFrame:
    """Per day and shift of [first_day, last_day]: planned (all rows) · started (rows of shifts begun
    by `now`) · present · absent (started and not present)."""
    st = started(now)
    stmt = (sa.select(shifts.c.day, shifts.c.shift, sa.func.count(), count_if(st),
                      count_if(sa.and_(st, shifts.c.present)), count_if(sa.and_(st, ~shifts.c.present)))
            .where(shifts.c.day >= first_day, shifts.c.day <= last_day)
            .group_by(shifts.c.day, shifts.c.shift))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=ATTENDANCE_COLUMNS)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    df = _ints(df, ATTENDANCE_COLUMNS[2:])
    df["order"] = df["shift"].map({s: i for i, s in enumerate(SHIFTS)})
    return df.sort_values(["day", "order"]).drop(columns="order").reset_index(drop=True)


def attendance_total(conn: Connection, *, first_day: date, last_day: date, now: datetime) -> dict:
    """{"started": shifts begun by now, "present": attended} over the days (the 到岗率 inputs)."""
    st = started(now)
    row = conn.execute(sa.select(count_if(st), count_if(sa.and_(st, shifts.c.present)))
                       .where(shifts.c.day >= first_day, shifts.c.day <= last_day)).one()
    return {"started": int(row[0]), "present": int(row[1])}


COVERAGE_COLUMNS = ["day", "shift", "role", "planned", "on_duty"]


def coverage(conn: Connection, *, first_day: date, last_day: date, now: datetime) -> pd.DataFrame:
    """People per day, shift and 岗位: planned · on_duty (present for shifts begun by `now`, the
    plan for shifts still ahead)."""
    st = started(now)
    stmt = (sa.select(shifts.c.day, shifts.c.shift, staff.c.role, sa.func.count(),
                      count_if(sa.or_(sa.and_(st, shifts.c.present), ~st)))
            .select_from(shifts.join(staff, staff.c.staff_no == shifts.c.staff_no))
            .where(shifts.c.day >= first_day, shifts.c.day <= last_day)
            .group_by(shifts.c.day, shifts.c.shift, staff.c.role))
    df = pd.DataFrame(tuples(conn.execute(stmt)), columns=COVERAGE_COLUMNS)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return _ints(df, ["planned", "on_duty"])


FLOW_COLUMNS = ["role", "headcount_start", "headcount_end", "hires", "departures"]


def headcount_flow(conn: Connection, *, first_day: date, last_day: date) -> pd.DataFrame:
    """Per 岗位: active on first_day · active on last_day (入职 ≤ d and (no 离职 or 离职 > d)) ·
    hires (入职 in the days) · departures (离职 in the days)."""
    def active(d: date):
        return sa.and_(sa.or_(staff.c.hired_on.is_(None), staff.c.hired_on <= d),
                       sa.or_(staff.c.left_on.is_(None), staff.c.left_on > d))
    stmt = (sa.select(staff.c.role, count_if(active(first_day)), count_if(active(last_day)),
                      count_if(sa.and_(staff.c.hired_on >= first_day, staff.c.hired_on <= last_day)),
                      count_if(sa.and_(staff.c.left_on >= first_day, staff.c.left_on <= last_day)))
            .group_by(staff.c.role).order_by(staff.c.role))
    return _ints(pd.DataFrame(tuples(conn.execute(stmt)), columns=FLOW_COLUMNS), FLOW_COLUMNS[1:])


def people_moves(conn: Connection, *, first_day: date, last_day: date) -> pd.DataFrame:
    """Hires and departures in the days: kind (入职/离职) · day · staff_no · name · role · team"""
    rows = []
    for kind, col in (("入职", staff.c.hired_on), ("离职", staff.c.left_on)):
        rows += [(kind, *r) for r in conn.execute(
            sa.select(col, staff.c.staff_no, staff.c.name, staff.c.role, staff.c.team)
            .where(col >= first_day, col <= last_day).order_by(col)).all()]
    df = pd.DataFrame(rows, columns=["kind", "day", "staff_no", "name", "role", "team"])
    return df.sort_values(["day", "kind"]).reset_index(drop=True)


def planned_by_shift(conn: Connection, *, day: date, role: str, now: datetime) -> pd.DataFrame:
    """shift · planned · on_duty for one 岗位 on one day (the dispatcher plan next to the need)."""
    cov = coverage(conn, first_day=day, last_day=day, now=now)
    cov = cov[cov["role"] == role]
    out = pd.DataFrame({"shift": list(SHIFTS)})
    out = out.merge(cov[["shift", "planned", "on_duty"]], on="shift", how="left").fillna(0)
    return _ints(out, ["planned", "on_duty"])


def teams(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(sa.select(staff.c.team).where(staff.c.team.is_not(None))
                                       .distinct().order_by(staff.c.team)).all()]


def last_shift_day(conn: Connection, now: datetime) -> date | None:
    return conn.execute(sa.select(sa.func.max(shifts.c.day)).where(shifts.c.day <= now.date() + timedelta(days=31))).scalar()
