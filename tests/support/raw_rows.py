"""Rows of the two raw tables, `tickets` and `ticket_events`, read with literal SQL — no table
definition, query function or derived table of the product — and the few contract rules that tests
need to count figures from them again by hand:

- a ticket is open at `now` when it has been received, has no RETURN_APPROVED and its last CLOSE
  (if any) is followed by a REOPEN — events after `now` do not exist yet;
- its deadline is the imported 截止时间 when there is one, else receipt + the close limit of its
  time-limit class (一般 when blank) + the days of its approved extensions; overdue once now is past it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

CLOSE_LIMITS = {"紧急": timedelta(hours=2), "及时": timedelta(hours=24), "一般": timedelta(days=7),
                "疑难": timedelta(days=15)}
TICKET_COLUMN_TYPES = {"received_at": sa.DateTime, "deadline_at": sa.DateTime, "in_assessment": sa.Boolean,
                       "callback_valid": sa.Boolean, "contacted": sa.Boolean, "resolved": sa.Boolean}


@dataclass(frozen=True)
class RawEvent:
    id: int
    ticket_no: str
    at: datetime
    action: str
    staff_no: str
    detail: str


def read_tickets(conn, columns: list[str]) -> list:
    """Rows of `tickets` with these columns (timestamps and yes/no flags typed on every engine)."""
    types = {c: TICKET_COLUMN_TYPES[c] for c in columns if c in TICKET_COLUMN_TYPES}
    return conn.execute(sa.text(f"SELECT {', '.join(columns)} FROM tickets").columns(**types)).all()


def read_events(conn) -> dict[str, list[RawEvent]]:
    """Each ticket's events in the order they were recorded: (at, id)."""
    events: dict[str, list[RawEvent]] = defaultdict(list)
    for r in conn.execute(
            sa.text("SELECT id, ticket_no, at, action, staff_no, detail FROM ticket_events")
            .columns(id=sa.Integer, ticket_no=sa.String, at=sa.DateTime, action=sa.String, staff_no=sa.String,
                     detail=sa.String)):
        events[r.ticket_no].append(RawEvent(r.id, r.ticket_no, r.at, r.action, r.staff_no or "", r.detail or ""))
    for evs in events.values():
        evs.sort(key=lambda e: (e.at, e.id))
    return dict(events)


def is_open(ticket, events: list[RawEvent], now: datetime) -> bool:
    seen = [e for e in events if e.at <= now]
    closes = [i for i, e in enumerate(seen) if e.action == "CLOSE"]
    reopens = [i for i, e in enumerate(seen) if e.action == "REOPEN"]
    closed = bool(closes) and (not reopens or reopens[-1] < closes[-1])
    return ticket.received_at <= now and not closed and not any(e.action == "RETURN_APPROVED" for e in seen)


def deadline(ticket, events: list[RawEvent], now: datetime) -> datetime:
    """`ticket` needs received_at, sla_class and deadline_at."""
    if ticket.deadline_at is not None:
        return ticket.deadline_at
    extension = sum(int(e.detail) for e in events if e.action == "EXTEND_APPROVED" and e.at <= now)
    return ticket.received_at + CLOSE_LIMITS[ticket.sla_class or "一般"] + timedelta(days=extension)


def overdue(tickets, events: dict[str, list[RawEvent]], now: datetime) -> list[str]:
    """Ticket numbers of the open tickets past their deadline at `now`, earliest deadline first."""
    late = []
    for t in tickets:
        evs = events.get(t.ticket_no, [])
        if is_open(t, evs, now) and deadline(t, evs, now) < now:
            late.append((deadline(t, evs, now), t.ticket_no))
    return [no for _, no in sorted(late)]


def callback_counts(tickets, start: datetime, end: datetime) -> list[int]:
    """[有效回访 population, contacted, resolved, 满意, 基本满意] of the tickets received in [start, end)
    that are in the assessment with a valid callback (the 三率 sample). `tickets` need received_at,
    in_assessment, callback_valid, contacted, resolved and satisfaction."""
    pop = [t for t in tickets if start <= t.received_at < end and t.in_assessment and t.callback_valid]
    return [len(pop), sum(1 for t in pop if t.contacted), sum(1 for t in pop if t.resolved),
            sum(1 for t in pop if t.satisfaction == "满意"), sum(1 for t in pop if t.satisfaction == "基本满意")]


def assessment_period(label: str) -> tuple[datetime, datetime]:
    """[start, end) of the 三率 period 'YYYY-MM': from the 19th of the month before to the 19th."""
    year, month = (int(x) for x in label.split("-"))
    before = (year - 1, 12) if month == 1 else (year, month - 1)
    return datetime(*before, 19), datetime(year, month, 19)


SIGN_LIMIT = timedelta(minutes=30)


def sign_clock(tickets, events: dict[str, list[RawEvent]], start: datetime, end: datetime,
               now: datetime) -> tuple[int, int, int]:
    """(on time, late, running) of the sign clocks of the tickets received in [start, end) by `now`:
    the first SIGN by `now` within 30 minutes is on time; later, or none once the limit has passed
    (due < now), is late; none while the limit runs is running."""
    on_time = late = running = 0
    for t in tickets:
        if not (start <= t.received_at < end and t.received_at <= now):
            continue
        signed = next((e.at for e in events.get(t.ticket_no, []) if e.action == "SIGN" and e.at <= now), None)
        due = t.received_at + SIGN_LIMIT
        if signed is not None and signed <= due:
            on_time += 1
        elif signed is not None or due < now:
            late += 1
        else:
            running += 1
    return on_time, late, running
