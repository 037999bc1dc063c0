"""The stand-up action list: add and update items, kept in the database so that open items carry
over to the next stand-up. Every write re-checks the role (access.can(role, "standup_actions"))."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit
from domain import access
from queries.schema import standup_actions

STATUSES = ("待办", "进行中", "已完成")
MAX_TEXT = 500


class ActionError(ValueError):
    """A refused write: the message is for the user (Chinese)."""


def _check(conn: Connection, role: str | None, username: str, target: str) -> None:
    if not access.can(role, "standup_actions"):
        raise audit.denied(conn, ActionError("无权操作：当前角色不能维护班前会行动项。"), username=username,
                           target=target, detail=f"action=standup_actions role={role}")


def _clean(owner: str, text: str, due: date | None, status: str) -> tuple[str, str]:
    owner, text = (owner or "").strip(), (text or "").strip()
    if not owner:
        raise ActionError("请填写责任人。")
    if len(owner) > 64:
        raise ActionError("责任人不能超过 64 个字。")
    if not text:
        raise ActionError("请填写行动内容。")
    if len(text) > MAX_TEXT:
        raise ActionError(f"行动内容不能超过 {MAX_TEXT} 个字。")
    if status not in STATUSES:
        raise ActionError(f"状态只能是：{'、'.join(STATUSES)}。")
    if due is not None and not isinstance(due, date):
        raise ActionError("完成期限不是有效日期。")
    return owner, text


def add(conn: Connection, *, role: str, username: str, owner: str, text: str, due: date | None,
        created_on: date, status: str = "待办", now: datetime | None = None) -> int:
    """Insert one action item; returns its id."""
    _check(conn, role, username, "standup_actions")
    owner, text = _clean(owner, text, due, status)
    if due is not None and due < created_on:
        raise ActionError("完成期限不能早于创建日期。")
    now = now or datetime.now().replace(microsecond=0)
    result = conn.execute(standup_actions.insert().values(
        created_on=created_on, owner=owner, text=text, due=due, status=status, created_by=username, updated_at=now))
    new_id = int(result.inserted_primary_key[0])
    audit.record(conn, username=username, action="standup_action_add", target=f"standup_actions/{new_id}",
                 detail=f"owner={owner} due={due} status={status}")
    return new_id


def update(conn: Connection, *, role: str, username: str, action_id: int, status: str | None = None,
           owner: str | None = None, due: date | None = None, text: str | None = None,
           now: datetime | None = None) -> bool:
    """Change an item's status / owner / due / text; returns False when nothing changed."""
    _check(conn, role, username, f"standup_actions/{action_id}")
    row = conn.execute(sa.select(standup_actions).where(standup_actions.c.id == int(action_id))).mappings().first()
    if row is None:
        raise ActionError(f"行动项 {action_id} 不存在。")
    new = {"status": status if status is not None else row["status"],
           "owner": owner if owner is not None else row["owner"],
           "text": text if text is not None else row["text"],
           "due": due if due is not None else row["due"]}
    new["owner"], new["text"] = _clean(new["owner"], new["text"], new["due"], new["status"])
    changed = {k: v for k, v in new.items() if v != row[k]}
    if not changed:
        return False
    changed["updated_at"] = now or datetime.now().replace(microsecond=0)
    conn.execute(standup_actions.update().where(standup_actions.c.id == int(action_id)).values(**changed))
    audit.record(conn, username=username, action="standup_action_update", target=f"standup_actions/{action_id}",
                 detail=", ".join(f"{k}={v}" for k, v in changed.items() if k != "updated_at"))
    return True
