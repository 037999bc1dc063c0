"""Stored instalment dates (payment_records)."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries.schema import payment_records
from queries.sql import tuples

PAYMENT_RECORD_COLUMNS = ["instalment", "due_on", "paid_on", "note", "entered_by", "entered_at"]


def payment_dates(conn: Connection) -> pd.DataFrame:
    """instalment (1–3) · due_on (date|None) · paid_on (date|None) · note · entered_by · entered_at."""
    stmt = sa.select(*[payment_records.c[c] for c in PAYMENT_RECORD_COLUMNS]).order_by(payment_records.c.instalment)
    return pd.DataFrame(tuples(conn.execute(stmt)), columns=PAYMENT_RECORD_COLUMNS)


def save_payment_dates(conn: Connection, *, instalment: int, due_on, paid_on, note: str, entered_by: str,
                       entered_at) -> None:
    """Insert or replace the row of one instalment (inside the caller's transaction)."""
    values = {"due_on": due_on, "paid_on": paid_on, "note": note, "entered_by": entered_by, "entered_at": entered_at}
    done = conn.execute(payment_records.update().where(payment_records.c.instalment == instalment).values(**values))
    if done.rowcount == 0:
        conn.execute(payment_records.insert().values(instalment=instalment, **values))
