"""SQL-looking input in every text filter is data, never SQL: it matches nothing and changes nothing."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from dashboard.services import facts
from queries.schema import ticket_events, tickets
from queries.tickets import ticket_list

NOW = datetime(2026, 1, 15, 12, 0)
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
