"""The assessment counts the product reports equal an independent count of the raw tables.

queries.assessment counts from the derived tables (ticket facts, per-event clocks); the engine's
month result adds the stored counts of settled days. tests/support/reference_counts.py counts the
same indicators again in plain Python from the rows of `tickets` and `ticket_events` alone, using
nothing of the product. Both must agree after a demo load, after imports of late events, after an
upgrade that derives the clocks, and at any `now`; and the reference itself gives the hand counts of
the hand-built December."""
from datetime import date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from dashboard.infra.db import alembic_config
from dashboard.services import ingest
from dashboard.services.assessment.engine import month_result
from dashboard.services.bootstrap import init_db
from dashboard.services.demo import generate
from domain.rules import Rules
from queries import assessment as qa
from queries.schema import event_clocks, ticket_facts
from tests.support import assessment_fixture as december
from tests.support.csv_rows import csv_bytes
from tests.support.reference_counts import KEYS, read_raw, reference_counts

END = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 15, 30)


def _product_counts(conn, month, now) -> tuple[dict, dict]:
    """(the query layer's counts under the default limits, the engine's month result's counts)."""
    df = qa.indicator_counts(conn, month=month, now=now, limits=Rules.default().limits(), required={})
    queried = {r.key: (r.numerator, r.denominator) for r in df.itertuples() if r.key in KEYS}
    result = month_result(conn, month, now)
    reported = {k: (result.indicator(k).numerator, result.indicator(k).denominator) for k in KEYS}
    return queried, reported


def _assert_equal(engine, months=("2026-02", "2026-03"), nows=(NOW, datetime(2026, 3, 1, 0, 0),
                                                               datetime(2026, 2, 20, 11, 15, 30))):
    """The reference counts of the first month at the first `now`, after checking all combinations."""
    seen = {}
    with engine.connect() as conn:
        raw = read_raw(conn)
        for month in months:
            for now in nows:
                want = reference_counts(raw, month, now)
                queried, reported = _product_counts(conn, month, now)
                assert queried == want, (month, now)
                assert reported == want, (month, now)
                seen[(month, now)] = want
    return seen[(months[0], nows[0])]


def test_reference_gives_the_hand_counts(engine):
    """The reference is right where every count is known by hand (and the product agrees)."""
    december.load(engine, tickets_=december.TICKETS, events=december.EVENTS)
    with engine.connect() as conn:
        want = {k: december.EXPECTED[k] for k in KEYS}
        assert reference_counts(read_raw(conn), "2025-12", december.NOW) == want
        assert _product_counts(conn, "2025-12", december.NOW) == (want, want)


def test_demo_load_counts_equal_the_reference(engine):
    generate(engine, days=40, tickets_per_day=80, seed=11, end=END, now=NOW)
    ref = _assert_equal(engine)
    # the demo has escapes, QC rejections, returns and re-dispatches: the comparison is not vacuous
    assert ref["qc_escape_rate"][0] > 0 and ref["dispatch_accuracy"][0] < ref["dispatch_accuracy"][1]
    assert ref["return_accuracy"][1] > 0 and ref["verify_on_time_rate"][1] > 0


def test_imported_events_keep_counts_equal_the_reference(engine):
    generate(engine, days=40, tickets_per_day=60, seed=7, end=END, now=NOW)
    with engine.connect() as conn:
        closed = conn.execute(sa.select(ticket_facts.c.ticket_no, ticket_facts.c.closed_at)
                              .where(ticket_facts.c.stage == "已办结", ticket_facts.c.redispatch_count == 0,
                                     ticket_facts.c.closed_at >= datetime(2026, 2, 1),
                                     ticket_facts.c.received_at >= datetime(2026, 2, 1),
                                     ticket_facts.c.closed_at < datetime(2026, 2, 25))
                              .order_by(ticket_facts.c.ticket_no).limit(3)).all()
    assert len(closed) == 3
    rows = []
    for i, (no, _closed_at) in enumerate(closed):
        # the city's QC sends a February close back in March: an escape of February's close
        rows.append({"工单编号": no, "操作时间": f"2026-03-0{i + 1} 09:00:00", "操作": "重办", "工号": "",
                     "单位": "", "说明": "市级审核退回"})
        rows.append({"工单编号": no, "操作时间": f"2026-03-0{i + 1} 10:00:00", "操作": "改派", "工号": "",
                     "单位": "", "说明": ""})
    before = _assert_equal(engine, months=("2026-02",), nows=(NOW,))
    res = ingest.run_import(engine, "events", "late.csv", csv_bytes(rows), username="t")
    assert res.status == "ok", res.message
    after = _assert_equal(engine, months=("2026-02", "2026-03"), nows=(NOW, datetime(2026, 3, 2, 9, 30)))
    assert after["qc_escape_rate"] == (before["qc_escape_rate"][0] + 3, before["qc_escape_rate"][1])
    assert after["dispatch_accuracy"] == (before["dispatch_accuracy"][0] - 3, before["dispatch_accuracy"][1])


def test_upgrading_a_database_with_events_derives_the_clocks(engine):
    """A database from before revision 0003 (events, no event clocks) gets them at init-db."""
    generate(engine, days=12, tickets_per_day=50, seed=9, end=END, now=NOW)
    q = [sa.select(sa.func.count(), sa.func.count(event_clocks.c.ref_at)).select_from(event_clocks),
         sa.select(sa.func.count(ticket_facts.c.first_redispatch_at))]
    with engine.connect() as c:
        before = [c.execute(x).one() for x in q]
    assert before[0][0] > 0 and before[1][0] > 0

    with engine.begin() as c:
        head = ScriptDirectory.from_config(alembic_config(c)).get_current_head()
        command.downgrade(alembic_config(c), "0002")
    assert init_db(engine) == head
    with engine.connect() as c:
        assert [c.execute(x).one() for x in q] == before
    _assert_equal(engine, months=("2026-03",), nows=(NOW,))
