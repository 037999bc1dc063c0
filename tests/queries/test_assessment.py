"""The derived per-event clocks (queries.schema.event_clocks) and facts.first_redispatch_at give
the monthly counts of DESIGN 4 exactly as the correlated look-ups over raw events do (issue 8:
rollup-vs-raw equality), after the demo load, after imports and at any `now`."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from dashboard.services import facts, ingest
from dashboard.services.assessment.engine import _limits
from dashboard.services.demo import generate
from dashboard.services.rules_store import rules_for_month
from domain.lifecycle import event_clocks
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


def test_rebuild_gives_the_same_event_clocks(engine):
    generate(engine, days=10, tickets_per_day=60, seed=5, end=END, now=NOW)
    cols = [ec_table.c.ticket_no, ec_table.c.kind, ec_table.c.at, ec_table.c.ref_at, ec_table.c.flag]
    with engine.connect() as c:
        before = sorted(c.execute(sa.select(*cols)).all(), key=repr)
    with engine.begin() as c:
        facts.rebuild_all(c, rules_for_month(c))
    with engine.connect() as c:
        after = sorted(c.execute(sa.select(*cols)).all(), key=repr)
    assert before and before == after




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


def _e(at, action, detail=""):
    return (datetime.fromisoformat(at), action, "", "", detail)


def test_event_clocks_of_one_history():
    evs = [
        _e("2026-01-01 09:00", "REPLY"),
        _e("2026-01-01 10:00", "QC_REJECT"),
        _e("2026-01-01 11:00", "REPLY"),
        _e("2026-01-01 11:00", "QC_PASS"),          # same second as the reply, after it
        _e("2026-01-01 12:00", "CLOSE"),
        _e("2026-01-02 08:00", "REOPEN", "群众不满意"),  # not the city's QC
        _e("2026-01-02 09:00", "REOPEN", "市级审核退回"),
        _e("2026-01-02 10:00", "REOPEN", "city_qc"),   # a later one answers nothing new
        _e("2026-01-03 10:00", "REPLY"),
        _e("2026-01-03 11:00", "CLOSE"),                # reply after the last QC: not covered
        _e("2026-01-04 09:00", "VERIFY_ASSIGN"),
        _e("2026-01-04 09:00", "VERIFY_DONE"),
        _e("2026-01-04 12:00", "VERIFY_ASSIGN"),
    ]
    t = datetime.fromisoformat
    assert event_clocks(evs) == [
        ("reply", t("2026-01-01 09:00"), t("2026-01-01 10:00"), None),
        ("qc", t("2026-01-01 10:00"), t("2026-01-01 09:00"), None),
        ("reply", t("2026-01-01 11:00"), t("2026-01-01 11:00"), None),
        ("qc", t("2026-01-01 11:00"), t("2026-01-01 11:00"), None),
        ("close", t("2026-01-01 12:00"), t("2026-01-02 09:00"), True),
        ("reply", t("2026-01-03 10:00"), None, None),
        ("close", t("2026-01-03 11:00"), None, False),
        ("verify", t("2026-01-04 09:00"), t("2026-01-04 09:00"), None),
        ("verify", t("2026-01-04 12:00"), None, None),
    ]
    assert event_clocks([]) == []


@pytest.mark.parametrize("order", ["reply_first", "qc_first"])
def test_tied_timestamps_follow_database_order(order):
    """At equal timestamps the database order (id) decides 'before' for coverage and the latest
    reply, while 'at or after' for the reply clock is by time alone."""
    reply, qc = _e("2026-01-01 11:00", "REPLY"), _e("2026-01-01 11:00", "QC_PASS")
    evs = [reply, qc] if order == "reply_first" else [qc, reply]
    evs.append(_e("2026-01-01 12:00", "CLOSE"))
    kinds = {k: (ref, flag) for k, _, ref, flag in event_clocks(evs)}
    t = datetime.fromisoformat("2026-01-01 11:00")
    assert kinds["reply"] == (t, None)
    if order == "reply_first":
        assert kinds["qc"] == (t, None) and kinds["close"][1] is True
    else:
        assert kinds["qc"] == (None, None) and kinds["close"][1] is False


def test_upgrading_a_database_with_events_derives_the_clocks(engine):
    """A database from before revision 0003 (events, no event clocks) gets them at init-db."""
    from alembic import command

    from dashboard.infra.db import alembic_config
    from dashboard.services.bootstrap import init_db

    generate(engine, days=12, tickets_per_day=50, seed=9, end=END, now=NOW)
    q = [sa.select(sa.func.count(), sa.func.count(ec_table.c.ref_at)).select_from(ec_table),
         sa.select(sa.func.count(ticket_facts.c.first_redispatch_at))]
    with engine.connect() as c:
        before = [c.execute(x).one() for x in q]
    assert before[0][0] > 0 and before[1][0] > 0
    from alembic.script import ScriptDirectory

    with engine.begin() as c:
        head = ScriptDirectory.from_config(alembic_config(c)).get_current_head()
        command.downgrade(alembic_config(c), "0002")
    assert init_db(engine) == head
    with engine.connect() as c:
        assert [c.execute(x).one() for x in q] == before
    _assert_equal(engine, months=("2026-03",), nows=(NOW,))
