"""Instalment due/paid dates entered by a reviewer or admin (access action `payment_dates`)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Connection

from dashboard.services import audit
from dashboard.services.assessment.signoff import AccessDenied, SignoffError
from domain.access import can
from queries.payment import save_payment_dates


def save_dates(conn: Connection, *, instalment: int, due_on: date | None, paid_on: date | None, note: str,
               username: str, role: str, now: datetime | None = None) -> None:
    """Re-checks the role server-side, validates, writes and audits (inside the caller's transaction)."""
    if not can(role, "payment_dates"):
        raise audit.denied(conn, AccessDenied(f"无权执行此操作（payment_dates）：当前角色 {role or '未登录'} 不能录入付款日期"),
                           username=username, target=f"instalment:{instalment}",
                           detail=f"action=payment_dates role={role}")
    if instalment not in (1, 2, 3):
        raise SignoffError("期次应为 1、2 或 3")
    if due_on is None and paid_on is None:
        raise SignoffError("请至少填写应付日期或实付日期")
    if due_on and paid_on and paid_on < due_on.replace(year=due_on.year - 5):
        raise SignoffError("实付日期明显早于应付日期，请核对")
    note = (note or "").strip()
    save_payment_dates(conn, instalment=instalment, due_on=due_on, paid_on=paid_on, note=note,
                          entered_by=username, entered_at=(now or datetime.now()).replace(microsecond=0))
    audit.record(conn, username=username, action="payment_dates", target=f"instalment:{instalment}",
                 detail=f"应付 {due_on or '—'} 实付 {paid_on or '—'} {note}")
