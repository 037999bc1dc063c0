"""/backlog per allowed role: tiles, the breakdown, the lists, a click-through to a timeline."""

import pytest

from dashboard.infra.db import make_engine
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.raw_rows import overdue, read_events, read_tickets

ALLOWED = [r for r in ROLES if can_open(r, "backlog")]


@pytest.mark.parametrize("role", ALLOWED)
def test_backlog_renders(app_db, role):
    at = app_as(role, "pages/backlog.py")
    assert not errors(at), errors(at)
    assert {"在办积压", "超期", "即将超期"} <= {m.label for m in at.metric}
    assert len(at.tabs) >= 3 and at.dataframe


def test_backlog_breakdowns_switch(app_db):
    at = app_as("analyst", "pages/backlog.py")
    for dim in ("age", "street", "unit", "category"):
        at.segmented_control(key="backlog-dim").set_value(dim).run()
        assert not errors(at), errors(at)
    assert at.dataframe[0].value.columns[0] == "一级分类"


def test_overdue_row_opens_timeline(app_db):
    """The overdue list holds the tickets past their deadline (counted again from the raw rows);
    selecting the first, as a click would, opens its timeline."""
    eng = make_engine(app_db)
    with eng.connect() as conn:
        tickets = read_tickets(conn, ["ticket_no", "received_at", "sla_class", "deadline_at"])
        late = overdue(tickets, read_events(conn), APP_NOW)
    eng.dispose()
    assert late                                    # the demo has an overdue ticket at its `now`
    at = app_as("supervisor", "pages/backlog.py")
    lists = [df.value for df in at.dataframe if "ticket_no" in df.value.columns]
    assert list(lists[0]["ticket_no"]) == late
    at.session_state["list-overdue"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not errors(at), errors(at)
    assert [e.label for e in at.expander if "流转记录" in e.label] == [f"工单 {late[0]} 的流转记录"]
