"""Known answers for queries.backlog on a hand-built backlog at 2026-01-15 10:30 (both engines)."""
import pytest

from queries import backlog
from tests.support.live_fixture import NOW, event, load, ticket


@pytest.fixture
def db(engine):
    rows = [
        ticket("B1", "2026-01-15 10:00:00"),                                           # 待签收, < 1 d
        ticket("B2", "2026-01-14 09:00:00", street="新华街道", unit="区城市管理委员会"),   # 办理中, 1–3 d
        ticket("B3", "2026-01-07 10:00:00", unit="区水务局", category_l1="住房"),        # 待质检, > 7 d, overdue 1 d 30 min
        ticket("B4", "2026-01-09 12:00:00", unit="区水务局"),                           # 待办结, 3–7 d, at risk
        ticket("B5", "2026-01-15 08:00:00", urgency="紧急", sla_class="紧急"),           # 待派单, overdue 30 min
        ticket("B6", "2026-01-10 08:00:00"),                                            # closed
        ticket("B7", "2026-01-10 08:00:00"),                                            # returned to the city
        ticket("B8", "2026-01-15 11:00:00"),                                            # after now
        ticket("B9", "2026-01-15 09:00:00"),                                            # 退单审核中
        ticket("B10", "2026-01-15 08:30:00", sla_class="紧急"),                         # deadline == now: at risk
    ]
    events = [
        event("B2", "2026-01-14 09:10:00", "SIGN"), event("B2", "2026-01-14 09:30:00", "DISPATCH", "区城市管理委员会"),
        event("B3", "2026-01-07 10:05:00", "SIGN"), event("B3", "2026-01-07 10:20:00", "DISPATCH", "区水务局"),
        event("B3", "2026-01-09 10:00:00", "REPLY"),
        event("B4", "2026-01-09 12:05:00", "SIGN"), event("B4", "2026-01-09 12:20:00", "DISPATCH", "区水务局"),
        event("B4", "2026-01-10 12:00:00", "REPLY"), event("B4", "2026-01-10 13:00:00", "QC_PASS"),
        event("B5", "2026-01-15 08:10:00", "SIGN"),
        event("B6", "2026-01-10 08:10:00", "SIGN"), event("B6", "2026-01-10 09:00:00", "DISPATCH", "区水务局"),
        event("B6", "2026-01-11 09:00:00", "CLOSE"),
        event("B7", "2026-01-10 08:10:00", "SIGN"), event("B7", "2026-01-10 08:20:00", "RETURN_REQUEST"),
        event("B7", "2026-01-10 12:00:00", "RETURN_APPROVED"),
        event("B9", "2026-01-15 09:05:00", "SIGN"), event("B9", "2026-01-15 09:10:00", "RETURN_REQUEST"),
    ]
    load(engine, rows, events)
    return engine


def test_backlog_by_stage(db):
    with db.connect() as conn:
        df = backlog.backlog_by(conn, now=NOW, dimension="stage")
    got = {r.key: (r.tickets, r.overdue, r.at_risk) for r in df.itertuples()}
    assert got == {"待签收": (2, 0, 1), "办理中": (1, 0, 0), "待质检": (1, 1, 0), "待办结": (1, 0, 1),
                   "待派单": (1, 1, 0), "退单审核中": (1, 0, 0)}


def test_backlog_by_age_and_street(db):
    with db.connect() as conn:
        age = backlog.backlog_by(conn, now=NOW, dimension="age")
        street = backlog.backlog_by(conn, now=NOW, dimension="street")
        unit = backlog.backlog_by(conn, now=NOW, dimension="unit")
    assert dict(zip(age["key"], age["tickets"], strict=True)) == {"< 1 天": 4, "1–3 天": 1, "3–7 天": 1, "> 7 天": 1}
    assert dict(zip(street["key"], street["tickets"], strict=True)) == {"中仓街道": 6, "新华街道": 1}
    assert dict(zip(unit["key"], unit["tickets"], strict=True)) == {"（未派单）": 4, "区水务局": 2, "区城市管理委员会": 1}


def test_totals(db):
    with db.connect() as conn:
        assert backlog.backlog_totals(conn, now=NOW) == {"open": 7, "overdue": 2, "at_risk": 2}


def test_overdue_and_at_risk_lists(db):
    with db.connect() as conn:
        over = backlog.attention_list(conn, now=NOW, kind="overdue")
        risk = backlog.attention_list(conn, now=NOW, kind="at_risk")
    assert list(over["ticket_no"]) == ["B3", "B5"]
    assert list(over["seconds"]) == [88200, 1800]
    assert list(risk["ticket_no"]) == ["B10", "B4"]
    assert list(risk["seconds"]) == [0, 91800]
    assert list(over["stage"]) == ["待质检", "待派单"]


def test_timeline_stops_at_now(db):
    with db.connect() as conn:
        tl = backlog.ticket_events_of(conn, ticket_no="B4", now=NOW)
    assert list(tl["action"]) == ["SIGN", "DISPATCH", "REPLY", "QC_PASS"]
