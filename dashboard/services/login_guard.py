"""Throttling of failed sign-ins and refused second-factor codes: a sliding window per account and
per client address, with a back-off that grows and then caps — never a permanent lock-out (the wall
account must recover). Both use the same numbers (below).

Failures are rows of the audit log, so every process behind the load balancer sees the same
history: `login_failed` (the typed user name in `target`) for passwords, `second_factor_failed`
with a code refused (the account in `username`) for TOTP and recovery codes. The two are counted
apart: failed passwords do not slow the second factor, nor the other way round.
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


# The second_factor_failed details that count as a refused code (dashboard.services.second_factor's
# outcomes: wrong, reused, or a code that could not be checked for want of the key); an account
# without a second factor and an attempt refused by this throttle itself do not count.
SECOND_FACTOR_COUNTED = ("wrong", "reused", "no_key")


def _failures(conn: Connection, failed, column, value: str, now: datetime) -> tuple[int, datetime | None]:
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.max(audit_log.c.at))
        .where(failed, column == value, audit_log.c.at > now - WINDOW)
    ).one()
    return int(row[0]), row[1]


def _retry_after(conn: Connection, failed, account_column, username: str, client: str, now: datetime | None) -> int:
    now = now or datetime.now()
    waits = []
    for column, value in ((account_column, username), (audit_log.c.client, client)):
        if not value:
            continue
        count, last = _failures(conn, failed, column, value, now)
        need = wait_seconds(count)
        if need and last is not None:
            waits.append(max(0, int((last + timedelta(seconds=need) - now).total_seconds()) + 1))
    return max(waits, default=0)


def retry_after(conn: Connection, username: str, client: str, now: datetime | None = None) -> int:
    """Seconds the caller must still wait before another password attempt (0 = may try now)."""
    return _retry_after(conn, audit_log.c.action == "login_failed", audit_log.c.target, username, client, now)


def second_factor_retry_after(conn: Connection, username: str, client: str, now: datetime | None = None) -> int:
    """Seconds before `username` (or anyone from `client`) may give another TOTP or recovery code."""
    failed = sa.and_(audit_log.c.action == "second_factor_failed", audit_log.c.detail.in_(SECOND_FACTOR_COUNTED))
    return _retry_after(conn, failed, audit_log.c.username, username, client, now)
