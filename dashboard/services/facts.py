"""Keeps the per-ticket facts table in step with tickets and events (docs/lifecycle.md).

Called inside the importer's transaction for the tickets a file touched, and by
`python -m dashboard rebuild-facts` for all of them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from fractions import Fraction

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import breach_history, calendar_days, kept_figures
from dashboard.services.rules_store import current_rules
from domain.calendar import add_working_days
from domain.lifecycle import Event, Facts, TicketInput, derive, event_clocks
from domain.rules import Rules
from domain.vocabulary import STAGE_CLOSED, STAGE_HANDLING, STAGE_UNDISPATCHED, STAGE_UNSIGNED, URGENT
from queries.schema import day_counts, ticket_events, ticket_facts, tickets
from queries.schema import event_clocks as event_clocks_table
from queries.sql import upsert

BATCH = 2000


def facts_row(t: dict, f: Facts, rules_version_id: int | None) -> dict:
    """One ticket_facts row from a tickets row and its derived facts."""
    return {
        "ticket_no": t["ticket_no"],
        "received_at": t["received_at"],
        "received_day": t["received_at"].date(),
        "urgency": t.get("urgency") or "一般",
        "sla_class": t.get("sla_class") or "一般",
        "appeal_type": t.get("appeal_type"),
        "category_l1": t.get("category_l1"),
        "street": t.get("street"),
        "unit": t.get("unit") or f.dispatch_unit,
        "signed_at": f.signed_at,
        "dispatched_at": f.dispatched_at,
        "first_return_request_at": f.first_return_request_at,
        "return_approved_at": f.return_approved_at,
        "return_rejected_at": f.return_rejected_at,
        "first_contact_at": f.first_contact_at,
        "first_reply_at": f.first_reply_at,
        "closed_at": f.closed_at,
        "last_event_at": f.last_event_at,
        "sign_due_at": f.sign_due_at,
        "dispatch_due_at": f.dispatch_due_at,
        "return_request_due_at": f.return_request_due_at,
        "response_due_at": f.response_due_at,
        "deadline_at": f.deadline_at,
        "at_risk_at": f.at_risk_at,
        "extension_days": f.extension_days,
        "redispatch_count": f.redispatch_count,
        "reopen_count": f.reopen_count,
        "urge_count": f.urge_count,
        "qc_reject_count": f.qc_reject_count,
        "dispatcher_staff_no": f.dispatcher_staff_no,
        "is_open": f.is_open,
        "stage": f.stage,
        "is_late": f.is_late,
        "in_assessment": bool(t.get("in_assessment", True)),
        "callback_valid": bool(t.get("callback_valid")),
        "contacted": bool(t.get("contacted")),
        "resolved": bool(t.get("resolved")),
        "satisfaction": t.get("satisfaction"),
        "rules_version_id": rules_version_id,
        "first_redispatch_at": f.first_redispatch_at,
    }


def ticket_input(t: dict) -> TicketInput:
    return TicketInput(t["ticket_no"], t["received_at"], t.get("urgency") or "一般",
                       t.get("sla_class") or "一般", t.get("deadline_at"))


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def refresh(conn: Connection, ticket_nos: Iterable[str], rules: Rules | None = None) -> int:
    """Re-derive the facts of these tickets from the database; returns how many were written."""
    rules = rules or current_rules(conn)
    calendar_days.load(conn)    # working-day deadlines count the calendar table's days
    written = 0
    for chunk in _chunks(sorted(set(ticket_nos)), BATCH):
        trows = conn.execute(sa.select(tickets).where(tickets.c.ticket_no.in_(chunk))).mappings().all()
        by_ticket: dict[str, list[Event]] = defaultdict(list)
        erows = conn.execute(
            sa.select(ticket_events.c.ticket_no, ticket_events.c.at, ticket_events.c.action,
                      ticket_events.c.staff_no, ticket_events.c.unit, ticket_events.c.detail)
            .where(ticket_events.c.ticket_no.in_(chunk))
            .order_by(ticket_events.c.ticket_no, ticket_events.c.at, ticket_events.c.id))
        for r in erows:
            by_ticket[r.ticket_no].append(Event(r.at, r.action, r.staff_no, r.unit, r.detail))
        rows = [facts_row(dict(t), derive(ticket_input(t), by_ticket.get(t["ticket_no"], []), rules),
                          rules.version_id) for t in trows]
        upsert(conn, ticket_facts, rows, ["ticket_no"])
        replace_event_clocks(conn, chunk, [(t["ticket_no"], by_ticket.get(t["ticket_no"], [])) for t in trows])
        written += len(rows)
    return written


EVENT_CLOCK_COLUMNS = ["ticket_no", "kind", "at", "ref_at", "flag"]


def event_clock_rows(ticket_no: str, events) -> list[tuple]:
    """event_clocks rows (EVENT_CLOCK_COLUMNS) of one ticket from its events in (at, id) order."""
    return [(ticket_no, *c) for c in event_clocks(events)]


def replace_event_clocks(conn: Connection, ticket_nos: list[str], histories) -> None:
    """Drop these tickets' event clocks and write them anew from (ticket_no, events) pairs."""
    for part in _chunks(list(ticket_nos), 900):
        conn.execute(event_clocks_table.delete().where(event_clocks_table.c.ticket_no.in_(part)))
    rows = [dict(zip(EVENT_CLOCK_COLUMNS, r)) for no, events in histories for r in event_clock_rows(no, events)]
    if rows:
        conn.execute(event_clocks_table.insert(), rows)


# The events an import derives from a tickets file's own columns (dashboard.services.ingest.spec).
COLUMN_ACTIONS = ("SIGN", "DISPATCH", "CONTACT", "CLOSE")


def new_ticket_columns(tk: Mapping[str, Sequence], times: Mapping[str, np.ndarray],
                       rules: Rules) -> tuple[dict[str, Sequence], dict[str, Sequence]]:
    """ticket_facts and event_clocks columns of tickets new to the database whose only events are
    at most one each of SIGN/DISPATCH/CONTACT/CLOSE with empty staff, unit and detail: what an
    import derives from a tickets file's 签收/派单/首次联系/办结 columns.

    The same values as facts_row(derive(...)) and event_clock_rows give for such a history,
    computed column-wise for large imports (derive per ticket was a third of a 200,000-row
    import). tests/services/test_ingest_columns.py compares the two for every combination of these
    events, urgencies, classes, imported deadlines and working-day rules: a change to derive,
    facts_row or event_clocks that touches such histories must be made here too (the ticket's
    other derived tables as well — refresh() is the path for every other ticket).

    tk: "ticket_no", "received_at" (datetime64) and any other tickets columns of the file
    (timestamps datetime64, the rest lists); times: action → datetime64 aligned with tk, NaT
    where the ticket has no such event. Timestamps come back as datetime64[us] arrays.
    """
    nos = list(tk["ticket_no"])
    n = len(nos)
    received = _us(tk["received_at"])
    nat = np.full(n, np.datetime64("NaT", "us"))
    ev = {a: (_us(times[a]) if a in times else nat) for a in COLUMN_ACTIONS}

    def text(key: str, default=None) -> list:
        col = tk.get(key)
        return [default] * n if col is None else list(col)

    urgency = [u or "一般" for u in text("urgency")]
    sla_class = [c or "一般" for c in text("sla_class")]
    urgent = np.array([u == URGENT for u in urgency], dtype=bool)
    limits = rules.limits()

    def secs(s: int) -> np.timedelta64:
        return np.timedelta64(int(s), "s")

    sign_due = received + secs(limits.sign)
    dispatch_due = received + np.where(urgent, secs(limits.dispatch_urgent), secs(limits.dispatch))
    return_request_due = received + secs(limits.return_request)
    response_due = received + np.where(urgent, secs(limits.response_urgent), secs(limits.response))

    # lifecycle.close_deadline with no extensions: the imported 截止时间, else the class's limit
    deadline = received.copy()
    classes = np.array(sla_class, dtype=object)
    for cls in set(sla_class):
        rows = np.flatnonzero(classes == cls)
        working_days = limits.close_working_days(cls)
        if working_days is not None:
            starts = received[rows].astype(object).tolist()
            deadline[rows] = np.array([add_working_days(t, working_days) for t in starts], dtype="datetime64[us]")
        else:
            deadline[rows] = received[rows] + secs(limits.close_for(cls))
    if tk.get("deadline_at") is not None:
        imported = _us(tk["deadline_at"])
        deadline = np.where(np.isnat(imported), deadline, imported)

    # lifecycle.at_risk_from: deadline − span × share, in whole microseconds rounded down
    share = Fraction(str(rules.at_risk_share))
    span = (deadline - received).view("i8")
    positive = span > 0
    if not positive.any():
        at_risk = deadline.copy()
    elif int(span.max()) * share.numerator < 2 ** 62:
        cut = np.where(positive, span * share.numerator // share.denominator, 0)
        at_risk = deadline - cut.astype("timedelta64[us]")
    else:   # too large for int64 arithmetic: per ticket, as derive does
        at_risk = np.array([d - timedelta(microseconds=s * share.numerator // share.denominator) if s > 0 else d
                            for d, s in zip(deadline.astype(object).tolist(), span.tolist())], dtype="datetime64[us]")

    close = ev["CLOSE"]
    closed = ~np.isnat(close)
    signed, dispatched = ev["SIGN"], ev["DISPATCH"]
    stage = np.where(closed, STAGE_CLOSED, np.where(np.isnat(signed), STAGE_UNSIGNED,
                                                   np.where(np.isnat(dispatched), STAGE_UNDISPATCHED,
                                                            STAGE_HANDLING))).tolist()
    # NaT is the smallest int64: the latest event of each ticket, NaT when it has none
    last_event = np.max(np.stack([ev[a].view("i8") for a in COLUMN_ACTIONS]), axis=0).view("datetime64[us]")
    none = [None] * n
    zero = [0] * n
    facts_cols: dict[str, Sequence] = {
        "ticket_no": nos,
        "received_at": received,
        "received_day": received.astype("datetime64[D]"),
        "urgency": urgency,
        "sla_class": sla_class,
        "appeal_type": text("appeal_type"),
        "category_l1": text("category_l1"),
        "street": text("street"),
        "unit": [u or None for u in text("unit")],      # no DISPATCH carries a unit here
        "signed_at": signed,
        "dispatched_at": dispatched,
        "first_return_request_at": none,
        "return_approved_at": none,
        "return_rejected_at": none,
        "first_contact_at": ev["CONTACT"],
        "first_reply_at": none,
        "closed_at": close,
        "last_event_at": last_event,
        "sign_due_at": sign_due,
        "dispatch_due_at": dispatch_due,
        "return_request_due_at": return_request_due,
        "response_due_at": response_due,
        "deadline_at": deadline,
        "at_risk_at": at_risk,
        "extension_days": zero,
        "redispatch_count": zero,
        "reopen_count": zero,
        "urge_count": zero,
        "qc_reject_count": zero,
        "dispatcher_staff_no": none,
        "is_open": (~closed).tolist(),
        "stage": stage,
        "is_late": (closed & (close > deadline)).tolist(),
        "in_assessment": [bool(v) for v in text("in_assessment", True)],
        "callback_valid": [bool(v) for v in text("callback_valid")],
        "contacted": [bool(v) for v in text("contacted")],
        "resolved": [bool(v) for v in text("resolved")],
        "satisfaction": text("satisfaction"),
        "rules_version_id": [rules.version_id] * n,
        "first_redispatch_at": none,
    }
    # event_clocks: a CLOSE with no REPLY/QC before it (flag False) and no REOPEN after it
    idx = np.flatnonzero(closed)
    clock_cols: dict[str, Sequence] = {
        "ticket_no": [nos[i] for i in idx.tolist()],
        "kind": ["close"] * len(idx),
        "at": close[idx],
        "ref_at": [None] * len(idx),
        "flag": [False] * len(idx),
    }
    return facts_cols, clock_cols


def _us(values) -> np.ndarray:
    """datetime64[us] (the same array when it is one: the writer converts each array once)."""
    return np.asarray(values).astype("datetime64[us]", copy=False)


def ensure_event_clocks(conn: Connection) -> bool:
    """Rebuild facts and event clocks of a database whose events predate the event_clocks table
    (upgraded to revision 0003): events that start clocks exist but no clock does. Returns
    whether it rebuilt. Cheap otherwise (two indexed look-ups)."""
    starts = ("CLOSE", "REPLY", "QC_PASS", "QC_REJECT", "VERIFY_ASSIGN")
    if conn.execute(sa.select(event_clocks_table.c.id).limit(1)).first() is not None:
        return False
    if conn.execute(sa.select(ticket_events.c.id).where(ticket_events.c.action.in_(starts)).limit(1)).first() is None:
        return False
    rebuild_all(conn)
    return True


def rebuild_all(conn: Connection, rules: Rules | None = None) -> int:
    all_nos = [r[0] for r in conn.execute(sa.select(tickets.c.ticket_no))]
    conn.execute(event_clocks_table.delete())
    conn.execute(ticket_facts.delete())
    conn.execute(day_counts.delete())   # counted from the old facts; writers refill them
    breach_history.forget(conn)          # so were the kept forecast histories
    kept_figures.forget(conn)            # and the day's kept figures
    return refresh(conn, all_nos, rules)
