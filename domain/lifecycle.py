"""Per-ticket facts derived from the event history, with the time limits of a rules version. Pure: no I/O.

The importer, the demo generator and the rebuild command all call `derive`, so the facts table
holds one interpretation of the events. `derive(..., now=T)` sees only events at or before T.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from operator import itemgetter
from typing import NamedTuple, TypeAlias

from domain.calendar import WorkingDayCalendar, add_working_days
from domain.rules import Rules
from domain.vocabulary import (  # noqa: F401 - ACTIONS, ACTION_BY_LABEL and the stages are read from here too
    ACTION_BY_LABEL,
    ACTIONS,
    ALL_STAGES,
    CITY_QC_REASONS,
    OPEN_STAGES,
    STAGE_AWAITING_QC,
    STAGE_CLOSED,
    STAGE_HANDLING,
    STAGE_RETURN_REVIEW,
    STAGE_RETURNED,
    STAGE_TO_CLOSE,
    STAGE_UNDISPATCHED,
    STAGE_UNSIGNED,
    URGENCIES,
)

_RESETS = {"DISPATCH", "REDISPATCH", "QC_REJECT", "REOPEN"}
_LEADING_INT = re.compile(r"\s*(\d+)")


class Event(NamedTuple):
    """One event. A named tuple (not a dataclass): millions are built at import and demo load."""
    at: datetime
    action: str
    staff_no: str = ""
    unit: str = ""
    detail: str = ""


@dataclass(frozen=True)
class TicketInput:
    ticket_no: str
    received_at: datetime
    urgency: str = "一般"
    sla_class: str = "一般"
    deadline_at: datetime | None = None   # imported 截止时间 (extensions already in it)


@dataclass
class Facts:
    ticket_no: str
    received_at: datetime
    signed_at: datetime | None = None
    dispatched_at: datetime | None = None
    first_return_request_at: datetime | None = None
    return_approved_at: datetime | None = None
    return_rejected_at: datetime | None = None
    first_contact_at: datetime | None = None
    first_reply_at: datetime | None = None
    closed_at: datetime | None = None
    last_event_at: datetime | None = None
    sign_due_at: datetime = field(default=None)  # type: ignore[assignment]
    dispatch_due_at: datetime = field(default=None)  # type: ignore[assignment]
    return_request_due_at: datetime = field(default=None)  # type: ignore[assignment]
    response_due_at: datetime = field(default=None)  # type: ignore[assignment]
    deadline_at: datetime = field(default=None)  # type: ignore[assignment]
    at_risk_at: datetime = field(default=None)  # type: ignore[assignment]
    extension_days: int = 0
    redispatch_count: int = 0
    reopen_count: int = 0
    urge_count: int = 0
    qc_reject_count: int = 0
    dispatcher_staff_no: str | None = None
    is_open: bool = True
    stage: str = STAGE_UNSIGNED
    is_late: bool = False
    dispatch_unit: str | None = None   # unit of the latest DISPATCH/REDISPATCH
    first_redispatch_at: datetime | None = None


def extension_days_of(detail: str) -> int:
    """EXTEND_APPROVED detail holds the approved days as an integer (e.g. "3" or "3天")."""
    m = _LEADING_INT.match(detail or "")
    return int(m.group(1)) if m else 0


def close_deadline(ticket: TicketInput, extension_days: int, rules: Rules) -> datetime:
    if ticket.deadline_at is not None:
        return ticket.deadline_at
    limits = rules.limits()
    working_days = limits.close_working_days(ticket.sla_class)
    if working_days is not None:
        base = add_working_days(ticket.received_at, working_days)
    else:
        base = ticket.received_at + timedelta(seconds=limits.close_for(ticket.sla_class))
    return base + timedelta(days=extension_days)


def close_deadline_confirmed(ticket: TicketInput, rules: Rules, calendar: WorkingDayCalendar) -> bool:
    """False when the ticket's close deadline counts working days through a day `calendar` does
    not know (「日历未确认」); an imported deadline or a limit in calendar time uses no calendar."""
    if ticket.deadline_at is not None:
        return True
    working_days = rules.limits().close_working_days(ticket.sla_class)
    return working_days is None or calendar.confirms(ticket.received_at, working_days)


def at_risk_from(received_at: datetime, deadline_at: datetime, rules: Rules) -> datetime:
    """At risk from deadline − at_risk_share × the allowed span (received → deadline)."""
    span_us = (deadline_at - received_at) // timedelta(microseconds=1)
    if span_us <= 0:
        return deadline_at
    share = Fraction(str(rules.at_risk_share))
    return deadline_at - timedelta(microseconds=span_us * share.numerator // share.denominator)


_Constants: TypeAlias = tuple[timedelta, dict[str, timedelta], timedelta, timedelta, dict[str, timedelta], timedelta,
                              int, int]
_CONSTANTS: dict[int, tuple[Rules, _Constants]] = {}


def _constants(rules: Rules) -> _Constants:
    """Per-rules limits as plain numbers: derive runs once per ticket, millions of times at import.
    Keyed by the object's identity and holding the object, so an id is never reused while cached."""
    hit = _CONSTANTS.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    share = Fraction(str(rules.at_risk_share))
    limits = rules.limits()
    c = (timedelta(seconds=limits.sign),
         {u: timedelta(seconds=limits.dispatch_for(u)) for u in URGENCIES},
         timedelta(seconds=limits.dispatch_for(None)),
         timedelta(seconds=limits.return_request),
         {u: timedelta(seconds=limits.response_for(u)) for u in URGENCIES},
         timedelta(seconds=limits.response_for(None)),
         share.numerator, share.denominator)
    if len(_CONSTANTS) > 64:
        _CONSTANTS.clear()
    _CONSTANTS[id(rules)] = (rules, c)
    return c


_US = timedelta(microseconds=1)


def derive(ticket: TicketInput, events: list[Event], rules: Rules, now: datetime | None = None) -> Facts:
    """Facts of one ticket from its events (any order; ties keep the given order).

    Events may also be plain (at, action, staff_no, unit, detail) tuples, as the bulk loaders hold them.
    """
    seen = list(events) if now is None else [e for e in events if e[0] <= now]
    seen.sort(key=_event_at)  # stable: equal timestamps keep import order
    f, marks = _read_events(ticket, seen)
    _set_due_times(f, ticket, rules)
    _set_state(f, seen, marks)
    return f


_Marks: TypeAlias = tuple[int | None, int | None, int | None, int | None, int | None, int | None, int | None,
                          str | None]
EventClock: TypeAlias = tuple[str, datetime, datetime | None, bool | None]


def _read_events(ticket: TicketInput, seen: list[Event]) -> tuple[Facts, _Marks]:
    """The facts read straight off the events (firsts, lasts, counts), and the positions in `seen`
    that decide the state: (last CLOSE, last REOPEN, then _open_stage's marks).

    One pass with plain locals: this loop runs once per event, millions of times at import."""
    signed_at = dispatched_at = dispatcher = dispatch_unit = None
    first_rr = approved_at = rejected_at = first_contact = first_reply = None
    extension_days = redispatches = urges = reopens = qc_rejects = 0
    first_redispatch = None
    last_close_idx = last_reopen_idx = None
    last_reset_idx = last_reply_idx = last_qc_idx = None
    last_qc_action = None
    last_return_request_idx = last_return_decision_idx = None
    for i, (at, a, staff_no, unit, detail) in enumerate(seen):
        if a == "SIGN":
            if signed_at is None:
                signed_at = at
        elif a == "DISPATCH":
            if dispatched_at is None:
                dispatched_at = at
                dispatcher = staff_no or None
            dispatch_unit = unit or dispatch_unit
            last_reset_idx = i
        elif a == "CONTACT":
            if first_contact is None:
                first_contact = at
        elif a == "REPLY":
            if first_reply is None:
                first_reply = at
            last_reply_idx = i
        elif a == "QC_PASS":
            last_qc_idx, last_qc_action = i, a
        elif a == "CLOSE":
            last_close_idx = i
        elif a == "QC_REJECT":
            last_qc_idx, last_qc_action = i, a
            qc_rejects += 1
            last_reset_idx = i
        elif a == "REDISPATCH":
            if first_redispatch is None:
                first_redispatch = at
            redispatches += 1
            dispatch_unit = unit or dispatch_unit
            last_reset_idx = i
        elif a == "RETURN_REQUEST":
            if first_rr is None:
                first_rr = at
            last_return_request_idx = i
        elif a == "RETURN_APPROVED":
            approved_at = approved_at or at
            last_return_decision_idx = i
        elif a == "RETURN_REJECTED":
            rejected_at = rejected_at or at
            last_return_decision_idx = i
        elif a == "URGE":
            urges += 1
        elif a == "EXTEND_APPROVED":
            extension_days += extension_days_of(detail)
        elif a == "REOPEN":
            last_reopen_idx = i
            reopens += 1
            last_reset_idx = i
    # Positional: keyword arguments would make this call twice as slow. The six due times (None
    # here) are _set_due_times's; the state (open, 待签收, not late) is _set_state's.
    f = Facts(ticket.ticket_no, ticket.received_at, signed_at, dispatched_at, first_rr, approved_at, rejected_at,
              first_contact, first_reply, None, seen[-1][0] if seen else None,
              None, None, None, None, None, None,  # type: ignore[arg-type]
              extension_days, redispatches, reopens, urges, qc_rejects, dispatcher,
              True, "待签收", False, dispatch_unit, first_redispatch)
    return f, (last_close_idx, last_reopen_idx, last_return_request_idx, last_return_decision_idx,
               last_reset_idx, last_reply_idx, last_qc_idx, last_qc_action)


def _set_due_times(f: Facts, ticket: TicketInput, rules: Rules) -> None:
    """The clocks' due times and the close deadline (with f's approved extensions)."""
    sign_l, dispatch_l, dispatch_other, rr_l, response_l, response_other, num, den = _constants(rules)
    received = ticket.received_at
    urgency = ticket.urgency
    deadline = close_deadline(ticket, f.extension_days, rules)
    span_us = (deadline - received) // _US
    f.sign_due_at = received + sign_l
    f.dispatch_due_at = received + dispatch_l.get(urgency, dispatch_other)
    f.return_request_due_at = received + rr_l
    f.response_due_at = received + response_l.get(urgency, response_other)
    f.deadline_at = deadline
    f.at_risk_at = deadline - timedelta(microseconds=span_us * num // den) if span_us > 0 else deadline


def _set_state(f: Facts, seen: list[Event], marks: _Marks) -> None:
    """Returned, closed (by its last CLOSE, unless a REOPEN came after it) or the stage it is open in."""
    last_close_idx, last_reopen_idx, rr_idx, decision_idx, reset_idx, reply_idx, qc_idx, qc_action = marks
    if f.return_approved_at is not None:
        f.is_open, f.stage = False, STAGE_RETURNED
    elif last_close_idx is not None and (last_reopen_idx is None or last_reopen_idx < last_close_idx):
        f.closed_at = seen[last_close_idx][0]
        f.is_open, f.stage = False, STAGE_CLOSED
        f.is_late = f.closed_at > f.deadline_at
    else:
        f.stage = _open_stage(f, rr_idx, decision_idx, reset_idx, reply_idx, qc_idx, qc_action)


_QC_ACTIONS = ("QC_PASS", "QC_REJECT")


def event_clocks(events: Sequence[Event]) -> list[EventClock]:
    """The clocks that start at an event (queries.schema.event_clocks), as (kind, at, ref_at, flag)
    tuples, from a ticket's events in (at, id) order — the order the database numbers them in.

    close: flag = the latest REPLY/QC_PASS/QC_REJECT before the CLOSE is a QC_PASS (QC covered
    it); ref_at = the earliest city-QC REOPEN after it and before the next CLOSE (an escape).
    qc: ref_at = the latest REPLY before it. reply / verify: ref_at = the earliest QC_PASS or
    QC_REJECT / VERIFY_DONE at or after its timestamp (ties in time count, whatever the order).
    """
    out: list[EventClock] = []
    if not events:
        return out
    qc_ats = verify_done_ats = None
    last_reply_at = None
    last_review = None          # the latest REPLY / QC_PASS / QC_REJECT action seen
    open_close = None           # index in `out` of a CLOSE not yet answered by a city REOPEN or a CLOSE
    for e in events:
        at, a = e[0], e[1]
        if a == "REPLY":
            if qc_ats is None:
                qc_ats = sorted(x[0] for x in events if x[1] in _QC_ACTIONS)
            out.append(("reply", at, _first_at_or_after(qc_ats, at), None))
            last_reply_at, last_review = at, a
        elif a == "QC_PASS" or a == "QC_REJECT":
            out.append(("qc", at, last_reply_at, None))
            last_review = a
        elif a == "CLOSE":
            out.append(("close", at, None, last_review == "QC_PASS"))
            open_close = len(out) - 1
        elif a == "REOPEN":
            if open_close is not None and e[4] in CITY_QC_REASONS:
                kind, close_at, _, covered = out[open_close]
                out[open_close] = (kind, close_at, at, covered)
                open_close = None
        elif a == "VERIFY_ASSIGN":
            if verify_done_ats is None:
                verify_done_ats = sorted(x[0] for x in events if x[1] == "VERIFY_DONE")
            out.append(("verify", at, _first_at_or_after(verify_done_ats, at), None))
    return out


def _first_at_or_after(sorted_ats: list[datetime], at: datetime) -> datetime | None:
    i = bisect_left(sorted_ats, at)
    return sorted_ats[i] if i < len(sorted_ats) else None


_event_at = itemgetter(0)   # a C-level sort key: derive sorts every ticket's events


def _open_stage(f: Facts, rr_idx: int | None, decision_idx: int | None, reset_idx: int | None,
                reply_idx: int | None, qc_idx: int | None, qc_action: str | None) -> str:
    if f.signed_at is None:
        return STAGE_UNSIGNED
    if rr_idx is not None and (decision_idx is None or decision_idx < rr_idx):
        return STAGE_RETURN_REVIEW
    if f.dispatched_at is None:
        return STAGE_UNDISPATCHED
    if reply_idx is None or (reset_idx is not None and reply_idx < reset_idx):
        return STAGE_HANDLING
    if qc_idx is None or qc_idx < reply_idx:
        return STAGE_AWAITING_QC
    if qc_action == "QC_PASS":
        return STAGE_TO_CLOSE
    return STAGE_HANDLING


def is_overdue(f: Facts, now: datetime) -> bool:
    """是否超期: closed after the deadline, or open with `now` past it."""
    if f.stage == STAGE_CLOSED:
        return f.is_late
    if f.stage == STAGE_RETURNED:
        return False
    return now > f.deadline_at


def is_at_risk(f: Facts, now: datetime) -> bool:
    return f.is_open and f.at_risk_at <= now <= f.deadline_at
