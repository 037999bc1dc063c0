"""Keeps the per-ticket facts table in step with tickets and events (DESIGN 3.1–3.2).

Called inside the importer's transaction for the tickets a file touched, and by
`python -m dashboard rebuild-facts` for all of them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain.lifecycle import Event, Facts, TicketInput, derive, event_clocks
from dashboard.domain.rules import Rules
from dashboard.rules_store import current_rules
from queries.schema import event_clocks as event_clocks_table, ticket_events, ticket_facts, tickets
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


def rebuild_all(conn: Connection, rules: Rules | None = None) -> int:
    all_nos = [r[0] for r in conn.execute(sa.select(tickets.c.ticket_no))]
    conn.execute(event_clocks_table.delete())
    conn.execute(ticket_facts.delete())
    return refresh(conn, all_nos, rules)
