"""Known answers for the 三率 rankings (queries.three_rates.unit_counts + dashboard.services.rankings)."""
from fractions import Fraction

import pytest

from dashboard.services import rankings, rollups
from domain import three_rates as tr
from queries import three_rates as q
from tests.support.live_fixture import NOW, event, load, ticket

P = tr.period_for_month("2026-01")
PREV = tr.period_for_month("2025-12")


def full(no, received, unit, **kw):
    base = dict(unit=unit, callback_valid=True, contacted=True, resolved=True, satisfaction="满意")
    base.update(kw)
    return ticket(no, received, **base)


@pytest.fixture
def db(engine):
    rows = [
        full("Z1", "2026-01-10 09:00:00", "中仓街道"),
        full("Z2", "2026-01-10 09:00:00", "中仓街道", resolved=False, satisfaction="基本满意"),
        full("Z3", "2026-01-10 09:00:00", "中仓街道", callback_valid=False),          # not 有效回访
        full("Z4", "2026-01-10 09:00:00", "中仓街道", in_assessment=False),           # not assessed
        full("X1", "2025-12-19 00:00:00", "新华街道"),                                  # first second of P
        full("X2", "2026-01-18 23:59:59", "新华街道"),                                  # last second of P
        full("W1", "2026-01-10 09:00:00", "玉桥街道"), full("W2", "2026-01-11 09:00:00", "玉桥街道"),
        *[full(f"Y{i}", "2026-01-10 09:00:00", "北苑街道", contacted=False, resolved=False, satisfaction="不满意")
          for i in (1, 2, 3)],
        full("Y9", "2026-01-19 00:00:00", "北苑街道"),                                  # next period
        full("D1", "2026-01-10 09:00:00", "区水务局"),
        full("D2", "2026-01-10 09:00:00", "通州区自来水公司", contacted=False, resolved=False, satisfaction=None),
        full("Z0", "2025-12-01 09:00:00", "中仓街道"),                                  # previous period
    ]
    load(engine, rows, [event("Z1", "2026-01-11 09:00:00", "CLOSE"), event("Z2", "2026-01-16 09:00:00", "CLOSE")])
    return engine


def counts(engine, period, kind):
    with engine.connect() as conn:
        return q.unit_counts(conn, start=period.start, end=period.end, now=NOW, kind=kind)


def test_street_counts(db):
    df = counts(db, P, "street").set_index("unit")
    assert len(df) == 22
    assert df.loc["中仓街道"].tolist() == [4, 1, 2, 2, 1, 1, 1]   # Z2 closed after now
    assert df.loc["新华街道"].tolist() == [2, 0, 2, 2, 2, 2, 0]
    assert df.loc["北苑街道", "received"] == 3
    assert df.loc["宋庄镇"].tolist() == [0] * 7


def test_street_ranking(db):
    rows, total = rankings.ranking(counts(db, P, "street"))
    top = [(r.rank, r.unit, r.composite) for r in rows[:4]]
    assert top == [(1, "新华街道", 100), (2, "玉桥街道", 100), (3, "中仓街道", Fraction(73)), (4, "北苑街道", 0)]
    z = rows[2]
    assert (z.response_rate, z.resolution_rate, z.satisfaction_rate) == (1, Fraction(1, 2), Fraction(19, 20))
    assert rows[4].composite is None
    assert (total.received, total.population, total.contacted, total.resolved, total.satisfied,
            total.basic_satisfied) == (11, 9, 6, 5, 5, 1)
    assert total.composite == Fraction(546, 9)


def test_department_ranking(db):
    df = counts(db, P, "department")
    assert len(df) == 30    # 22 departments + 8 companies
    rows, _ = rankings.ranking(df)
    assert [(r.rank, r.unit) for r in rows[:2]] == [(1, "区水务局"), (2, "通州区自来水公司")]
    assert rows[1].composite == 0


def test_change_against_previous_period(db):
    cur, _ = rankings.ranking(counts(db, P, "street"))
    prev, _ = rankings.ranking(counts(db, PREV, "street"))
    ch = rankings.changes(cur, prev)
    assert ch["中仓街道"] == rankings.Change(Fraction(-27), -2)
    assert ch["新华街道"] == rankings.Change(None, None)


def test_periods_counts_and_district_agree(db):
    with db.connect() as conn:
        trend = q.periods_counts(conn, periods=[(p.label, p.start, p.end) for p in (PREV, P)])
        district = q.district_counts(conn, start=P.start, end=P.end)
    assert trend["label"].tolist() == ["2025-12", "2026-01"]
    assert trend.iloc[1][q.DISTRICT_COUNTS_COLUMNS].tolist() == list(district.values())
    assert district["population"] == 11     # 9 streets + 2 departments
    assert trend.iloc[0]["population"] == 1


# --- the rollup path: the same counts from rollup_daily + facts as from the tickets ----

@pytest.fixture
def rolled(db):
    with db.begin() as conn:
        rollups.rebuild_all(conn)
    return db


def _both_kinds(engine, period):
    with engine.connect() as conn:
        return {k: q.unit_counts(conn, start=period.start, end=period.end, now=NOW, kind=k)
                for k in ("street", "department")}


def test_rollup_path_gives_the_ticket_answers(rolled, monkeypatch):
    def no_join(*a, **k):
        raise AssertionError("the rollups cover the period: the tickets join must not run")

    monkeypatch.setattr(q, "_ranking_counts_joined", no_join)
    via_rollups = {p.label: _both_kinds(rolled, p) for p in (P, PREV)}
    street = via_rollups["2026-01"]["street"].set_index("unit")
    assert street.loc["中仓街道"].tolist() == [4, 1, 2, 2, 1, 1, 1]     # Z2 closed after now
    assert street.loc["新华街道"].tolist() == [2, 0, 2, 2, 2, 2, 0]     # first and last second of P
    assert via_rollups["2025-12"]["street"].set_index("unit").loc["中仓街道", "received"] == 1
    monkeypatch.undo()
    monkeypatch.setattr(q, "_ranking_counts_rolled", lambda *a, **k: None)
    via_tickets = {p.label: _both_kinds(rolled, p) for p in (P, PREV)}
    for label in via_tickets:
        for kind in ("street", "department"):
            assert via_rollups[label][kind].equals(via_tickets[label][kind]), (label, kind)


def test_rollup_path_falls_back_when_a_ticket_has_no_unit_but_a_dispatch(rolled, monkeypatch):
    """facts.unit is the dispatch unit of a ticket without one: the rollups (by tickets.unit)
    and the facts then disagree on such tickets, and the counts come from the tickets."""
    load(rolled, [full("N1", "2026-01-10 10:00:00", None)],
         [event("N1", "2026-01-10 10:05:00", "DISPATCH", "中仓街道"), event("N1", "2026-01-11 10:00:00", "CLOSE")])
    with rolled.begin() as conn:
        rollups.refresh_days(conn, ["2026-01-10"])
    seen = []
    real = q._ranking_counts_rolled
    monkeypatch.setattr(q, "_ranking_counts_rolled", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    street = _both_kinds(rolled, P)["street"].set_index("unit")
    assert seen == [None, None]                     # street and department: both fell back
    assert street.loc["中仓街道"].tolist() == [4, 1, 2, 2, 1, 1, 1]     # N1 has no tickets.unit: not ranked


@pytest.mark.parametrize("with_rollups", [False, True])
def test_counts_without_now_are_the_ranking_basis(db, with_rollups):
    """now=None skips 办结量 (0) and nothing else: the same ranks and composites, on either path."""
    if with_rollups:
        with db.begin() as conn:
            rollups.rebuild_all(conn)
    with db.connect() as conn:
        for period in (P, PREV):
            full_ = q.ranking_counts(conn, start=period.start, end=period.end, now=NOW)
            basis = q.ranking_counts(conn, start=period.start, end=period.end, now=None)
            assert (basis["closed"] == 0).all() and (full_["closed"].sum() > 0 or period is PREV)
            assert basis.drop(columns="closed").equals(full_.drop(columns="closed"))
            for kind in ("street", "department"):
                pick = [k in q.RANKING_KINDS[kind] for k in full_["kind"]]
                a, _ = rankings.ranking(full_[pick][q.UNIT_COUNTS_COLUMNS])
                b, _ = rankings.ranking(basis[pick][q.UNIT_COUNTS_COLUMNS])
                assert [(r.rank, r.unit, r.composite) for r in a] == [(r.rank, r.unit, r.composite) for r in b]
