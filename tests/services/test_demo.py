"""The demo generator: deterministic, well-formed histories, staff on shift, realistic shares, facts and
event clocks equal to a rebuild, demo users from the command line, the SQLite journal during the load."""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.cli import demo as demo_cli
from dashboard.cli import main as cli
from dashboard.infra.db import make_engine
from dashboard.services import facts, users
from dashboard.services.demo import generate, generator, surge_days
from dashboard.services.demo.generator import DemoError
from dashboard.services.rules_store import rules_for_month
from queries.schema import event_clocks, reports, shifts, staff, ticket_events, ticket_facts, tickets

END = date(2025, 12, 20)          # a Saturday; window 2025-12-16 .. 12-20
NOW = datetime(2025, 12, 20, 23, 59, 59)

VENDOR_ROLE = {
    "SIGN": {"派单专员"}, "DISPATCH": {"派单专员"}, "REDISPATCH": {"派单专员"}, "URGE": {"派单专员"},
    "RETURN_REQUEST": {"退单专员"}, "QC_PASS": {"质检专员"}, "QC_REJECT": {"质检专员"},
    "CLOSE": {"派单专员", "质检专员"}, "VERIFY_ASSIGN": {"业务主管"}, "VERIFY_DONE": {"协查专员"},
}
UNIT_ACTIONS = {"UNIT_RETURN", "EXTEND_REQUEST", "CONTACT", "REPLY"}
CITY_ACTIONS = {"RETURN_APPROVED", "RETURN_REJECTED", "EXTEND_APPROVED", "REOPEN"}
SHIFT_OF_HOUR = ["夜班"] * 8 + ["早班"] * 8 + ["中班"] * 8


def _small(engine, seed=7):
    return generate(engine, days=5, tickets_per_day=60, seed=seed, end=END, now=NOW)


def _ticket_rows(engine):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.select(tickets).order_by(tickets.c.ticket_no))]


def _events(engine):
    with engine.connect() as c:
        return c.execute(sa.select(ticket_events.c.ticket_no, ticket_events.c.at, ticket_events.c.action,
                                   ticket_events.c.staff_no, ticket_events.c.unit, ticket_events.c.detail)
                         .order_by(ticket_events.c.id)).all()


def test_deterministic_per_seed(engine):
    first = _small(engine, seed=7)
    rows_a, events_a = _ticket_rows(engine), Counter(e.action for e in _events(engine))
    second = _small(engine, seed=7)     # also proves a re-run replaces the previous data
    rows_b, events_b = _ticket_rows(engine), Counter(e.action for e in _events(engine))
    assert first.tickets == second.tickets == len(rows_a) > 250
    assert rows_a == rows_b and events_a == events_b
    _small(engine, seed=8)
    assert _ticket_rows(engine) != rows_a


def test_histories_well_formed_and_actors_on_shift(engine):
    _small(engine)
    with engine.connect() as c:
        received = dict(c.execute(sa.select(tickets.c.ticket_no, tickets.c.received_at)).all())
        role_of = dict(c.execute(sa.select(staff.c.staff_no, staff.c.role)).all())
        present = {(r.staff_no, r.day, r.shift) for r in c.execute(sa.select(shifts)) if r.present}
        n_facts = c.execute(sa.select(sa.func.count()).select_from(ticket_facts)).scalar_one()
    assert n_facts == len(received)
    by_ticket = defaultdict(list)
    for e in _events(engine):
        by_ticket[e.ticket_no].append(e)
    checked = Counter()
    for no, evs in by_ticket.items():
        ats = [e.at for e in evs]
        assert ats == sorted(ats), no
        assert ats[0] >= received[no] and ats[-1] <= NOW
        assert evs[0].action == "SIGN"
        for e in evs:
            if e.action in VENDOR_ROLE:
                assert role_of.get(e.staff_no) in VENDOR_ROLE[e.action], (no, e)
                assert (e.staff_no, e.at.date(), SHIFT_OF_HOUR[e.at.hour]) in present, (no, e)
                checked[e.action] += 1
            elif e.action in UNIT_ACTIONS:
                assert e.staff_no == "" and e.unit != "", (no, e)
            else:
                assert e.action in CITY_ACTIONS and e.staff_no == "", (no, e)
            if e.action == "VERIFY_ASSIGN":
                assert role_of[e.detail] == "协查专员"
                done = [d for d in evs if d.action == "VERIFY_DONE"]
                assert not done or done[0].staff_no == e.detail
            if e.action == "VERIFY_DONE":
                assert e.detail in ("属实", "不属实", "无法核实")
            if e.action == "EXTEND_APPROVED":
                assert e.detail.isdigit()
            if e.action == "REOPEN":
                assert e.detail in ("callback", "city_qc")
    assert checked["SIGN"] == len(received) and checked["CLOSE"] > 0


def test_backlog_spans_stages_and_surge_day(engine):
    _small(engine)
    with engine.connect() as c:
        stages = Counter(dict(c.execute(sa.select(ticket_facts.c.stage, sa.func.count())
                                        .where(ticket_facts.c.is_open).group_by(ticket_facts.c.stage)).all()))
        per_day = Counter(dict(c.execute(sa.select(ticket_facts.c.received_day, sa.func.count())
                                         .group_by(ticket_facts.c.received_day)).all()))
        n_reports = c.execute(sa.select(sa.func.count()).select_from(reports)).scalar_one()
    assert len(stages) >= 3 and stages["办理中"] > 0
    [surge] = surge_days(END, 5)
    assert surge.weekday() < 5 and END - timedelta(days=4) <= surge <= END
    assert per_day[surge] >= 1.5 * statistics.median(per_day.values())
    assert n_reports >= 5


def test_shares_within_bands(sqlite_engine):
    end = date(2026, 6, 30)
    result = generate(sqlite_engine, days=10, tickets_per_day=200, seed=3, end=end,
                      now=datetime(2026, 6, 30, 23, 59, 59))
    with sqlite_engine.connect() as c:
        with_action = dict(c.execute(sa.select(ticket_events.c.action,
                                               sa.func.count(sa.distinct(ticket_events.c.ticket_no)))
                                     .group_by(ticket_events.c.action)).all())
        stages = {r[0] for r in c.execute(sa.select(ticket_facts.c.stage).where(ticket_facts.c.is_open).distinct())}
        hours = Counter(r[0].hour for r in c.execute(sa.select(tickets.c.received_at)))
        cb = c.execute(sa.select(sa.func.avg(sa.case((ticket_facts.c.callback_valid, 1.0), else_=0.0)))
                       .where(ticket_facts.c.stage == "已办结",   # callbacks come up to 3 days later
                              ticket_facts.c.closed_at < datetime(2026, 6, 27))).scalar_one()
    n = result.tickets
    assert 0.03 <= with_action["RETURN_REQUEST"] / n <= 0.08
    assert 0.02 <= with_action["REDISPATCH"] / n <= 0.07
    assert 0.03 <= with_action["QC_REJECT"] / n <= 0.10
    assert with_action["RETURN_APPROVED"] > with_action.get("RETURN_REJECTED", 0)
    assert 0.05 <= with_action["VERIFY_ASSIGN"] / with_action["CLOSE"] <= 0.15
    assert {"办理中", "待质检", "退单审核中"} <= stages or len(stages) >= 4
    assert 0.02 <= sum(hours[h] for h in range(6)) / n <= 0.06
    assert hours[10] > 3 * hours[3]
    assert 0.65 <= cb <= 0.85


@pytest.mark.parametrize("days, per_day", [(0, 10), (5, 0)])
def test_refuses_bad_parameters(sqlite_engine, days, per_day):
    with pytest.raises(DemoError):
        generate(sqlite_engine, days=days, tickets_per_day=per_day, end=END, now=NOW)


def test_facts_match_a_rebuild_from_the_database(engine):
    _small(engine)
    cols = [c for c in ticket_facts.c]
    with engine.connect() as c:
        before = c.execute(sa.select(*cols).order_by(ticket_facts.c.ticket_no)).all()
    with engine.begin() as c:
        facts.rebuild_all(c, rules_for_month(c))
        after = c.execute(sa.select(*cols).order_by(ticket_facts.c.ticket_no)).all()
    assert before == after


def test_cli_creates_demo_users_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["--db", url, "demo", "--days", "2", "--tickets-per-day", "20", "--end", "2025-12-10"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    logins = tmp_path / demo_cli.logins_file(url)
    assert oct(logins.stat().st_mode & 0o777) == "0o600"
    lines = [ln.split("\t") for ln in logins.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert {ln[0] for ln in lines} == {f"demo_{r}" for r in ("leader", "reviewer", "manager", "supervisor",
                                                              "analyst", "display", "admin")}
    name, _, password = lines[0]
    assert len(password) == 16 and password in out
    with make_engine(url).connect() as c:
        assert users.verify_password(password, users.get(c, name)["password_hash"])
    assert cli.main(args) == 0        # a second run replaces the demo users instead of failing
    with make_engine(url).connect() as c:
        assert not users.verify_password(password, users.get(c, name)["password_hash"])
    assert cli.main(["--db", url, "demo", "--end", "2999-01-01"]) == 1
    assert "不能晚于今天" in capsys.readouterr().err


def test_sqlite_load_under_a_rollback_journal_only_when_alone(tmp_path):
    """The demo switches a SQLite file to a rollback journal for the load (half the writes of WAL)
    and back to WAL after; with another connection open it stays in WAL. Same data either way."""
    url = f"sqlite:///{tmp_path / 'j.db'}"
    eng = make_engine(url)
    seen = []

    original = generator._rollback_journal

    def spy(conn):
        got = original(conn)
        seen.append((got, conn.exec_driver_sql("PRAGMA journal_mode").scalar()))
        conn.commit()
        return got

    generator._rollback_journal = spy
    try:
        _small(eng)
        alone = _ticket_rows(eng)
        other = make_engine(url)
        with other.connect() as reader:
            reader.exec_driver_sql("SELECT count(*) FROM tickets").all()
            _small(eng)
        assert _ticket_rows(eng) == alone
    finally:
        generator._rollback_journal = original
    assert seen == [(True, "delete"), (False, "wal")]
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    eng.dispose()
    other.dispose()


def test_rebuild_gives_the_same_event_clocks(engine):
    generate(engine, days=10, tickets_per_day=60, seed=5, end=date(2026, 3, 10), now=datetime(2026, 3, 10, 15, 30))
    cols = [event_clocks.c.ticket_no, event_clocks.c.kind, event_clocks.c.at, event_clocks.c.ref_at,
            event_clocks.c.flag]
    with engine.connect() as c:
        before = sorted(c.execute(sa.select(*cols)).all(), key=repr)
    with engine.begin() as c:
        facts.rebuild_all(c, rules_for_month(c))
    with engine.connect() as c:
        after = sorted(c.execute(sa.select(*cols)).all(), key=repr)
    assert before and before == after
