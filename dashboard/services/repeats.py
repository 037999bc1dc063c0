"""Keep tickets.repeat_source_no current (docs/repeats.md): with every tickets file, and rebuilt
with the facts.

A ticket's source depends only on the tickets received in the 30 days before it. A tickets file
moves the points the rule looks at of its new tickets and of the stored ones whose time or keys
(caller, address, categories) change; only tickets received from the first moved point on can
get another source. So before the file is written its moved rows are put together with the
stored tickets from that point to 30 days after the last one, and with the latest earlier ticket
of each of their callers and addresses in the 30 days before (the rule only ever takes the
latest match; the last day is read first, and only tickets with no match there are looked up
further back), and derived in one sorted pass (domain.repeats.sources_in_order): the file's rows
carry their source into the INSERT (no second write), and the stored tickets whose source
changed are updated. A file that moves no point (a status update, a close) derives nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from operator import itemgetter

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services.ingest import writing
from dashboard.services.ingest.frozen import frozen_months
from domain.repeats import REPEAT_WINDOW, category_or_none, normalise_address, sources_in_order
from queries.schema import tickets

UPDATE_CHUNK = 5000
RECENT_FIRST = timedelta(days=1)   # the stretch before a file read first for the latest earlier tickets
KEY_CHUNK = 2000        # callers or addresses per query of the latest earlier tickets
KEY_COLUMNS = ("caller_hash", "address_key", "category_l1", "category_l2")
_STORED = ("ticket_no", "received_at", *KEY_COLUMNS, "repeat_source_no")


def derive_for_file(conn: Connection, cols: dict[str, Sequence], stored: set | None) -> list[dict]:
    """Sets cols['repeat_source_no'] (the file's tickets, columns as writing.write_tickets takes
    them: received_at a datetime64 array) and returns the updates of other stored tickets, to be
    run after the file is written (apply). `stored`: the file's ticket numbers already held."""
    nos = list(cols["ticket_no"])
    received = np.asarray(cols["received_at"]).astype("datetime64[us]").astype(object).tolist()
    held = _stored_keys(conn, set(nos) if stored is None else stored)
    keys = {}
    for c in KEY_COLUMNS:
        if c in cols:
            keys[c] = list(cols[c])
        else:             # not in the file: stored tickets keep theirs, new ones have none
            i = _STORED.index(c)
            keys[c] = [held[no][i] if no in held else None for no in nos]
    # column-wise, as _point makes them one by one (categories: a few distinct values)
    points = list(zip(received, nos, [h or None for h in keys["caller_hash"]],
                      [a or None for a in keys["address_key"]],
                      _per_distinct(category_or_none, keys["category_l1"]),
                      _per_distinct(category_or_none, keys["category_l2"])))
    # the file's tickets that move a point the rule looks at: new ones, and stored ones whose time
    # or keys change (at both places); a ticket written again as it was moves nothing
    if held:
        moved: list[tuple] = []
        times: list[datetime] = []
        for point in points:
            old = held.get(point[1])
            if old is not None:
                if _point(old[1], *old[:1], *old[2:6]) == point:
                    continue
                times.append(old[1])
            moved.append(point)
            times.append(point[0])
    else:                 # all new (a first load, the feed's new tickets)
        moved, times = points, received
    if not moved:
        cols["repeat_source_no"] = [held[no][6] for no in nos]
        return []
    start, end = min(times), max(times)
    moved_nos = {p[1] for p in moved}
    # every stored ticket from the first moved point on may change source: derived with its
    # stored row; before that point only the latest earlier ticket of each caller and address
    # the derived rows look up counts (the rule takes the latest match in the window)
    after = [r for r in _stored_between(conn, start, end + REPEAT_WINDOW) if r[0] not in moved_nos]
    derived = [*moved, *(_point(r[1], r[0], *r[2:6]) for r in after)]
    before = _latest_before(conn, start, derived)
    # the stored row of each derived ticket that is not a moved one; () for the earlier tickets
    # that only stand in for the look-back (their own sources are not derived here)
    origin: dict[str, tuple] = {r[0]: r for r in after}
    origin.update((r[0], ()) for r in before)
    rows = [*derived, *(_point(r[1], r[0], *r[2:6]) for r in before)]
    rows.sort(key=itemgetter(0, 1))
    found = sources_in_order(rows)
    mine: dict = {}
    changes = []
    frozen = frozen_months(conn)
    file_nos = set(nos)
    stored_row = origin.get
    for row, source in zip(rows, found):
        old = stored_row(row[1])
        if old is None or (old and old[0] in file_nos):
            mine[row[1]] = source
        elif old and old[6] != source and (not frozen or row[0].strftime("%Y-%m") not in frozen):
            changes.append({"no": row[1], "src": source})
    cols["repeat_source_no"] = [mine[no] if no in mine else held[no][6] for no in nos]
    return changes


def _per_distinct(f, values: list) -> list:
    """f of each value, computed once per distinct value."""
    done = {v: f(v) for v in dict.fromkeys(values)}
    return [done[v] for v in values]


def _point(at: datetime, no: str, caller: str | None, address: str | None, l1: str | None,
           l2: str | None) -> tuple:
    """What the rule looks at of one ticket, blanks as None (imported text is trimmed, so
    `or None` is the rule's "blank matches nothing")."""
    return (at, no, caller or None, address or None, category_or_none(l1), category_or_none(l2))


def apply(conn: Connection, changes: list[dict]) -> int:
    """UPDATE the sources of stored tickets (derive_for_file, rebuild)."""
    stmt = (tickets.update().where(tickets.c.ticket_no == sa.bindparam("no"))
            .values(repeat_source_no=sa.bindparam("src")))
    for i in range(0, len(changes), UPDATE_CHUNK):
        conn.execute(stmt, changes[i:i + UPDATE_CHUNK])
    return len(changes)


def refresh(conn: Connection, start: datetime, end: datetime) -> int:
    """Re-derive the stored sources of tickets received from `start` to 30 days after `end` (a
    writer that changed tickets some other way); returns how many changed."""
    return apply(conn, _changed(conn, _stored_between(conn, start - REPEAT_WINDOW, end + REPEAT_WINDOW), since=start))


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
    return apply(conn, _changed(conn, _stored_between(conn, None, None), since=None))


def _changed(conn: Connection, stored: list[tuple], since: datetime | None) -> list[dict]:
    """The stored tickets whose derived source differs from the stored one (received from `since`
    on; signed-off months keep their figures)."""
    rows = sorted(stored, key=lambda r: (r[1], r[0]))
    found = sources_in_order((r[1], r[0], r[2] or None, r[3] or None, category_or_none(r[4]), category_or_none(r[5]))
                             for r in rows)
    frozen = frozen_months(conn)
    return [{"no": r[0], "src": s} for r, s in zip(rows, found) if s != r[6] and (since is None or r[1] >= since)
            and not (frozen and r[1].strftime("%Y-%m") in frozen)]


def _stored_between(conn: Connection, lo: datetime | None, hi: datetime | None) -> list[tuple]:
    """_STORED of the tickets received in [lo, hi] (all when None), received_at as datetime. On
    SQLite plain driver SQL (the stored text parsed by fromisoformat: a sixth of SQLAlchemy's
    per-value processing at 100,000s of rows)."""
    if conn.dialect.name != "sqlite":
        cond = [] if lo is None else [tickets.c.received_at >= lo, tickets.c.received_at <= hi]
        return [tuple(r) for r in conn.execute(sa.select(*[tickets.c[c] for c in _STORED]).where(*cond))]
    sql = f"SELECT {', '.join(_STORED)} FROM tickets"
    params: tuple = ()
    if lo is not None and hi is not None:
        sql += " WHERE received_at >= ? AND received_at <= ?"
        params = (lo.isoformat(" ", "microseconds"), hi.isoformat(" ", "microseconds"))
    parse = datetime.fromisoformat
    return [(r[0], parse(r[1]), *r[2:]) for r in conn.exec_driver_sql(sql, params).fetchall()]


def _stored_keys(conn: Connection, nos: set) -> dict[str, tuple]:
    """_STORED of these stored tickets, by number."""
    return {r[0]: tuple(r) for r in writing.rows_by_keys(conn, tickets, "ticket_no", nos, list(_STORED))}


def _latest_before(conn: Connection, start: datetime, points: list[tuple]) -> list[tuple]:
    """_STORED of stored tickets received in the 30 days before `start` that include the latest
    earlier ticket of every caller and address-and-category these points look up (the rule only
    ever takes the latest earlier match, so they stand for the whole stretch). The last day is
    read first: a point with a match there needs nothing older (any match there is later than
    every older one), and only the others' keys are looked for further back."""
    earliest = start - REPEAT_WINDOW
    if conn.execute(sa.select(tickets.c.ticket_no).where(tickets.c.received_at >= earliest,
                                                         tickets.c.received_at < start).limit(1)).first() is None:
        return []          # nothing stored before (a first load)
    needed = _lookups(points)
    recent = _latest_between(conn, start - RECENT_FIRST, start, needed)
    missing = needed
    if recent:
        found = _lookups([_point(r[1], r[0], *r[2:6]) for r in recent], made=True)
        missing = set()
        # what a point looks up depends on its caller, address and categories alone: each of
        # those once (a file's tickets share a few hundred addresses)
        for keys in dict.fromkeys(point[2:6] for point in points):
            wanted = _lookups([(None, None, *keys)])
            if found.isdisjoint(wanted):
                missing |= wanted
    older = _latest_between(conn, earliest, start - RECENT_FIRST, missing) if missing else []
    return [*recent, *older]


def _lookups(points: list[tuple], *, made: bool = False) -> set[tuple]:
    """The keys of domain.repeats.RepeatTracker these points look up, or with made=True the keys
    remembering them fills."""
    out: set[tuple] = set()
    for _at, _no, caller, address, l1, l2 in points:
        if caller is not None:
            out.add(("caller", caller))
        if address is None:
            continue
        if l2 is not None:
            out.add(("l2", address, l2))
        if l1 is None:
            continue
        if made:
            out.add(("l1", address, l1))
            if l2 is None:
                out.add(("l1 without l2", address, l1))
        else:
            out.add(("l1 without l2", address, l1) if l2 is not None else ("l1", address, l1))
    return out


def _latest_between(conn: Connection, lo: datetime, hi: datetime, lookups: set[tuple]) -> list[tuple]:
    """_STORED of the tickets received in [lo, hi) that are the latest of their caller, or of
    their address and categories, for the callers and addresses of these look-ups (ties at the
    same time: all of them; the rule's order decides). Grouped first, then joined back: a window
    function over the stretch sorted every row of it (several times slower on SQLite)."""
    callers = sorted({k[1] for k in lookups if k[0] == "caller"})
    addresses = sorted({k[1] for k in lookups if k[0] != "caller"})
    out: dict[str, tuple] = {}
    row = tickets.alias("t")
    for names, keys in ((("caller_hash",), callers), (("address_key", "category_l1", "category_l2"), addresses)):
        for i in range(0, len(keys), KEY_CHUNK):
            latest = (sa.select(*[tickets.c[n] for n in names], sa.func.max(tickets.c.received_at).label("latest"))
                      .where(tickets.c.received_at >= lo, tickets.c.received_at < hi,
                             tickets.c[names[0]].in_(keys[i:i + KEY_CHUNK]))
                      .group_by(*[tickets.c[n] for n in names])
                      .subquery())
            same = [row.c[n].is_not_distinct_from(latest.c[n]) for n in names]
            query = (sa.select(*[row.c[c] for c in _STORED])
                     .join_from(row, latest, sa.and_(row.c.received_at == latest.c.latest, *same)))
            for r in conn.execute(query):
                out[r[0]] = tuple(r)
    return list(out.values())
