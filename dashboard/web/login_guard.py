"""Failed-login throttling: a sliding window per user name and per client address, with a
back-off that grows and then caps — never a permanent lock-out (the wall account must recover).

Failures are the audit log's `login_failed` rows, so every process behind the load balancer
sees the same history.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import audit_log

WINDOW = timedelta(minutes=15)
FREE_ATTEMPTS = 5
FIRST_WAIT_SECONDS = 15
MAX_WAIT_SECONDS = 300


def wait_seconds(failures: int) -> int:
    """Back-off after `failures` failures inside the window: 0 for the first few, then doubling, capped."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_ATTEMPTS), MAX_WAIT_SECONDS)


def _failures(conn: Connection, column, value: str, now: datetime) -> tuple[int, datetime | None]:
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.max(audit_log.c.at))
        .where(audit_log.c.action == "login_failed", column == value, audit_log.c.at > now - WINDOW)
    ).one()
    return int(row[0]), row[1]


def retry_after(conn: Connection, username: str, client: str, now: datetime | None = None) -> int:
    """Seconds the caller must still wait before another attempt (0 = may try now)."""
    now = now or datetime.now()
    waits = []
    for column, value in ((audit_log.c.target, username), (audit_log.c.client, client)):
        if not value:
            continue
        count, last = _failures(conn, column, value, now)
        need = wait_seconds(count)
        if need and last is not None:
            waits.append(max(0, int((last + timedelta(seconds=need) - now).total_seconds()) + 1))
    return max(waits, default=0)
