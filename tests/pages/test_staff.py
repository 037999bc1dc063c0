"""/staff per allowed role: the tabs per 岗位, a person's view and the month."""

import pytest

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors


def allowed(key):
    return [r for r in ROLES if can_open(r, key)]


@pytest.mark.parametrize("role", allowed("staff"))
def test_staff_page_renders(app_db, role):
    at = app_as(role, "pages/staff.py")
    assert not errors(at), errors(at)
    assert [t.label for t in at.tabs][:5] == ["派单专员", "退单专员", "质检专员", "协查专员", "数据分析专员"]
    assert "人数" in [m.label for m in at.metric]
    assert at.dataframe


def test_staff_person_view_and_month(app_db):
    at = app_as("manager", "pages/staff.py")
    at.segmented_control(key="staff-kind").set_value("month").run()
    assert not errors(at), errors(at)
    box = at.selectbox(key="person-派单专员")
    if len(box.options) > 1:
        box.set_value(box.options[1]).run()
        assert not errors(at), errors(at)
        assert any("经手工单" in m.value for m in at.markdown)
