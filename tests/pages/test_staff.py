"""/staff per allowed role: the tabs per 岗位, a person's view and the month."""
from datetime import datetime

import pytest

from dashboard.infra.db import make_engine
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.raw_rows import read_events


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
    """A dispatcher picked in the month view: their tickets are those their 工号 acted on this month
    (counted again from the raw events)."""
    at = app_as("manager", "pages/staff.py")
    at.segmented_control(key="staff-kind").set_value("month").run()
    assert not errors(at), errors(at)
    box = at.selectbox(key="person-派单专员")
    assert box.options[0] == "—" and len(box.options) > 1        # the demo's dispatchers
    pick = box.options[1]
    box.set_value(pick).run()
    assert not errors(at), errors(at)
    eng = make_engine(app_db)
    with eng.connect() as conn:
        events = read_events(conn)
    eng.dispose()
    staff_no = pick.split(" ")[0]
    handled = {e.ticket_no for evs in events.values() for e in evs
               if e.staff_no == staff_no and datetime(2026, 1, 1) <= e.at <= APP_NOW}
    assert handled
    assert f"**经手工单**（{len(handled):,} 件）" in [m.value for m in at.markdown]
