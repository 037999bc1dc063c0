"""The ticket list, timeline and detail queries (both engines): filters, paging and as-of `now` on the
imported month, and SQL-looking input in every text filter — data, never SQL: it matches nothing
and changes nothing."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.services import facts
from domain.lifecycle import ACTIONS
from queries.schema import ticket_events, tickets
from queries.ticket_detail import DETAIL_KEYS, filter_options, ticket_detail
from queries.tickets import ticket_list, ticket_timeline
from tests.support.december_files import import_month
from tests.support.hostile_tickets import MD_CONTENT, XSS_TITLE, load

NOW = datetime(2026, 1, 15, 12, 0)
DEC_NOW = datetime(2025, 12, 20, 12, 0, 0)    # inside the imported month
HOSTILE = ["' OR '1'='1", "x'; DROP TABLE tickets; --", "%", "_", "\\", "1) OR (1=1", "\" OR \"\"=\""]
FILTERS = ["street", "unit", "category_l1", "appeal_type", "staff_no", "ticket_no_like"]


@pytest.fixture
def two_tickets(engine):
    with engine.begin() as conn:
        conn.execute(tickets.insert(), [
            {"ticket_no": "T100", "received_at": datetime(2026, 1, 15, 9), "street": "梨园镇", "unit": "梨园镇",
             "category_l1": "住房", "appeal_type": "投诉", "title": "<img src=x onerror=alert(1)>"},
            {"ticket_no": "T200", "received_at": datetime(2026, 1, 15, 10), "street": "宋庄镇", "unit": "宋庄镇",
             "category_l1": "交通管理", "appeal_type": "求助", "title": "正常"},
        ])
        conn.execute(ticket_events.insert().values(ticket_no="T100", at=datetime(2026, 1, 15, 9, 5),
                                                   action="SIGN", staff_no="P001"))
        facts.refresh(conn, ["T100", "T200"])
    return engine


@pytest.mark.parametrize("field", FILTERS)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_filter_matches_nothing(two_tickets, field, text):
    with two_tickets.connect() as conn:
        rows, total = ticket_list(conn, now=NOW, **{field: text})
        assert total == 0 and rows.empty
        assert conn.execute(sa.select(sa.func.count()).select_from(tickets)).scalar() == 2


def test_plain_filters_still_work(two_tickets):
    with two_tickets.connect() as conn:
        assert ticket_list(conn, now=NOW, street="梨园镇")[1] == 1
        assert ticket_list(conn, now=NOW, staff_no="P001")[1] == 1
        assert ticket_list(conn, now=NOW, ticket_no_like="T2")[1] == 1
        rows, _ = ticket_list(conn, now=NOW, ticket_no_like="T100")
        assert rows.loc[0, "title"] == "<img src=x onerror=alert(1)>"   # stored and returned verbatim


def test_ticket_list_filters(engine):
    import_month(engine)
    with engine.connect() as c:
        df, total = ticket_list(c, now=DEC_NOW, start=datetime(2025, 12, 1), end=datetime(2026, 1, 1))
        assert total == 11 and len(df) == 11 and df["ticket_no"].iloc[0] == "T010"   # newest first
        # facts know all events: T011 is closed (its CLOSE is after DEC_NOW, the export handles as-of)
        _, n = ticket_list(c, now=DEC_NOW, overdue=True)
        od, _ = ticket_list(c, now=DEC_NOW, overdue=True)
        assert sorted(od["ticket_no"]) == ["T002", "T005", "T007", "T011", "T012", "T013"] and n == 6
        page, total = ticket_list(c, now=DEC_NOW, limit=3, offset=3)
        assert total == 12 and len(page) == 3
        assert list(ticket_list(c, now=DEC_NOW, street="于家务回族乡")[0]["ticket_no"]) == ["T002"]
        assert list(ticket_list(c, now=DEC_NOW, staff_no="P002")[0]["ticket_no"]) == ["T009"]
        assert list(ticket_list(c, now=DEC_NOW, stages=["已退回"])[0]["ticket_no"]) == ["T009"]
        assert set(ticket_list(c, now=DEC_NOW, ticket_no_like="T00")[0]["ticket_no"]) == {
            "T001", "T002", "T003", "T004", "T005", "T006", "T007", "T009"}
        assert ticket_list(c, now=DEC_NOW, ticket_no_like="%")[1] == 0
        risk, _ = ticket_list(c, now=DEC_NOW, at_risk=True)
        assert set(risk["ticket_no"]) == {"T004", "T006", "T010", "T003"}
        assert list(ticket_list(c, now=DEC_NOW, unit="区生态环境局", appeal_type="投诉")[0]["ticket_no"]) == ["T006", "T007"]
        tl = ticket_timeline(c, "T009", labels=ACTIONS)
        assert list(tl["action_label"]) == ["签收", "申请退单", "退单通过"]
        assert list(tl["staff_no"]) == ["P001", "P002", ""]
        assert list(ticket_timeline(c, "T011", labels=ACTIONS, now=DEC_NOW)["action"]) == ["SIGN", "DISPATCH", "CONTACT"]


def test_ticket_detail_query(engine):
    load(engine)
    with engine.connect() as conn:
        d = ticket_detail(conn, "X1")
        assert list(d) == DETAIL_KEYS
        assert (d["title"], d["content"], d["address"]) == (XSS_TITLE, MD_CONTENT, "# 标题样式地址")
        assert d["stage"] == "办理中" and d["is_open"] and d["imported_deadline_at"] is None
        assert d["deadline_at"] == datetime(2026, 1, 22, 8, 0)
        assert ticket_detail(conn, "X2")["deadline_at"] == datetime(2026, 1, 14, 10, 0)
        assert ticket_detail(conn, "missing") is None
        opts = filter_options(conn)
    assert len(opts["streets"]) == 22 and "宋庄镇" in opts["streets"]
    assert "区水务局" in opts["units"] and "宋庄镇" in opts["units"] and "住房" in opts["category_l1"]
