"""The server-side check of every ledger write: the role may write ledgers (manager, supervisor),
else the refusal is audited and raised with a Chinese message."""
from __future__ import annotations

from sqlalchemy.engine import Connection

from dashboard.services import audit
from domain.access import ROLES, can


class LedgerError(ValueError):
    """A refused or invalid ledger write (message in Chinese); nothing was written."""


def require_writer(conn: Connection, *, username: str, role: str | None, target: str) -> None:
    if not can(role, "ledger_write"):
        raise audit.denied(conn, LedgerError(f"无权操作：{ROLES.get(role or '', '未登录')}不能填写台账（仅项目经理和业务主管可以）"),
                           username=username, target=target, detail=f"action=ledger_write role={role}")


def required_text(value: str | None, what: str, limit: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise LedgerError(f"请填写{what}")
    if len(text) > limit:
        raise LedgerError(f"{what}过长（不超过 {limit:,} 字）")
    return text
