"""/backlog per allowed role: tiles, the breakdown, the lists, a click-through to a timeline."""
import pytest

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors

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
    at = app_as("supervisor", "pages/backlog.py")
    lists = [df for df in at.dataframe if "ticket_no" in df.value.columns]
    if not lists or lists[0].value.empty:
        pytest.skip("demo data has no overdue ticket at the pinned time")
    # select the first row of the overdue list, as a click would
    at.session_state["list-overdue"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not errors(at), errors(at)
    assert any("流转记录" in e.label for e in at.expander)
