"""The audit log: every login, refusal and write of consequence leaves a row."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from queries.schema import audit_log


def record(conn: Connection, *, username: str, action: str, target: str = "", detail: str = "",
           client: str = "") -> None:
    conn.execute(audit_log.insert().values(
        at=datetime.now().replace(microsecond=0), username=username or "", action=action,
        target=target[:128], detail=detail, client=client[:64]))
