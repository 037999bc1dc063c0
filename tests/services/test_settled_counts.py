"""Stored counts of settled days (dashboard.services.assessment.settled_counts): a month's counts are its
stored days plus the rest counted live, equal to counting the whole month live at any `now`;
a stored day is used only when settled for the reader's `now` and counted with the same limits;
imports drop and store again the days they touch."""
import dataclasses
import json
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dashboard.services import ingest
from dashboard.services.assessment import engine as en
from dashboard.services.assessment import settled_counts as sc
from dashboard.services.demo import generate
from dashboard.services.rules_store import rules_for_month
from domain import three_rates as tr
from domain.rules import Rules
from queries import assessment as qa
from queries import three_rates as qtr
from queries.schema import day_counts, rollup_day_totals, ticket_facts
from tests.support.csv_rows import csv_bytes

END = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 15, 30)


def _params(conn, month):
    rules = rules_for_month(conn, month)
    p = tr.period_for_month(month, rules)
    return {"limits": rules.limits(), "required": rules.required_heads(), "period": (p.start, p.end)}


def _live(conn, month, now):
    p = _params(conn, month)
    counts = qa.indicator_counts(conn, month=month, now=now, limits=p["limits"], required=p["required"])
    return counts, qtr.district_counts(conn, start=p["period"][0], end=p["period"][1])


def _stored_days(conn):
    return {d if isinstance(d, date) else date.fromisoformat(d): json.loads(c)
            for d, c in conn.execute(sa.select(day_counts.c.day, day_counts.c.counts))}




def _assert_months_equal_live(conn, months, nows):
    for month in months:
        for now in nows:
            got, three = sc.month_counts_for(conn, month=month, now=now, **_params(conn, month))
            want, want_three = _live(conn, month, now)
            assert got.equals(want), (month, now)
            assert three == want_three, (month, now)


def test_demo_stores_settled_days_and_months_add_up(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    with engine.connect() as conn:
        days = _stored_days(conn)
        limits = _params(conn, "2026-03")["limits"]
        last = sc.last_settled_day(NOW, limits, sc.data_horizon(conn))
        assert max(days) == last and min(days) == date(2025, 12, 31)
        assert date(2026, 3, 9) not in days            # its clocks are still running at NOW
        # stored days + live rest == the whole month live: past months, the running month, and
        # `now`s inside a month or before the latest event (nothing stored is then usable)
        _assert_months_equal_live(conn, ("2025-12", "2026-01", "2026-02", "2026-03"),
                                  (NOW, datetime(2026, 4, 20, 8), datetime(2026, 2, 14, 11, 15, 30)))


def test_a_stored_day_is_read_only_when_settled_and_for_its_limits(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    day = date(2026, 1, 10)
    with engine.begin() as conn:
        row = json.loads(conn.execute(sa.select(day_counts.c.counts).where(day_counts.c.day == day)).scalar())
        planted = dict(row, sign_on_time_rate=[row["sign_on_time_rate"][0] + 1000, row["sign_on_time_rate"][1] + 1000])
        conn.execute(day_counts.update().where(day_counts.c.day == day).values(counts=json.dumps(planted)))
    with engine.connect() as conn:
        p = _params(conn, "2026-01")
        want = _live(conn, "2026-01", NOW)[0].set_index("key").loc["sign_on_time_rate"]
        got = sc.month_counts_for(conn, month="2026-01", now=NOW, **p)[0].set_index("key").loc["sign_on_time_rate"]
        assert got["numerator"] == want["numerator"] + 1000   # the stored day was read
        # before the day settles, or with other limits, the stored row is not used
        for now, params in ((datetime(2026, 1, 11, 0, 30), p),
                            (NOW, dict(p, limits=dataclasses.replace(p["limits"], sign=p["limits"].sign + 60)))):
            got = sc.month_counts_for(conn, month="2026-01", now=now, **params)[0]
            want = qa.indicator_counts(conn, month="2026-01", now=now, limits=params["limits"],
                                       required=params["required"])
            assert got.equals(want), now


def test_import_into_a_settled_day_drops_and_refills_from_there(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    with engine.connect() as conn:
        before = _stored_days(conn)
        no = conn.execute(sa.select(ticket_facts.c.ticket_no).where(
            ticket_facts.c.stage == "已办结", ticket_facts.c.closed_at >= datetime(2026, 1, 5),
            ticket_facts.c.closed_at < datetime(2026, 1, 20)).order_by(ticket_facts.c.received_at.desc()).limit(1)).scalar()
        received = conn.execute(sa.select(ticket_facts.c.received_at).where(ticket_facts.c.ticket_no == no)).scalar()
    rows = [{"工单编号": no, "操作时间": "2026-01-25 09:00:00", "操作": "重办", "工号": "", "单位": "",
             "说明": "市级审核退回"}]
    res = ingest.run_import(engine, "events", "late.csv", csv_bytes(rows), username="t")
    assert res.status == "ok", res.message
    with engine.connect() as conn:
        after = _stored_days(conn)
        assert set(before) <= set(after)   # the import counts as of the real clock: later days settle too
        untouched = [d for d in before if d < received.date()]
        assert untouched and all(after[d] == before[d] for d in untouched)
        close_day = [d for d in before if d >= received.date() and after[d] != before[d]]
        assert close_day, "the day of the escaped close was counted again"
        _assert_months_equal_live(conn, ("2026-01",), (NOW,))
        live = _live(conn, "2026-01", NOW)[0].set_index("key").loc["qc_escape_rate"]
        stored_sum = sum(before[d]["qc_escape_rate"][0] for d in before if d.month == 1 and d.year == 2026)
        assert live["numerator"] == stored_sum + 1


def test_month_result_is_the_same_with_and_without_stored_counts(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    months = ("2025-12", "2026-01", "2026-02", "2026-03")
    with engine.connect() as conn:
        with_rows = [en.kpi_json(en.compute(conn, m, NOW)) for m in months]
    with engine.begin() as conn:
        sc.invalidate_all(conn)
    with engine.connect() as conn:
        assert _stored_days(conn) == {}
        without = [en.kpi_json(en.compute(conn, m, NOW)) for m in months]
    assert with_rows == without
    assert with_rows[2]["three_rates"]["population"] > 0


def test_last_settled_day():
    limits = Rules.default().limits()   # the longest limit counted: verification, 48 h
    assert sc.last_settled_day(datetime(2026, 3, 10, 0, 0, 1), limits, None) == date(2026, 3, 7)
    assert sc.last_settled_day(datetime(2026, 3, 10, 0, 0, 0), limits, None) == date(2026, 3, 6)
    assert sc.last_settled_day(datetime(2026, 3, 10), limits, datetime(2026, 3, 10, 0, 0, 1)) is None


def test_a_view_of_the_present_is_not_unsettled_by_what_the_feed_stored_this_minute():
    limits = Rules.default().limits()
    now = datetime(2026, 3, 10, 9, 30)                          # the page's minute
    settled = sc.last_settled_day(now, limits, None)
    just_stored = now + timedelta(seconds=50)                   # a ticket the feed brought a moment ago
    assert sc.last_settled_day(now, limits, just_stored, clock=now + timedelta(seconds=55)) == settled
    # a source clock a little ahead is still the present; data well after it is not
    assert sc.last_settled_day(now, limits, now + sc.PRESENT_SLACK, clock=now + timedelta(seconds=5)) == settled
    assert sc.last_settled_day(now, limits, now + sc.PRESENT_SLACK + timedelta(seconds=1),
                               clock=now + timedelta(seconds=5)) is None
    # a view of a past moment (a pinned now, a report of last week) stays strict
    assert sc.last_settled_day(now, limits, just_stored, clock=now + timedelta(days=3)) is None


def _one_day_live(conn, d, now):
    p = _params(conn, f"{d:%Y-%m}")
    start = datetime.combine(d, datetime.min.time())
    counts = qa.window_counts(conn, start=start, end=start + timedelta(days=1), now=now, limits=p["limits"],
                              required=p["required"])
    counts = {k: list(v) for k, v in counts.items()}
    counts[sc.THREE_RATES_KEY] = qtr.district_counts(conn, start=start, end=start + timedelta(days=1, seconds=-1))
    return counts


def test_every_stored_day_equals_that_day_counted_alone(engine):
    """refill counts runs of days in one grouped pass; each day's row is what a one-day window gives."""
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    with engine.connect() as conn:
        days = _stored_days(conn)
        assert len(days) > 60
        for d, stored in days.items():
            assert stored == _one_day_live(conn, d, NOW), d


def test_counts_by_day_equal_one_day_windows_while_clocks_run(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    now = datetime(2026, 2, 14, 11, 15, 30)     # inside the window: clocks running, days after `now`
    with engine.connect() as conn:
        p = _params(conn, "2026-02")
        start, end = datetime(2026, 2, 8), datetime(2026, 2, 17)
        by_day = qa.window_counts_by_day(conn, start=start, end=end, now=now, limits=p["limits"],
                                         required=p["required"])
        assert sorted(by_day) == [date(2026, 2, 8) + timedelta(days=i) for i in range(9)]
        for d, counts in by_day.items():
            day_start = datetime.combine(d, datetime.min.time())
            assert counts == qa.window_counts(conn, start=day_start, end=day_start + timedelta(days=1), now=now,
                                              limits=p["limits"], required=p["required"]), d
        assert by_day[date(2026, 2, 10)]["sign_on_time_rate"][1] > 0


def test_three_rates_by_day_from_the_tickets_when_the_rollups_do_not_cover(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    first, last = date(2026, 1, 5), date(2026, 1, 12)
    with engine.connect() as conn:
        rolled = qtr.district_counts_by_day(conn, first=first, last=last)
    with engine.begin() as conn:
        conn.execute(rollup_day_totals.delete().where(rollup_day_totals.c.day == date(2026, 1, 7)))
    with engine.connect() as conn:
        raw = qtr.district_counts_by_day(conn, first=first, last=last)
        assert raw == rolled
        for d in (first, date(2026, 1, 7), last):
            start = datetime.combine(d, datetime.min.time())
            assert raw[d] == qtr.district_counts(conn, start=start, end=start + timedelta(days=1, seconds=-1))
        assert raw[date(2026, 1, 7)]["population"] > 0
