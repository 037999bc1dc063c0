"""Hand-built tickets and events for the backlog, timeliness, 三率, wall, reports and reconcile tests:
rows with defaults for every column, loaded with their facts derived as an import would."""
from __future__ import annotations

from datetime import datetime

from dashboard.services import facts
from domain.rules import Rules
from queries.schema import ticket_events, tickets

NOW = datetime(2026, 1, 15, 10, 30, 0)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ticket(no: str, received: str, **kw) -> dict:
    row = {"ticket_no": no, "received_at": ts(received), "urgency": "一般", "sla_class": "一般",
           "category_l1": "城乡建设", "street": "中仓街道", "unit": None, "in_assessment": True,
           "callback_valid": False, "contacted": False, "resolved": False, "satisfaction": None,
           "deadline_at": None}
    row.update(kw)
    return row


def event(no: str, at: str, action: str, unit: str = "", detail: str = "", staff_no: str = "") -> dict:
    return {"ticket_no": no, "at": ts(at), "action": action, "staff_no": staff_no, "unit": unit, "detail": detail}


def load(engine, rows: list[dict], events: list[dict] = (), rules: Rules | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(tickets.insert(), rows)
        if events:
            conn.execute(ticket_events.insert(), list(events))
        facts.refresh(conn, [r["ticket_no"] for r in rows], rules or Rules.default())
