"""The column-wise paths of a tickets import give exactly what the per-value paths give:
storage text of timestamps (writing.ts_text vs SQLAlchemy's format), the facts and event clocks
of new tickets (facts.new_ticket_columns vs derive/facts_row/event_clock_rows), and, in the
database, an import's facts vs the same tickets re-derived by facts.rebuild_all."""
from __future__ import annotations

import copy
import itertools
import random
import sqlite3
from datetime import datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from dashboard.services import facts
from dashboard.services.assessment import settled_counts as sc
from dashboard.services.demo import generate
from dashboard.services.ingest import run_import
from dashboard.services.ingest.writing import _Background, stored_values, ts_text
from dashboard.services.rules_store import rules_for_month
from domain import three_rates as tr
from domain.lifecycle import Event, derive
from domain.rules import DEFAULT_RULES, Rules
from queries import assessment as qa
from queries import three_rates as qtr
from queries.schema import day_counts, event_clocks, ticket_events, ticket_facts, tickets

ACTIONS = facts.COLUMN_ACTIONS


def test_ts_text_is_sqlalchemys_sqlite_text():
    vals = np.array(["2025-01-02T03:04:05.000006", "NaT", "1969-12-31T23:59:59.999999", "0001-01-01T00:00:00",
                     "9999-12-31T23:59:59.999999", "2024-02-29T12:00:00"], dtype="datetime64[us]")
    assert ts_text(vals) == ["2025-01-02 03:04:05.000006", None, "1969-12-31 23:59:59.999999",
                             "0001-01-01 00:00:00.000000", "9999-12-31 23:59:59.999999", "2024-02-29 12:00:00.000000"]
    assert ts_text(vals, date=True) == ["2025-01-02", None, "1969-12-31", "0001-01-01", "9999-12-31", "2024-02-29"]
    assert ts_text(np.array([], dtype="datetime64[us]")) == []
    # a year the per-value path must report is left to it
    assert ts_text(np.array(["10000-01-01"], dtype="datetime64[us]")) is None
    rnd = random.Random(5)
    some = [datetime(rnd.randrange(1, 10000), rnd.randrange(1, 13), rnd.randrange(1, 29), rnd.randrange(24),
                     rnd.randrange(60), rnd.randrange(60), rnd.choice([0, 1, 999_999, rnd.randrange(10 ** 6)]))
            for _ in range(5000)]
    arr = np.array(some, dtype="datetime64[us]")
    assert ts_text(arr) == [v.isoformat(" ", "microseconds") for v in some]
    assert ts_text(arr, date=True) == [v.date().isoformat() for v in some]


def test_stored_values_follow_the_engine(sqlite_engine):
    arr = np.array(["2025-01-02T03:04:05", "NaT"], dtype="datetime64[us]")
    with sqlite_engine.connect() as conn:
        assert stored_values(conn, ticket_facts.c.received_at, arr) == ["2025-01-02 03:04:05.000000", None]
        assert stored_values(conn, ticket_facts.c.received_day, arr) == ["2025-01-02", None]
        assert stored_values(conn, ticket_facts.c.is_open, [True, False, None]) == [1, 0, None]
        assert stored_values(conn, ticket_facts.c.received_at, [datetime(2025, 1, 2), None]) == \
            ["2025-01-02 00:00:00.000000", None]


def _rules(working_days: bool = False, share: str = "0.2", version_id: int | None = 7) -> Rules:
    body = copy.deepcopy(DEFAULT_RULES)
    body["sla"]["close_in_working_days"] = working_days
    body["sla"]["at_risk_share"] = share
    return Rules(body, version_id)


def _cases():
    """Every present/absent combination of the four column events, with equal and odd times."""
    rnd = random.Random(11)
    out = []
    i = 0
    for present in itertools.product([False, True], repeat=4):
        for variant in range(12):
            received = datetime(2025, 1, 1) + timedelta(seconds=rnd.randrange(90 * 86400),
                                                        microseconds=rnd.choice([0, 1, 500_000, 999_999]))
            times = {}
            t = received
            for a, on in zip(ACTIONS, present, strict=True):
                if variant % 4 != 0:          # variant 0, 4, 8: every event at the receipt time
                    t = t + timedelta(seconds=rnd.randrange(0, 12 * 86400), microseconds=rnd.randrange(10 ** 6))
                if on:
                    times[a] = received if variant % 4 == 0 else t
            if variant == 5 and "CLOSE" in times and "SIGN" in times:
                times["CLOSE"] = times["SIGN"]   # closed at the sign time (the same timestamp)
            deadline = None
            if variant in (3, 7):
                deadline = received + timedelta(days=rnd.randrange(0, 10), seconds=rnd.randrange(86400))
            elif variant == 9:
                deadline = received                # zero span: at risk at the deadline itself
            out.append({
                "ticket_no": f"C{i:04d}", "received_at": received, "deadline_at": deadline,
                "urgency": ["一般", "紧急", None][variant % 3],
                "sla_class": ["一般", "紧急", "及时", "疑难", None][variant % 5],
                "appeal_type": ["投诉", None][variant % 2], "category_l1": ["住房", None][variant % 2],
                "street": ["新华街道", None][(variant + 1) % 2], "unit": ["区住建委", None][variant % 2],
                "in_assessment": [True, False][variant % 2], "callback_valid": [True, False][(variant // 2) % 2],
                "contacted": [True, False][variant % 2], "resolved": [False, True][variant % 2],
                "satisfaction": ["满意", "不满意", None][variant % 3], "times": times,
            })
            i += 1
    return out


def _expected(cases, rules):
    rows, clocks = [], []
    for c in cases:
        t = {k: v for k, v in c.items() if k != "times"}
        evs = sorted((Event(at, a) for a, at in c["times"].items()), key=lambda e: e.at)
        rows.append(facts.facts_row(t, derive(facts.ticket_input(t), evs, rules), rules.version_id))
        clocks.extend(facts.event_clock_rows(c["ticket_no"], evs))
    return rows, clocks


def _columns(cases):
    tk = {k: [c[k] for c in cases] for k in cases[0] if k != "times"}
    for k in [k for k in ("received_at", "deadline_at") if k in tk]:
        tk[k] = np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "us") for v in tk[k]],
                         dtype="datetime64[us]")
    times = {a: np.array([np.datetime64(c["times"][a], "us") if a in c["times"] else np.datetime64("NaT")
                          for c in cases], dtype="datetime64[us]") for a in ACTIONS}
    return tk, times


def _python(cols):
    out = {}
    for k, v in cols.items():
        if isinstance(v, np.ndarray):
            v = v.astype(object).tolist()
        out[k] = list(v)
    return out


def _check(cases, rules, tk=None, times=None):
    want_rows, want_clocks = _expected(cases, rules)
    if tk is None:
        tk, times = _columns(cases)
    got, got_clocks = facts.new_ticket_columns(tk, times, rules)
    got = _python(got)
    assert list(got) == list(want_rows[0])                       # the same columns
    for i, want in enumerate(want_rows):
        assert {k: got[k][i] for k in got} == want, cases[i]["ticket_no"]
    got_clocks = _python(got_clocks)
    assert list(zip(*got_clocks.values(), strict=True)) == want_clocks
    assert list(got_clocks) == facts.EVENT_CLOCK_COLUMNS


def test_new_ticket_columns_equal_derive():
    cases = _cases()
    assert len(cases) == 16 * 12
    _check(cases, _rules())
    _check(cases, _rules(share="0.333"))
    _check(cases, _rules(share="0", version_id=None))


def test_new_ticket_columns_with_working_day_deadlines():
    # the 7- and 15-day limits in working days (调休 aware): around the 2025 Spring Festival
    _check(_cases(), _rules(working_days=True))


def test_new_ticket_columns_without_optional_columns():
    # a file with only the required columns: urgency/class default, no deadline, no flags
    cases = _cases()[:40]
    want_cases = [{"ticket_no": c["ticket_no"], "received_at": c["received_at"], "times": c["times"]}
                  for c in cases]
    tk, times = _columns(want_cases)
    del times["CONTACT"]                                          # a column the file lacks
    for c in want_cases:
        c["times"] = {a: at for a, at in c["times"].items() if a != "CONTACT"}
    _check(want_cases, _rules(), tk, times)


CSV_HEADER = "工单编号,接收时间,紧急程度,时限类型,承办单位,是否纳入考核,截止时间,签收时间,派单时间,首次联系时间,办结时间\n"


def _csv(cases) -> bytes:
    def ts(x):
        return "" if x is None else x.isoformat(" ")
    lines = [CSV_HEADER]
    for c in cases:
        tm = c["times"]
        lines.append(",".join([c["ticket_no"], ts(c["received_at"]), c["urgency"] or "", c["sla_class"] or "",
                               c["unit"] or "", "是" if c["in_assessment"] else "否", ts(c["deadline_at"]),
                               *(ts(tm.get(a)) for a in ACTIONS)]) + "\n")
    return "".join(lines).encode()


def _snapshot(conn):
    f = conn.execute(sa.select(ticket_facts).order_by(ticket_facts.c.ticket_no)).mappings().all()
    c = conn.execute(sa.select(event_clocks.c.ticket_no, event_clocks.c.kind, event_clocks.c.at,
                               event_clocks.c.ref_at, event_clocks.c.flag)
                     .order_by(event_clocks.c.ticket_no, event_clocks.c.kind, event_clocks.c.at)).all()
    return [dict(r) for r in f], [tuple(r) for r in c]


def test_imported_facts_equal_rebuilt_facts(engine):
    """New tickets' facts are written column-wise at import; rebuild_all derives them again from
    the stored tickets and events through derive: the tables must not change."""
    cases = _cases()
    res = run_import(engine, "tickets", "t.csv", _csv(cases), username="test")
    assert res.status == "ok", res.message
    assert res.inserted == len(cases)
    with engine.begin() as conn:
        before = _snapshot(conn)
        assert len(before[0]) == len(cases)
        assert len(before[1]) == sum("CLOSE" in c["times"] for c in cases)
        facts.rebuild_all(conn)
        assert _snapshot(conn) == before
        # known values: C0180 has all four events at its receipt time (the last combination)
        f = conn.execute(sa.select(ticket_facts).where(ticket_facts.c.ticket_no == "C0180")).mappings().one()
        received = conn.execute(sa.select(tickets.c.received_at).where(tickets.c.ticket_no == "C0180")).scalar_one()
        assert (f["stage"], f["is_open"], f["is_late"]) == ("已办结", False, False)
        assert f["closed_at"] == f["signed_at"] == f["last_event_at"] == received
        assert f["sign_due_at"] == received + timedelta(minutes=30)


def test_new_tickets_on_a_settled_day_drop_its_stored_counts(engine):
    """The stored counts of settled days are dropped from the earliest receipt of the file's new
    tickets (taken from the file, not looked up) and counted again: the month read through the
    stored days equals the month counted live."""
    generate(engine, days=70, tickets_per_day=40, seed=3, end=datetime(2026, 3, 10).date(),
             now=datetime(2026, 3, 10, 15, 30))

    def stored(conn):
        return {str(d)[:10]: c for d, c in conn.execute(sa.select(day_counts.c.day, day_counts.c.counts))}

    with engine.connect() as conn:
        before = stored(conn)
    assert "2026-01-12" in before and "2026-01-09" in before
    lines = ["工单编号,接收时间,紧急程度,被反映街乡镇,签收时间,派单时间,办结时间\n"]
    for i in range(3):   # received on 12 January, one signed late, all closed
        lines.append(f"NEW{i},2026-01-12 {8 + i:02d}:00:00,一般,新华街道,2026-01-12 {8 + i:02d}:{10 + 40 * (i == 2)}:00,"
                     f"2026-01-12 {12 + i}:00:00,2026-01-14 10:00:00\n")
    res = run_import(engine, "tickets", "new.csv", "".join(lines).encode(), username="test")
    assert (res.status, res.inserted) == ("ok", 3), res.message
    with engine.connect() as conn:
        after = stored(conn)
        assert all(after[d] == before[d] for d in before if d < "2026-01-12")   # earlier days kept
        assert after["2026-01-12"] != before["2026-01-12"]                       # the day counted again
        rules = rules_for_month(conn, "2026-01")
        p = tr.period_for_month("2026-01", rules)
        now = datetime(2026, 3, 10, 15, 30)
        got, three = sc.month_counts_for(conn, month="2026-01", now=now, limits=rules.limits(),
                                         required=rules.required_heads(), period=(p.start, p.end))
        want = qa.indicator_counts(conn, month="2026-01", now=now, limits=rules.limits(),
                                   required=rules.required_heads())
        assert got.equals(want)
        assert three == qtr.district_counts(conn, start=p.start, end=p.end)


def test_a_failure_while_the_events_are_written_leaves_nothing(engine, monkeypatch):
    """The facts of new tickets are prepared while the events are inserted (in the background on
    SQLite); an error there waits for that insert, then the whole file is rolled back."""
    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(facts, "new_ticket_columns", broken)
    res = run_import(engine, "tickets", "t.csv", _csv(_cases()[:50]), username="test")
    assert res.status == "refused" and "RuntimeError" in res.message
    with engine.connect() as conn:
        assert [conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (tickets, ticket_events, ticket_facts, event_clocks)] == [0, 0, 0, 0]
    monkeypatch.undo()
    res = run_import(engine, "tickets", "t.csv", _csv(_cases()[:50]), username="test")   # the connection is fine
    assert res.status == "ok" and res.inserted == 50


def test_background_statement_errors_reach_the_caller(sqlite_engine):
    with sqlite_engine.connect() as conn:
        job = _Background(conn, [("SELECT 1", ()), ("INSERT INTO no_such_table VALUES (?)", (1,))])
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):   # raised in the caller's thread
            job.join()
