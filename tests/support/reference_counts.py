"""The monthly assessment counts worked out again, independently of the product: plain Python over
the rows of the two raw tables, `tickets` and `ticket_events`, read with literal SQL
(tests/support/raw_rows.py).

Nothing of the product is used — no query function, no SQL helper, no table definition and no
derived table (ticket_facts, event_clocks, day_counts, rollups) — so an error those share cannot
hide here. The rules are restated from the contract:

- Everything is seen as of `now`: tickets received and events that happen after it do not exist.
  "Within" a limit means elapsed <= limit, to the microsecond. A clock that has not completed by
  `now` counts as late once its limit has passed (due < now) and is left out of numerator and
  denominator while its limit is still running.
- Tickets of month M (received in M): sign (first SIGN within the sign limit), dispatch (tickets
  without a RETURN_REQUEST, first DISPATCH within the dispatch limit, shorter when 紧急),
  dispatch accuracy (dispatched tickets without a REDISPATCH), return on time (first
  RETURN_REQUEST within its limit, among tickets that have one), return accuracy (RETURN_APPROVED
  among tickets with a decision).
- CLOSE events in M (tickets received in any month): covered when the latest REPLY/QC_PASS/
  QC_REJECT before the CLOSE is a QC_PASS; an escape when a city-QC REOPEN follows it before the
  next CLOSE.
- QC events in M: within the QC limit of the ticket's latest REPLY before them; only those with such
  a REPLY count.
- VERIFY_ASSIGN events in M: done in time when a VERIFY_DONE of the ticket falls at or after the
  assignment, within the limit and by `now`.
"Before" and "latest" follow the order the events were recorded in: (at, id).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.support.raw_rows import RawEvent, read_events, read_tickets

# The default limits, in seconds (the product reads them from its rules version).
DEFAULT_LIMITS = {"sign": 30 * 60, "dispatch": 2 * 3600, "dispatch_urgent": 30 * 60,
                  "return_request": 2 * 3600, "qc": 2 * 3600, "verify": 48 * 3600}
CITY_QC_REASONS = ("city_qc", "市级审核退回")
URGENT = "紧急"

KEYS = ("sign_on_time_rate", "dispatch_on_time_rate", "dispatch_accuracy", "return_on_time_rate",
        "return_accuracy", "qc_coverage", "qc_on_time_rate", "qc_escape_rate", "verify_on_time_rate")


@dataclass(frozen=True)
class RawTicket:
    ticket_no: str
    received_at: datetime
    urgency: str | None


@dataclass
class RawData:
    tickets: list[RawTicket]
    events_by_ticket: dict[str, list[RawEvent]]   # each ticket's events in (at, id) order


def read_raw(conn) -> RawData:
    """Every ticket and event, straight from the two raw tables."""
    tickets = [RawTicket(r.ticket_no, r.received_at, r.urgency)
               for r in read_tickets(conn, ["ticket_no", "received_at", "urgency"])]
    return RawData(tickets, read_events(conn))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, mon = (int(x) for x in month.split("-"))
    return datetime(year, mon, 1), datetime(year + mon // 12, mon % 12 + 1, 1)


def _first(events: list[RawEvent], action: str, now: datetime) -> datetime | None:
    return next((e.at for e in events if e.action == action and e.at <= now), None)


def _has(events: list[RawEvent], actions: tuple[str, ...], now: datetime) -> bool:
    return any(e.action in actions and e.at <= now for e in events)


def _ticket_counts(data: RawData, start, end, now, limits) -> dict[str, list[int]]:
    c = {k: [0, 0] for k in ("sign_on_time_rate", "dispatch_on_time_rate", "dispatch_accuracy",
                             "return_on_time_rate", "return_accuracy")}
    for t in data.tickets:
        if not (start <= t.received_at < end and t.received_at <= now):
            continue
        evs = data.events_by_ticket.get(t.ticket_no, [])

        def judge(key: str, done: datetime | None, due: datetime) -> None:
            if done is not None:
                c[key][0] += done <= due
                c[key][1] += 1
            elif due < now:
                c[key][1] += 1

        judge("sign_on_time_rate", _first(evs, "SIGN", now), t.received_at + timedelta(seconds=limits["sign"]))
        requested = _first(evs, "RETURN_REQUEST", now)
        dispatched = _first(evs, "DISPATCH", now)
        if requested is None:
            limit = limits["dispatch_urgent"] if t.urgency == URGENT else limits["dispatch"]
            judge("dispatch_on_time_rate", dispatched, t.received_at + timedelta(seconds=limit))
        if dispatched is not None:
            c["dispatch_accuracy"][0] += not _has(evs, ("REDISPATCH",), now)
            c["dispatch_accuracy"][1] += 1
        if requested is not None:
            c["return_on_time_rate"][0] += requested <= t.received_at + timedelta(seconds=limits["return_request"])
            c["return_on_time_rate"][1] += 1
        if _has(evs, ("RETURN_APPROVED", "RETURN_REJECTED"), now):
            c["return_accuracy"][0] += _has(evs, ("RETURN_APPROVED",), now)
            c["return_accuracy"][1] += 1
    return c


def _event_counts(data: RawData, start, end, now, limits) -> dict[str, list[int]]:
    c = {k: [0, 0] for k in ("qc_coverage", "qc_on_time_rate", "qc_escape_rate", "verify_on_time_rate")}
    qc_limit, verify_limit = timedelta(seconds=limits["qc"]), timedelta(seconds=limits["verify"])
    for evs in data.events_by_ticket.values():
        for i, e in enumerate(evs):
            if not (start <= e.at < end and e.at <= now):
                continue
            earlier = evs[:i]
            if e.action == "CLOSE":
                reviews = [x.action for x in earlier if x.action in ("REPLY", "QC_PASS", "QC_REJECT")]
                c["qc_coverage"][0] += bool(reviews) and reviews[-1] == "QC_PASS"
                c["qc_coverage"][1] += 1
                escaped = False
                for later in evs[i + 1:]:
                    if later.action == "CLOSE":
                        break
                    if later.action == "REOPEN" and later.detail in CITY_QC_REASONS and later.at <= now:
                        escaped = True
                        break
                c["qc_escape_rate"][0] += escaped
                c["qc_escape_rate"][1] += 1
            elif e.action in ("QC_PASS", "QC_REJECT"):
                replies = [x.at for x in earlier if x.action == "REPLY"]
                if replies:
                    c["qc_on_time_rate"][0] += e.at <= replies[-1] + qc_limit
                    c["qc_on_time_rate"][1] += 1
            elif e.action == "VERIFY_ASSIGN":
                due = e.at + verify_limit
                done = any(x.action == "VERIFY_DONE" and e.at <= x.at <= due and x.at <= now for x in evs)
                if done or due < now:
                    c["verify_on_time_rate"][0] += done
                    c["verify_on_time_rate"][1] += 1
    return c


def reference_counts(data: RawData, month: str, now: datetime,
                     limits: dict[str, int] = DEFAULT_LIMITS) -> dict[str, tuple[int, int]]:
    """{indicator key: (numerator, denominator)} of month 'YYYY-MM' as of `now`, for KEYS.
    For dispatch_accuracy the numerator counts the tickets without a REDISPATCH; for
    qc_escape_rate it counts the escapes."""
    start, end = month_bounds(month)
    counts = _ticket_counts(data, start, end, now, limits) | _event_counts(data, start, end, now, limits)
    return {k: (int(counts[k][0]), int(counts[k][1])) for k in KEYS}
