"""The SLA clocks of one ticket (docs/lifecycle.md) for the 工单查询 timeline view. Pure: no I/O.

Every clock has a start, a due time (start + limit, exact to the microsecond), the event that
stopped it, and a status at `now`:
  按时 stopped at or before due · 超时 stopped after due, or still running past due ·
  进行中 running, due not yet passed · 未开始 its starting event has not happened ·
  不适用 the clock does not apply (no 退单 requested; the ticket left the district before the
  event; a newer 回复 superseded this one before any 质检).
Deadlines come from `lifecycle.derive`, so the close clock is the same deadline the facts table
and the CLI use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.lifecycle import Event, TicketInput, derive
from domain.rules import Rules

ON_TIME = "按时"
LATE = "超时"
RUNNING = "进行中"
NOT_STARTED = "未开始"
NOT_APPLICABLE = "不适用"
STATUSES = (ON_TIME, LATE, RUNNING, NOT_STARTED, NOT_APPLICABLE)

CLOSE_LABEL = "办结"
CLOCK_COLUMNS = ["时限", "开始", "应完成", "实际完成", "状态", "用时（秒）", "时限（秒）", "说明"]


@dataclass(frozen=True)
class Clock:
    key: str            # sign / dispatch / return_request / response / close / qc / verify
    label: str          # Chinese name shown on the page
    start: datetime | None
    due: datetime | None
    end: datetime | None
    status: str
    limit_seconds: int | None
    note: str = ""

    @property
    def elapsed_seconds(self) -> int | None:
        """Whole seconds from start to end (stopped clocks only)."""
        if self.start is None or self.end is None:
            return None
        return int((self.end - self.start) // timedelta(seconds=1))


def _status(start: datetime | None, due: datetime | None, end: datetime | None, now: datetime) -> str:
    if start is None or due is None:
        return NOT_STARTED
    if end is not None:
        return ON_TIME if end <= due else LATE
    return LATE if now > due else RUNNING


def _clock(key, label, start, limit, end, now, note="") -> Clock:
    due = None if start is None else start + timedelta(seconds=limit)
    return Clock(key, label, start, due, end, _status(start, due, end, now), limit, note)


def _first(events: list[Event], action: str, after: datetime | None = None) -> Event | None:
    for e in events:
        if e.action == action and (after is None or e.at >= after):
            return e
    return None


def clocks(ticket: TicketInput, events: list[Event], rules: Rules, now: datetime) -> list[Clock]:
    """The ticket's clocks as of `now`, in the order of docs/lifecycle.md (QC and verification once per
    REPLY / VERIFY_ASSIGN). Events after `now` do not exist yet."""
    seen = sorted((e for e in events if e.at <= now), key=lambda e: e.at)   # stable: ties keep order
    f = derive(ticket, seen, rules, now=now)
    received = ticket.received_at
    returned_at = f.return_approved_at
    out: list[Clock] = []

    out.append(_clock("sign", "签收", received, rules.sign_limit(), f.signed_at, now))

    if f.dispatched_at is None and returned_at is not None:
        out.append(Clock("dispatch", "派单", received, None, None, NOT_APPLICABLE,
                         rules.dispatch_limit(ticket.urgency), "已退回市级，未派单"))
    else:
        out.append(_clock("dispatch", "派单", received, rules.dispatch_limit(ticket.urgency), f.dispatched_at, now))

    if f.first_return_request_at is None:
        out.append(Clock("return_request", "申请退单", received, None, None, NOT_APPLICABLE,
                         rules.return_request_limit(), "未申请退单"))
    else:
        out.append(_clock("return_request", "申请退单", received, rules.return_request_limit(),
                          f.first_return_request_at, now))

    if f.first_contact_at is None and returned_at is not None:
        out.append(Clock("response", "响应", received, None, None, NOT_APPLICABLE,
                         rules.response_limit(ticket.urgency), "已退回市级"))
    else:
        out.append(_clock("response", "响应", received, rules.response_limit(ticket.urgency),
                          f.first_contact_at, now))

    close_limit = int((f.deadline_at - received) // timedelta(seconds=1))
    if returned_at is not None:
        out.append(Clock("close", CLOSE_LABEL, received, f.deadline_at, None, NOT_APPLICABLE, close_limit,
                         "已退回市级"))
    else:
        note = f"含延期 {f.extension_days} 天" if f.extension_days else ""
        if ticket.deadline_at is not None:
            note = "截止时间为导入值"
        out.append(Clock("close", CLOSE_LABEL, received, f.deadline_at, f.closed_at,
                         _status(received, f.deadline_at, f.closed_at, now), close_limit, note))

    qc_limit = rules.qc_limit()
    replies = [i for i, e in enumerate(seen) if e.action == "REPLY"]
    for n, i in enumerate(replies, start=1):
        reply = seen[i]
        end, superseded = None, False
        for e in seen[i + 1:]:
            if e.action in ("QC_PASS", "QC_REJECT"):
                end = e.at
                break
            if e.action == "REPLY":
                superseded = True
                break
        label = f"质检（第 {n} 次回复）" if len(replies) > 1 else "质检"
        if superseded:
            out.append(Clock("qc", label, reply.at, reply.at + timedelta(seconds=qc_limit), None, NOT_APPLICABLE,
                             qc_limit, "质检前已有新的回复"))
        else:
            out.append(_clock("qc", label, reply.at, qc_limit, end, now))
    if not replies:
        out.append(Clock("qc", "质检", None, None, None, NOT_STARTED, qc_limit, "尚无回复"))

    verify_limit = rules.verify_limit()
    assigns = [e for e in seen if e.action == "VERIFY_ASSIGN"]
    for n, a in enumerate(assigns, start=1):
        done = _first(seen, "VERIFY_DONE", after=a.at)
        label = f"协查（第 {n} 次派发）" if len(assigns) > 1 else "协查"
        out.append(_clock("verify", label, a.at, verify_limit, done.at if done else None, now,
                          f"协查人 {a.staff_no}" if a.staff_no else ""))
    return out


def clock_table(items: list[Clock]) -> list[dict]:
    """Rows with CLOCK_COLUMNS for a table (timestamps kept as datetimes)."""
    return [{"时限": c.label, "开始": c.start, "应完成": c.due, "实际完成": c.end, "状态": c.status,
             "用时（秒）": c.elapsed_seconds, "时限（秒）": c.limit_seconds, "说明": c.note} for c in items]
