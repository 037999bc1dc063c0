"""/standup per allowed role: the tiles, the action list written from the page, and the workbook
built on request from the pack the page shows."""
import io

import pytest
from openpyxl import load_workbook

from dashboard.services.reports import standup as report
from dashboard.web.reads import standup as data
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors


def allowed(key):
    return [r for r in ROLES if can_open(r, key)]


@pytest.mark.parametrize("role", allowed("standup"))
def test_standup_page_renders(app_db, role):
    at = app_as(role, "pages/standup.py")
    assert not errors(at), errors(at)
    labels = [m.label for m in at.metric]
    assert {"超期", "即将超期"} <= set(labels)
    assert any("打印" in c.value for c in at.caption)
    assert at.dataframe


def test_standup_add_and_update_action(app_db):
    at = app_as("supervisor", "pages/standup.py")
    at.text_input(key="act-owner").input("张主管")
    at.text_area(key="act-text").input("核查昨日超时工单")
    at.button(key="act-add").click().run()
    assert not errors(at), errors(at)
    assert any("已添加" in s.value for s in at.success)
    at = app_as("supervisor", "pages/standup.py")
    assert "核查昨日超时工单" in at.dataframe[-1].value.to_string() or any(
        "核查昨日超时工单" in df.value.to_string() for df in at.dataframe)


def test_standup_workbook_built_on_request_from_the_shown_pack(app_db):
    """The page run builds no workbook (the button's callable does, on click); the workbook is
    the pack the page shows."""
    calls = []
    real = report.render_standup_workbook
    report.render_standup_workbook = lambda pack: calls.append(pack) or real(pack)
    try:
        at = app_as("supervisor", "pages/standup.py")
        assert not errors(at), errors(at)
        assert calls == []
        now = APP_NOW
        wb = load_workbook(io.BytesIO(data.workbook(now.date(), now)))
    finally:
        report.render_standup_workbook = real
    assert len(calls) == 1
    pack = data.pack(now.date(), now)
    todo = [r[0] for r in wb["待办工单"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert todo == list(pack.act_today["工单编号"]) and len(todo) > 0
    assert wb.sheetnames == list(report.SHEETS)
