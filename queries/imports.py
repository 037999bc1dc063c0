"""Import history (import_log) for the 数据导入 page."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import import_log as il

IMPORT_HISTORY_COLUMNS = ["id", "at", "username", "kind", "file_name", "rows_total", "rows_inserted",
                          "rows_updated", "rows_unchanged", "rows_rejected", "status", "message"]


def import_history(conn: Connection, *, kinds: list[str] | None = None, limit: int = 200) -> pd.DataFrame:
    """The newest `limit` import attempts, newest first (ties: higher id first).

    id · at · username · kind (tickets/events/…) · file_name · rows_total · rows_inserted · rows_updated ·
    rows_unchanged · rows_rejected (int) · status (ok / partial / refused) · message
    """
    stmt = sa.select(*(il.c[c] for c in IMPORT_HISTORY_COLUMNS)).order_by(il.c.at.desc(), il.c.id.desc())
    if kinds:
        stmt = stmt.where(il.c.kind.in_(list(kinds)))
    df = pd.read_sql(stmt.limit(int(limit)), conn)
    return df[IMPORT_HISTORY_COLUMNS]
