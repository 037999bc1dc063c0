"""Signed-off months: no import may change them (docs/imports.md, import rules)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import month_signoffs


def frozen_months(conn: Connection) -> set[str]:
    """'YYYY-MM' of every month whose sign-off froze it."""
    rows = conn.execute(sa.select(month_signoffs.c.month).where(month_signoffs.c.frozen == sa.true()))
    return {r[0] for r in rows}
