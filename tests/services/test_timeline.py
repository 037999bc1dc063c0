"""Known answers for the SLA clocks of one ticket (dashboard.services.timeline): limits,
the second on the limit, events after `now`, extensions, reopen, per-reply and per-assignment clocks."""
from datetime import datetime, timedelta

import pytest

from dashboard.services.timeline import LATE, NOT_APPLICABLE, NOT_STARTED, ON_TIME, RUNNING, clock_table, clocks
from domain.lifecycle import Event, TicketInput
from domain.rules import Rules

R = datetime(2025, 12, 3, 9, 0, 0)
RULES = Rules.default()


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def by_key(items, key):
    found = [c for c in items if c.key == key]
    assert found, key
    return found


@pytest.mark.parametrize("signed, status", [
    ("2025-12-03 09:29:59", ON_TIME),
    ("2025-12-03 09:30:00", ON_TIME),          # exactly at the limit is on time
    ("2025-12-03 09:30:01", LATE),             # one second after is late
    ("2025-12-03 09:30:00.000001", LATE),      # a fraction of a second counts too
])
def test_sign_clock_boundary(signed, status):
    c = by_key(clocks(TicketInput("T1", R), [Event(ts(signed), "SIGN", "P001")], RULES, ts("2025-12-04 00:00")),
               "sign")[0]
    assert c.start == R and c.due == ts("2025-12-03 09:30:00") and c.end == ts(signed)
    assert c.status == status


@pytest.mark.parametrize("now, status", [
    ("2025-12-03 09:30:00", RUNNING),          # limit not yet passed
    ("2025-12-03 09:30:01", LATE),             # unsigned and past due
])
def test_unsigned_clock_running_then_late(now, status):
    c = by_key(clocks(TicketInput("T1", R), [], RULES, ts(now)), "sign")[0]
    assert c.end is None and c.status == status


def test_events_after_now_do_not_exist_yet():
    c = by_key(clocks(TicketInput("T1", R), [Event(ts("2025-12-03 09:10"), "SIGN")], RULES,
                      ts("2025-12-03 09:05")), "sign")[0]
    assert c.end is None and c.status == RUNNING


def test_urgent_dispatch_and_response_limits():
    t = TicketInput("T1", R, urgency="紧急", sla_class="紧急")
    evs = [Event(ts("2025-12-03 09:30:00"), "DISPATCH", "P1", "区水务局"),
           Event(ts("2025-12-03 11:00:01"), "CONTACT")]
    items = clocks(t, evs, RULES, ts("2025-12-03 12:00"))
    d, r, c = by_key(items, "dispatch")[0], by_key(items, "response")[0], by_key(items, "close")[0]
    assert (d.due, d.status) == (ts("2025-12-03 09:30:00"), ON_TIME)
    assert (r.due, r.status) == (ts("2025-12-03 11:00:00"), LATE)
    assert (c.due, c.status, c.limit_seconds) == (ts("2025-12-03 11:00:00"), LATE, 7200)


def test_close_with_extension_and_reopen():
    evs = [Event(ts("2025-12-05 10:00"), "EXTEND_APPROVED", detail="3"),
           Event(ts("2025-12-10 09:00"), "CLOSE"),
           Event(ts("2025-12-11 09:00"), "REOPEN", detail="callback")]
    c = by_key(clocks(TicketInput("T1", R), evs, RULES, ts("2025-12-12 00:00")), "close")[0]
    # 7 days + 3 extension days; the reopened CLOSE no longer stops the clock
    assert c.due == ts("2025-12-13 09:00") and c.end is None and c.status == RUNNING
    assert "延期 3 天" in c.note
    c = by_key(clocks(TicketInput("T1", R), evs, RULES, ts("2025-12-13 09:00:01")), "close")[0]
    assert c.status == LATE


def test_qc_per_reply_and_not_started():
    assert [(c.status, c.start) for c in by_key(clocks(TicketInput("T1", R), [], RULES, R), "qc")] == \
        [(NOT_STARTED, None)]
    evs = [Event(ts("2025-12-04 10:00"), "REPLY"), Event(ts("2025-12-04 12:00:00"), "QC_REJECT"),
           Event(ts("2025-12-05 10:00"), "REPLY"), Event(ts("2025-12-05 12:00:01"), "QC_PASS"),
           Event(ts("2025-12-06 10:00"), "REPLY")]
    qc = by_key(clocks(TicketInput("T1", R), evs, RULES, ts("2025-12-06 11:00")), "qc")
    assert [(c.start, c.end, c.status) for c in qc] == [
        (ts("2025-12-04 10:00"), ts("2025-12-04 12:00"), ON_TIME),
        (ts("2025-12-05 10:00"), ts("2025-12-05 12:00:01"), LATE),
        (ts("2025-12-06 10:00"), None, RUNNING),
    ]


def test_verification_per_assign():
    evs = [Event(ts("2025-12-10 08:00"), "CLOSE"), Event(ts("2025-12-10 09:00"), "VERIFY_ASSIGN", "V01"),
           Event(ts("2025-12-12 09:00:00"), "VERIFY_DONE", "V01", detail="属实")]
    v = by_key(clocks(TicketInput("T1", R), evs, RULES, ts("2025-12-20")), "verify")
    assert [(c.due, c.status) for c in v] == [(ts("2025-12-12 09:00:00"), ON_TIME)]
    assert "V01" in v[0].note


def test_returned_ticket_clocks_not_applicable():
    evs = [Event(ts("2025-12-03 09:10"), "SIGN"), Event(ts("2025-12-03 10:00"), "RETURN_REQUEST"),
           Event(ts("2025-12-03 15:00"), "RETURN_APPROVED")]
    items = {c.key: c for c in clocks(TicketInput("T1", R), evs, RULES, ts("2025-12-20"))}
    assert items["return_request"].status == ON_TIME
    assert items["dispatch"].status == NOT_APPLICABLE
    assert items["close"].status == NOT_APPLICABLE
    assert items["response"].status == NOT_APPLICABLE


def test_no_return_request_is_not_applicable_and_table_rows():
    items = clocks(TicketInput("T1", R), [Event(R + timedelta(minutes=5), "SIGN")], RULES, R + timedelta(hours=1))
    assert by_key(items, "return_request")[0].status == NOT_APPLICABLE
    rows = clock_table(items)
    assert rows[0]["时限"] == "签收" and rows[0]["用时（秒）"] == 300 and rows[0]["时限（秒）"] == 1800
