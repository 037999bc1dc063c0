"""The derived per-event clocks (queries.schema.event_clocks) and facts.first_redispatch_at give
the monthly assessment counts exactly as the correlated look-ups over raw events do, after the demo
load, after imports and at any `now`."""
from datetime import date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from dashboard.infra.db import alembic_config
from dashboard.services import ingest
from dashboard.services.assessment.engine import _limits
from dashboard.services.bootstrap import init_db
from dashboard.services.demo import generate
from dashboard.services.rules_store import rules_for_month
from queries import assessment as qa
from queries.schema import event_clocks as ec_table
from queries.schema import ticket_facts
from tests.support.csv_rows import csv_bytes
from tests.support.reference_counts import raw_counts

END = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 15, 30)


def _counts(conn, month, now):
    rules = rules_for_month(conn, month)
    df = qa.indicator_counts(conn, month=month, now=now, limits=_limits(rules),
                             required={k: int(v) for k, v in rules.body["staffing"]["required"].items()})
    return {r.key: (r.numerator, r.denominator) for r in df.itertuples()}


def _assert_equal(engine, months=("2026-02", "2026-03"), nows=(NOW, datetime(2026, 3, 1, 0, 0),
                                                               datetime(2026, 2, 20, 11, 15, 30))):
    """The raw counts of the first month at the first `now`, after checking all combinations."""
    seen = {}
    with engine.connect() as conn:
        for month in months:
            for now in nows:
                raw = raw_counts(conn, month, now, _limits(rules_for_month(conn, month)))
                derived = _counts(conn, month, now)
                assert {k: derived[k] for k in raw} == raw, (month, now)
                seen[(month, now)] = raw
    return seen[(months[0], nows[0])]


def test_demo_load_counts_equal_raw(engine):
    generate(engine, days=40, tickets_per_day=80, seed=11, end=END, now=NOW)
    raw = _assert_equal(engine)
    # the demo has escapes, QC rejections, returns and re-dispatches: the comparison is not vacuous
    assert raw["qc_escape_rate"][0] > 0 and raw["dispatch_accuracy"][0] < raw["dispatch_accuracy"][1]
    assert raw["return_accuracy"][1] > 0 and raw["verify_on_time_rate"][1] > 0


def test_imported_events_keep_counts_equal_raw(engine):
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
    for i, (no, at) in enumerate(closed):
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
    q = [sa.select(sa.func.count(), sa.func.count(ec_table.c.ref_at)).select_from(ec_table),
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
