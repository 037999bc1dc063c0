"""Known answers for the SLA clocks of queries.timeliness (both engines), at 2026-01-15 10:30."""
import math
from datetime import date, datetime

import pytest

from dashboard.infra.concurrent_reads import concurrently
from domain.calendar import add_working_days
from domain.rules import Rules
from queries import timeliness as q
from tests.support.live_fixture import NOW, event, load, ticket

START, END = datetime(2026, 1, 1), datetime(2026, 2, 1)
R = Rules.default()
LIMITS = R.limits()


def summary(engine, clock, by="all", start=START, end=END, **kw):
    with engine.connect() as conn:
        return q.clock_summary(conn, clock, start=start, end=end, now=NOW, by=by, limits=LIMITS, **kw)


def counts(df):
    r = df.iloc[0]
    return int(r.on_time), int(r.late), int(r.running)


@pytest.fixture
def intake(engine):
    rows = [
        ticket("T1", "2026-01-10 09:00:00"),
        ticket("T2", "2026-01-10 09:00:00", street="新华街道"),
        ticket("T3", "2026-01-15 10:10:00", urgency="紧急", sla_class="紧急"),
        ticket("T4", "2026-01-15 09:00:00"),
        ticket("T5", "2026-01-15 10:00:00"),
        ticket("T6", "2026-01-12 08:00:00"),
        ticket("T7", "2026-01-12 08:00:00"),
        ticket("T0", "2025-12-31 23:59:59"),                         # outside the range
    ]
    events = [
        event("T1", "2026-01-10 09:30:00", "SIGN"),                  # 30:00 → on time
        event("T1", "2026-01-10 10:59:59", "DISPATCH", "区水务局"),   # 1:59:59 → on time
        event("T1", "2026-01-11 09:00:00", "CONTACT"),               # 24:00:00 → on time
        event("T1", "2026-01-12 09:00:00", "CLOSE"),
        event("T2", "2026-01-10 09:30:01", "SIGN"),                  # 30:01 → late
        event("T2", "2026-01-10 11:00:01", "DISPATCH", "区水务局"),   # late
        event("T5", "2026-01-15 10:45:00", "SIGN"),                  # after now: not yet; due == now → running
        event("T6", "2026-01-12 08:05:00", "SIGN"), event("T6", "2026-01-12 09:00:00", "RETURN_REQUEST"),
        event("T6", "2026-01-12 12:00:00", "RETURN_APPROVED"),
        event("T7", "2026-01-12 08:05:00", "SIGN"), event("T7", "2026-01-12 10:00:01", "RETURN_REQUEST"),
        event("T7", "2026-01-12 12:00:00", "RETURN_REJECTED"), event("T7", "2026-01-12 13:00:00", "DISPATCH"),
        event("T0", "2026-01-01 00:00:00", "SIGN"),
    ]
    load(engine, rows, events)
    return engine


def test_sign_clock(intake):
    df = summary(intake, "sign")
    # on time T1 T6 T7; late T2 (30:01) and T4 (never signed, due passed); running T3, T5 (due == now)
    assert counts(df) == (3, 2, 2)
    assert df.iloc[0].total == 5
    # lags of completed clocks: 300, 300, 1800, 1801
    assert df.iloc[0].p50_seconds == pytest.approx(1050)
    assert df.iloc[0].p90_seconds == pytest.approx(1800.7)


def test_dispatch_clock_leaves_out_return_requests(intake):
    # T6, T7 requested a return; T3 (urgent, due 10:40), T4 (due 11:00), T5 still running
    assert counts(summary(intake, "dispatch")) == (1, 1, 3)


def test_return_request_clock(intake):
    assert counts(summary(intake, "return_request")) == (1, 1, 0)


def test_response_clock(intake):
    # T6 returned: out. T1 exactly 24 h; T2 and T7 never contacted and due passed; T3 T4 T5 running
    assert counts(summary(intake, "response")) == (1, 2, 3)


def test_sign_by_street_and_shift(intake):
    df = summary(intake, "sign", by="street")
    got = {r.street: (r.on_time, r.late, r.running) for r in df.itertuples()}
    assert got == {"中仓街道": (3, 1, 2), "新华街道": (0, 1, 0)}
    shift = summary(intake, "sign", by="shift")
    assert dict(zip(shift["shift"], shift["total"], strict=True)) == {"早班": 5}


def test_sign_by_day_percentiles(intake):
    df = summary(intake, "sign", by="day")
    row = df[df["day"] == date(2026, 1, 10)].iloc[0]
    assert (row.on_time, row.late) == (1, 1)
    assert row.p50_seconds == pytest.approx(1800.5)
    assert row.p90_seconds == pytest.approx(1800.9)
    today = df[df["day"] == date(2026, 1, 15)].iloc[0]
    assert (today.on_time, today.late, today.running) == (0, 1, 2)
    assert math.isnan(today.p50_seconds)            # nothing completed


def test_breach_list(intake):
    with intake.connect() as conn:
        df = q.breaches(conn, "sign", start=START, end=END, now=NOW)
    assert list(df["ticket_no"]) == ["T4", "T2"]
    assert list(df["late_seconds"]) == [3600, 1]     # T4: due 09:30, still unsigned at 10:30


def test_close_clock_and_working_days(engine):
    rows = [
        ticket("C1", "2025-09-30 09:00:00"),          # calendar deadline 10-07 09:00; working days 10-16
        ticket("C2", "2025-09-30 09:00:00", deadline_at=datetime(2025, 10, 7, 9)),  # imported deadline wins
        ticket("C3", "2025-10-02 09:00:00"),          # never closed; calendar 10-09, working 10-17: late either way
    ]
    events = [event("C1", "2025-10-10 09:00:00", "CLOSE"), event("C2", "2025-10-10 09:00:00", "CLOSE")]
    load(engine, rows, events)
    start, end = datetime(2025, 9, 1), datetime(2025, 11, 1)
    assert counts(summary(engine, "close", start=start, end=end)) == (0, 3, 0)
    offsets = {"一般": {d: (add_working_days(datetime.combine(d, datetime.min.time()), 7).date() - d).days
                        for d in (date(2025, 9, 30), date(2025, 10, 2))}}
    assert offsets["一般"][date(2025, 9, 30)] == 16
    assert counts(summary(engine, "close", start=start, end=end, close_offsets=offsets)) == (1, 2, 0)


def test_qc_and_verify_clocks(engine):
    rows = [ticket(n, "2026-01-10 08:00:00") for n in ("Q1", "Q2", "Q3", "Q4", "V1", "V2", "V3")]
    events = [
        event("Q1", "2026-01-10 12:00:00", "REPLY"), event("Q1", "2026-01-10 14:00:00", "QC_PASS"),
        event("Q2", "2026-01-10 12:00:00", "REPLY"), event("Q2", "2026-01-10 14:00:01", "QC_REJECT"),
        event("Q3", "2026-01-15 09:00:00", "REPLY"),                     # due 11:00: running
        event("Q4", "2026-01-15 08:00:00", "REPLY"), event("Q4", "2026-01-15 11:00:00", "QC_PASS"),  # after now
        event("V1", "2026-01-10 08:00:00", "VERIFY_ASSIGN"), event("V1", "2026-01-12 08:00:00", "VERIFY_DONE"),
        event("V2", "2026-01-10 08:00:00", "VERIFY_ASSIGN"), event("V2", "2026-01-12 08:00:01", "VERIFY_DONE"),
        event("V3", "2026-01-14 08:00:00", "VERIFY_ASSIGN"),
    ]
    load(engine, rows, events)
    qc = summary(engine, "qc")
    assert counts(qc) == (1, 2, 1)
    assert qc.iloc[0].p50_seconds == pytest.approx(7200.5)
    assert counts(summary(engine, "verify")) == (1, 1, 1)


def test_intake_heatmap(intake):
    with intake.connect() as conn:
        df = q.intake_heatmap(conn, start=START, end=END, now=NOW)
    got = {(r.weekday, r.hour): r.tickets for r in df.itertuples()}
    # 2026-01-10 is a Saturday (5), 01-12 a Monday (0), 01-15 a Thursday (3)
    assert got == {(5, 9): 2, (0, 8): 2, (3, 10): 2, (3, 9): 1}


def test_unknown_clock_is_refused(intake):
    with pytest.raises(q.TimelinessError):
        summary(intake, "nonsense")


def _overview(engine, start=START, end=END, **kw):
    with engine.connect() as conn:
        return q.clock_overview(conn, start=start, end=end, now=NOW, limits=LIMITS, **kw).set_index("clock")


def test_overview_equals_each_clock_summary(intake):
    ov = _overview(intake)
    assert list(ov.index) == list(q.CLOCKS)
    for clock in q.CLOCKS:
        r = ov.loc[clock]
        assert (int(r.on_time), int(r.late), int(r.running)) == counts(summary(intake, clock)), clock
        assert int(r.total) == int(r.on_time) + int(r.late)
    assert tuple(ov.loc["sign", ["on_time", "late", "running"]]) == (3, 2, 2)


def test_overview_of_event_clocks_and_working_days(engine):
    rows = [ticket(n, "2026-01-10 08:00:00") for n in ("Q1", "Q2", "V1")] + [ticket("C1", "2026-01-02 09:00:00")]
    events = [
        event("Q1", "2026-01-10 12:00:00", "REPLY"), event("Q1", "2026-01-10 14:00:00", "QC_PASS"),
        event("Q2", "2026-01-10 12:00:00", "REPLY"), event("Q2", "2026-01-10 14:00:01", "QC_REJECT"),
        event("V1", "2026-01-14 08:00:00", "VERIFY_ASSIGN"),
        event("C1", "2026-01-12 09:00:00", "CLOSE"),   # day 10: late by calendar, on time in working days
    ]
    load(engine, rows, events)
    offsets = {"一般": {date(2026, 1, 2): (add_working_days(datetime(2026, 1, 2), 7).date() - date(2026, 1, 2)).days}}
    # Q1, Q2 and V1 are still open with their 7-day limits running
    for kw, close in (({}, (0, 1, 3)), ({"close_offsets": offsets}, (1, 0, 3))):
        ov = _overview(engine, **kw)
        assert tuple(ov.loc["qc", ["on_time", "late", "running"]]) == (1, 1, 0)
        assert tuple(ov.loc["verify", ["on_time", "late", "running"]]) == (0, 0, 1)
        assert tuple(ov.loc["close", ["on_time", "late", "running"]]) == close
        for clock in ("qc", "verify", "close"):
            assert tuple(ov.loc[clock, ["on_time", "late", "running"]]) == counts(summary(engine, clock, **kw))
        # the page runs the three reads at the same time, each on its own connection: same frame
        at_once = _overview(engine, run_parts=lambda parts: concurrently(engine, parts), **kw)
        assert at_once.equals(ov)
