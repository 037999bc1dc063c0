"""Keep tickets.repeat_source_no current (docs/repeats.md): after every write of tickets, and
rebuilt with the facts.

A ticket's source depends only on the tickets received in the 30 days before it. When tickets
received in [start, end] were written (their new and their old receipt times), the tickets from
`start` up to 30 days after `end` are derived again, with the 30 days before `start` as their
context; only the rows whose source changed are updated. Work is one sorted pass with a dict per
key (domain.repeats.RepeatIndex), not a comparison of pairs.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services.ingest.frozen import frozen_months
from domain.repeats import REPEAT_WINDOW, RepeatIndex, RepeatKeys, normalise_address
from queries.schema import tickets

UPDATE_CHUNK = 5000
_COLUMNS = (tickets.c.ticket_no, tickets.c.received_at, tickets.c.caller_hash, tickets.c.address_key,
            tickets.c.category_l1, tickets.c.category_l2, tickets.c.repeat_source_no)


def refresh(conn: Connection, start: datetime, end: datetime) -> int:
    """Re-derive the sources of tickets received from `start` to 30 days after `end`; returns how
    many changed."""
    rows = conn.execute(sa.select(*_COLUMNS).where(tickets.c.received_at >= start - REPEAT_WINDOW,
                                                   tickets.c.received_at <= end + REPEAT_WINDOW)).all()
    return _derive_and_store(conn, rows, since=start)


def rebuild(conn: Connection) -> int:
    """Every ticket: the normalised address again from the stored address, then every source
    (`python -m dashboard rebuild-facts`). Returns how many sources changed."""
    fix = []
    for no, address, key in conn.execute(sa.select(tickets.c.ticket_no, tickets.c.address, tickets.c.address_key)):
        new = normalise_address(address)
        if new != key:
            fix.append({"no": no, "key": new})
    stmt = tickets.update().where(tickets.c.ticket_no == sa.bindparam("no")).values(address_key=sa.bindparam("key"))
    for i in range(0, len(fix), UPDATE_CHUNK):
        conn.execute(stmt, fix[i:i + UPDATE_CHUNK])
    return _derive_and_store(conn, conn.execute(sa.select(*_COLUMNS)).all(), since=None)


def _derive_and_store(conn: Connection, rows: Iterable, since: datetime | None) -> int:
    keyed = sorted(((r[1], r[0], r) for r in rows), key=lambda x: (x[0], x[1]))
    index = RepeatIndex()
    changes = []
    frozen = frozen_months(conn)      # signed-off months keep their figures (and refuse writes)
    for received, no, r in keyed:
        source = index.take(RepeatKeys(no, received, r[2], r[3], r[4], r[5]))
        if source != r[6] and (since is None or received >= since):
            if not frozen or received.strftime("%Y-%m") not in frozen:
                changes.append({"no": no, "src": source})
    stmt = (tickets.update().where(tickets.c.ticket_no == sa.bindparam("no"))
            .values(repeat_source_no=sa.bindparam("src")))
    for i in range(0, len(changes), UPDATE_CHUNK):
        conn.execute(stmt, changes[i:i + UPDATE_CHUNK])
    return len(changes)
