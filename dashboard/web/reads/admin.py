"""Admin reads are never cached: an administrator must see the change just made."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.web.reads import engine, fresh
from queries import admin


@fresh
def users() -> pd.DataFrame:
    with engine().connect() as conn:
        return admin.list_users(conn)


@fresh
def rules_versions() -> pd.DataFrame:
    with engine().connect() as conn:
        return admin.list_rules_versions(conn)


@fresh
def rules_body(version_id: int) -> str | None:
    with engine().connect() as conn:
        return admin.rules_body(conn, version_id)


@fresh
def audit(start: datetime, end: datetime, username: str | None, action: str | None, text: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return admin.audit_entries(conn, start=start, end=end, username=username, action=action, text=text)


@fresh
def audit_actions() -> list[str]:
    with engine().connect() as conn:
        return admin.audit_actions(conn)
