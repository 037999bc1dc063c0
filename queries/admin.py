"""Administration reads: users, rules versions, and the audit log with filters."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import audit_log, rules_versions, users

USERS_COLUMNS = ["username", "display_name", "role", "active", "created_at", "updated_at", "last_login_at", "email"]


def list_users(conn: Connection) -> pd.DataFrame:
    """username · display_name · role · active (bool) · created_at · updated_at · last_login_at ·
    email (the single sign-on claim linked to the account, or None)"""
    rows = conn.execute(sa.select(*[users.c[c] for c in USERS_COLUMNS]).order_by(users.c.username)).all()
    return pd.DataFrame(rows, columns=USERS_COLUMNS)


RULES_COLUMNS = ["id", "effective_from", "note", "created_by", "created_at"]


def list_rules_versions(conn: Connection) -> pd.DataFrame:
    """id · effective_from (YYYY-MM) · note · created_by · created_at, newest first"""
    rows = conn.execute(sa.select(*[rules_versions.c[c] for c in RULES_COLUMNS])
                        .order_by(rules_versions.c.id.desc())).all()
    return pd.DataFrame(rows, columns=RULES_COLUMNS)


def rules_body(conn: Connection, version_id: int) -> str | None:
    return conn.execute(sa.select(rules_versions.c.body).where(rules_versions.c.id == version_id)).scalar()


AUDIT_COLUMNS = ["at", "username", "action", "target", "detail", "client"]


def audit_entries(conn: Connection, *, start: datetime, end: datetime, username: str | None = None,
                  action: str | None = None, text: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """Audit rows with start ≤ at < end, newest first; optional exact user/action and a substring
    of target/detail (bound as a LIKE parameter, wildcards in the input escaped)."""
    stmt = sa.select(*[audit_log.c[c] for c in AUDIT_COLUMNS]).where(audit_log.c.at >= start, audit_log.c.at < end)
    if username:
        stmt = stmt.where(audit_log.c.username == username)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        stmt = stmt.where(sa.or_(audit_log.c.target.like(pattern, escape="\\"),
                                 audit_log.c.detail.like(pattern, escape="\\")))
    rows = conn.execute(stmt.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def audit_actions(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(sa.select(audit_log.c.action).distinct().order_by(audit_log.c.action))]
