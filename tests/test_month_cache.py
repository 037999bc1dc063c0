"""Stored counts of settled months (dashboard.assessment.month_cache) equal the live counts,
are used only when the month is settled for the reader's `now`, and are dropped and stored
again by imports that touch the month (issue 8)."""
import csv
import io
from datetime import date, datetime

import sqlalchemy as sa

from dashboard import ingest
from dashboard.assessment import engine as en
from dashboard.assessment import month_cache
from dashboard.demo import generate
from dashboard.rules_store import rules_for_month
from queries import assessment as qa
from queries.schema import month_counts, ticket_facts

END = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 15, 30)
LATER = datetime(2026, 4, 20, 8, 0)


def _live(conn, month, now):
    rules = rules_for_month(conn, month)
    return qa.indicator_counts(conn, month=month, now=now, limits=en._limits(rules),
                               required=en.required_heads(rules))


def _stored(conn):
    return dict(conn.execute(sa.select(month_counts.c.month, month_counts.c.counts)).all())


def _csv(rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_demo_stores_settled_months_equal_to_live(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    with engine.connect() as conn:
        stored = _stored(conn)
        # months over by more than the longest limit; March is still running
        assert set(stored) == {"2025-12", "2026-01", "2026-02"}
        for month in ("2025-12", "2026-01", "2026-02", "2026-03"):
            cached = month_cache.indicator_counts(conn, month=month, now=LATER, **_params(conn, month))
            assert cached.equals(_live(conn, month, LATER)), month


def _params(conn, month):
    from dashboard.domain import three_rates as tr

    rules = rules_for_month(conn, month)
    p = tr.period_for_month(month, rules)
    return {"limits": en._limits(rules), "required": en.required_heads(rules), "period": (p.start, p.end)}


def test_stored_row_is_what_readers_get_and_only_when_settled(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    month = "2026-01"
    fake = {k: [7, 9] for k in qa.INDICATOR_KEYS}
    fake[month_cache.THREE_RATES_KEY] = {"population": 5, "contacted": 4, "resolved": 3, "satisfied": 2,
                                         "basic_satisfied": 1}
    with engine.begin() as conn:
        conn.execute(month_counts.update().where(month_counts.c.month == month).values(
            counts=__import__("json").dumps(fake)))
    with engine.connect() as conn:
        p = _params(conn, month)
        # settled for NOW: the stored row is read (the planted figures prove it)
        got, three = month_cache.month_counts_for(conn, month=month, now=NOW, **p)
        assert set(got["numerator"]) == {7} and set(got["denominator"]) == {9}
        assert three["population"] == 5 and three["basic_satisfied"] == 1
        # not settled: a `now` inside the month's running clocks, or before the latest event
        for now in (datetime(2026, 2, 1, 0, 30), datetime(2026, 3, 10, 12, 0)):
            got = month_cache.indicator_counts(conn, month=month, now=now, **p)
            assert got.equals(_live(conn, month, now)), now
        # other limits (a new rules version): the row does not apply
        other = dict(p, limits=dict(p["limits"], sign=p["limits"]["sign"] + 60))
        got = month_cache.indicator_counts(conn, month=month, now=NOW, **other)
        assert set(got["numerator"]) != {7}


def test_import_into_a_settled_month_drops_and_refills_it(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    with engine.connect() as conn:
        before = _stored(conn)
        no, closed = conn.execute(sa.select(ticket_facts.c.ticket_no, ticket_facts.c.closed_at).where(
            ticket_facts.c.stage == "已办结", ticket_facts.c.closed_at >= datetime(2026, 1, 5),
            ticket_facts.c.closed_at < datetime(2026, 1, 20)).order_by(ticket_facts.c.ticket_no).limit(1)).one()
    rows = [{"工单编号": no, "操作时间": "2026-01-25 09:00:00", "操作": "重办", "工号": "", "单位": "",
             "说明": "市级审核退回"}]
    res = ingest.run_import(engine, "events", "late.csv", _csv(rows), username="t")
    assert res.status == "ok", res.message
    with engine.connect() as conn:
        after = _stored(conn)
        assert set(before) <= set(after)   # the import counts as of the real clock: later months settle too
        assert after["2025-12"] == before["2025-12"]
        assert after["2026-01"] != before["2026-01"]
        live = _live(conn, "2026-01", NOW)
        assert month_cache.indicator_counts(conn, month="2026-01", now=NOW, **_params(conn, "2026-01")).equals(live)
        esc = live.set_index("key").loc["qc_escape_rate"]
        assert esc["numerator"] == __import__("json").loads(before["2026-01"])["qc_escape_rate"][0] + 1


def test_month_result_is_the_same_with_and_without_stored_counts(engine):
    generate(engine, days=70, tickets_per_day=40, seed=3, end=END, now=NOW)
    with engine.connect() as conn:
        with_rows = [en.kpi_json(en.compute(conn, m, NOW)) for m in ("2025-12", "2026-01", "2026-02")]
    with engine.begin() as conn:
        month_cache.invalidate_all(conn)
    with engine.connect() as conn:
        assert _stored(conn) == {}
        without = [en.kpi_json(en.compute(conn, m, NOW)) for m in ("2025-12", "2026-01", "2026-02")]
    assert with_rows[2]["three_rates"]["population"] > 0
    assert with_rows == without
