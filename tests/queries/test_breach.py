"""Known answers for the breach forecast (queries.breach + domain.breach) on a hand-built history at
2026-01-15 10:30, both engines. Units: A = 区水务局, B = 区城市管理委员会; 及时 = 24 h, 一般 = 7 days."""
from datetime import datetime
from fractions import Fraction

import pytest

from dashboard.services import breach_forecast
from domain.breach import LEVEL_ALL, LEVEL_CLASS, LEVEL_UNIT, forecast
from queries import breach
from tests.support.live_fixture import NOW, event, load, ticket

A, B = "区水务局", "区城市管理委员会"


def _handled(no: str, received: str, unit: str, close: str | None = None, **kw):
    t = ticket(no, received, **kw)
    day = received[:10]
    evs = [event(no, f"{day} {received[11:13]}:01:00", "SIGN"), event(no, f"{day} {received[11:13]}:02:00", "DISPATCH", unit)]
    if close:
        evs.append(event(no, close, "CLOSE"))
    return t, evs


CASES = [
    # history: deadline passed by NOW, received within 90 days
    _handled("H1", "2026-01-10 00:00:00", A, "2026-01-10 06:00:00", sla_class="及时"),   # 6 h of 24: open through 5
    _handled("H2", "2026-01-10 00:00:00", A, "2026-01-10 06:00:01", sla_class="及时"),   # one second more: 6
    _handled("H3", "2026-01-10 00:00:00", A, "2026-01-11 00:00:00", sla_class="及时"),   # at the deadline: on time, 20
    _handled("H4", "2026-01-10 00:00:00", A, "2026-01-11 00:00:01", sla_class="及时"),   # a second late
    _handled("H5", "2026-01-12 00:00:00", A, None, sla_class="及时"),                    # never closed: late
    _handled("H6", "2026-01-12 00:00:00", A, "2026-01-15 11:00:00", sla_class="及时"),   # closed after NOW: late then
    _handled("H7", "2026-01-12 00:00:00", B, "2026-01-12 12:00:00", sla_class="及时"),   # half: 10
    _handled("H8", "2026-01-01 00:00:00", A, "2026-01-02 00:00:00"),                     # 1 of 7 days: 3
    _handled("H10", "2025-10-01 00:00:00", A, "2025-10-03 00:00:00", sla_class="及时"),  # older than 90 days
    # due in the next 24 h
    _handled("T1", "2026-01-15 00:00:00", A, None, sla_class="及时"),     # 10.5 of 24 h: bucket 8, due 00:00 夜班
    _handled("T2", "2026-01-08 12:00:00", B, None),                       # 166.5 of 168 h: bucket 19, due 12:00 早班
    _handled("T3", "2026-01-15 01:00:00", A, "2026-01-15 12:00:00", sla_class="及时"),  # closed after NOW
    _handled("T4", "2026-01-15 08:30:00", A, None, urgency="紧急", sla_class="紧急"),  # due exactly at NOW
    _handled("T5", "2026-01-15 10:30:00", A, None, sla_class="及时"),     # due exactly NOW + 24 h: not counted
]


@pytest.fixture
def db(engine):
    rows = [t for t, _ in CASES]
    events = [e for _, evs in CASES for e in evs]
    rows.append(ticket("H9", "2026-01-12 00:00:00", sla_class="及时"))     # returned to the city: no outcome
    events += [event("H9", "2026-01-12 00:10:00", "SIGN"), event("H9", "2026-01-12 00:20:00", "RETURN_REQUEST"),
               event("H9", "2026-01-12 05:00:00", "RETURN_APPROVED")]
    load(engine, rows, events)
    return engine


def test_history_counts(db):
    with db.connect() as conn:
        df = breach.breach_history(conn, now=NOW)
    got = sorted((r.unit, r.sla_class, int(r.open_through), bool(r.on_time), int(r.tickets)) for r in df.itertuples())
    assert got == sorted([
        (A, "及时", 5, True, 1), (A, "及时", 6, True, 1), (A, "及时", 20, True, 1), (A, "及时", 20, False, 3),
        (A, "一般", 3, True, 1), (B, "及时", 10, True, 1)])


def test_targets_live_and_as_of(db):
    with db.connect() as conn:
        live = breach.breach_targets(conn, now=NOW)
        as_of = breach.breach_targets(conn, now=NOW, as_of=True)
    assert list(live["ticket_no"]) == ["T4", "T2", "T1"]           # earliest deadline first
    assert list(as_of["ticket_no"]) == ["T4", "T2", "T1", "T3"]    # T3 was still open at NOW
    assert live.set_index("ticket_no").loc["T1", "deadline_at"] == datetime(2026, 1, 16, 0, 0)


@pytest.mark.parametrize(("min_tickets", "p_t1", "level_t1"), [
    (3, Fraction(1, 4), LEVEL_UNIT),     # A 及时 open at 8/20: H3 on time, H4 H5 H6 late
    (5, Fraction(2, 5), LEVEL_CLASS),    # all units' 及时: + H7 (on time)
    (6, Fraction(2, 5), LEVEL_ALL),      # everything has the same five: the widest history with any
])
def test_estimator_backs_off(db, min_tickets, p_t1, level_t1):
    with db.connect() as conn:
        history = breach.breach_history(conn, now=NOW)
        due = breach.breach_targets(conn, now=NOW)
    est = breach_forecast.estimator_of(history, min_tickets=min_tickets)
    by_no = {f.target.ticket_no: f for f in forecast(breach_forecast.targets_of(due), est, NOW)}
    assert (by_no["T1"].bucket, by_no["T1"].shift) == (8, "夜班")
    assert (by_no["T1"].estimate.p, by_no["T1"].estimate.level) == (p_t1, level_t1)
    assert (by_no["T2"].bucket, by_no["T2"].shift) == (19, "早班")
    # B's 一般 and all 一般 have nobody open at 19/20; everything: H3 on time of H3–H6
    assert by_no["T2"].estimate.level == LEVEL_ALL and by_no["T2"].estimate.p == Fraction(1, 4)


def test_expected_breaches_per_unit_and_shift(db):
    with db.connect() as conn:
        history = breach.breach_history(conn, now=NOW)
        due = breach.breach_targets(conn, now=NOW)
    fc = breach_forecast.build(history, due, NOW, min_tickets=3)
    # T1, T2, T4 each 1/4 on time: 3/4 expected breach each
    assert fc.due == 3 and fc.expected == Fraction(9, 4)
    assert dict(zip(fc.units["unit"], fc.units["expected"], strict=True)) == {A: 1.5, B: 0.8}
    assert list(fc.units["unit"]) == [A, B]
    assert dict(zip(fc.shifts["shift"], zip(fc.shifts["due"], fc.shifts["expected"]), strict=True)) == {
        "早班": (2, 1.5), "中班": (0, 0.0), "夜班": (1, 0.8)}
    assert list(fc.tickets["p_on_time"]) == [0.25, 0.25, 0.25]
