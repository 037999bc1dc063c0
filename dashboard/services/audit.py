"""The audit log: every login, refusal and write of consequence leaves a row."""
from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Connection

from queries.schema import audit_log

E = TypeVar("E", bound=Exception)


def record(conn: Connection, *, username: str, action: str, target: str = "", detail: str = "",
           client: str = "") -> None:
    conn.execute(audit_log.insert().values(
        at=datetime.now().replace(microsecond=0), username=username or "", action=action,
        target=target[:128], detail=detail, client=client[:64]))


def denied(conn: Connection, error: E, *, username: str, target: str, detail: str) -> E:
    """Record a refused write as `access_denied` on the caller's connection and return `error` to
    raise. The error carries the row (`audit_row`): a caller whose transaction the error rolls back
    writes it again in a transaction of its own, so the refusal outlives the rollback."""
    row = {"username": username, "action": "access_denied", "target": target, "detail": detail}
    record(conn, **row)
    error.audit_row = row  # type: ignore[attr-defined]
    return error


def refusal_row(error: BaseException) -> dict | None:
    """The audit row a refused write carries (see `denied`), or None for any other error."""
    return getattr(error, "audit_row", None)
