"""质检台账 and the QC report counts on a hand-counted fixture (tests/support/qc_fixture.py), on SQLite
and PostgreSQL: periods are half-open, events after `now` do not exist."""
from datetime import date, datetime

import pytest

from domain.ledgers import previous_period, qc_period
from queries import qc_ledger as q
from tests.support.qc_fixture import NOW, load

QC_LIMIT = 2 * 3600


@pytest.fixture
def db(engine):
    load(engine)
    return engine


def totals(conn, kind, day, now=NOW):
    start, end = qc_period(kind, day)
    return q.qc_totals(conn, start=start, end=end, now=now, qc_limit=QC_LIMIT)


def groups(conn, dimension, kind, day, now=NOW):
    start, end = qc_period(kind, day)
    df = q.qc_groups(conn, dimension=dimension, start=start, end=end, now=now, qc_limit=QC_LIMIT)
    return {r.key: (r.events, r.rejects, r.judged, r.on_time, r.escapes) for r in df.itertuples()}


def test_daily_counts(db):
    with db.connect() as conn:
        assert totals(conn, "qc-daily", date(2026, 1, 5)) == {
            "events": 4, "rejects": 2, "judged": 4, "on_time": 3, "closes": 2, "escapes": 1}
        assert totals(conn, "qc-daily", date(2026, 1, 4)) == {
            "events": 1, "rejects": 0, "judged": 0, "on_time": 0, "closes": 0, "escapes": 0}
        assert groups(conn, "defect", "qc-daily", date(2026, 1, 5)) == {"回复不完整": (1, 1, 1, 1, 0), "未注明": (1, 1, 1, 1, 0)}
        assert groups(conn, "staff", "qc-daily", date(2026, 1, 5)) == {"Q1": (3, 2, 3, 2, 0), "Q2": (1, 0, 1, 1, 1)}
        assert groups(conn, "unit", "qc-daily", date(2026, 1, 5)) == {"永顺镇": (2, 1, 2, 2, 1), "梨园镇": (2, 1, 2, 1, 0)}


def test_weekly_counts(db):
    with db.connect() as conn:
        assert totals(conn, "qc-weekly", date(2026, 1, 8)) == {
            "events": 7, "rejects": 3, "judged": 7, "on_time": 6, "closes": 3, "escapes": 1}
        assert totals(conn, "qc-weekly", date(2026, 1, 12))["escapes"] == 1     # G's CLOSE at 00:00:00
        assert totals(conn, "qc-weekly", date(2026, 1, 1)) == {
            "events": 3, "rejects": 1, "judged": 2, "on_time": 2, "closes": 0, "escapes": 0}


def test_monthly_counts(db):
    with db.connect() as conn:
        assert totals(conn, "qc-monthly", date(2026, 1, 20)) == {
            "events": 9, "rejects": 4, "judged": 8, "on_time": 7, "closes": 4, "escapes": 2}
        assert groups(conn, "defect", "qc-monthly", date(2026, 1, 1)) == {
            "回复不完整": (2, 2, 2, 2, 0), "未注明": (1, 1, 1, 1, 0), "未联系诉求人": (1, 1, 1, 1, 0)}
        assert groups(conn, "staff", "qc-monthly", date(2026, 1, 1)) == {
            "Q1": (6, 3, 5, 4, 1), "Q2": (3, 1, 3, 3, 1)}
        assert groups(conn, "unit", "qc-monthly", date(2026, 1, 1)) == {
            "梨园镇": (4, 2, 3, 2, 0), "宋庄镇": (3, 1, 3, 3, 1), "永顺镇": (2, 1, 2, 2, 1)}
        # February so far: the 00:00:00 reject and the one exactly at now; the 10:00:01 pass does not exist
        assert totals(conn, "qc-monthly", date(2026, 2, 1))["events"] == 2
        # one second earlier the reject at now does not exist either, nor F's escape (reopened after now)
        assert totals(conn, "qc-monthly", date(2026, 2, 1), now=datetime(2026, 2, 1, 9, 59, 59))["events"] == 1


def test_ledger_rows(db):
    start, end = qc_period("qc-daily", date(2026, 1, 5))
    with db.connect() as conn:
        df = q.qc_ledger(conn, start=start, end=end, now=NOW, qc_limit=QC_LIMIT)
        rejects = q.qc_ledger(conn, start=start, end=end, now=NOW, qc_limit=QC_LIMIT, action="QC_REJECT", staff_no="Q1")
    assert list(df["ticket_no"]) == ["B", "A", "A", "B"]
    assert list(df["action"]) == ["QC_REJECT", "QC_REJECT", "QC_PASS", "QC_REJECT"][:3] + ["QC_PASS"]
    assert list(df["defect"]) == ["未注明", "回复不完整", "", ""]
    assert list(df["unit"]) == ["梨园镇", "永顺镇", "永顺镇", "梨园镇"]
    assert list(df["on_time"]) == [True, True, True, False]
    assert list(df["minutes_since_reply"]) == [120.0, 60.0, 120.0, pytest.approx(120 + 1 / 60)]
    assert list(df["escaped"]) == [False, False, True, False]
    assert list(rejects["ticket_no"]) == ["B", "A"]


def test_previous_period_of_an_unfinished_one():
    start, end = qc_period("qc-monthly", date(2026, 2, 1))
    assert previous_period("qc-monthly", start, end, NOW) == (
        datetime(2026, 1, 1), datetime(2026, 2, 1), datetime(2026, 1, 1, 10, 0, 0))
    start, end = qc_period("qc-weekly", date(2026, 1, 8))
    assert previous_period("qc-weekly", start, end, NOW) == (datetime(2025, 12, 29), datetime(2026, 1, 5), datetime(2026, 1, 5))


def test_defect_counts_for_measures(db):
    with db.connect() as conn:
        assert q.defect_counts(conn, start=datetime(2026, 1, 1), end=datetime(2026, 2, 1), now=NOW,
                               defect="回复不完整") == (2, 9)
        assert q.defect_counts(conn, start=datetime(2026, 1, 1), end=datetime(2026, 2, 1), now=NOW) == (4, 9)
