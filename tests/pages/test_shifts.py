"""/shifts per allowed role: attendance and turnover tiles and the four tabs."""
import pytest

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors


def allowed(key):
    return [r for r in ROLES if can_open(r, key)]


@pytest.mark.parametrize("role", allowed("shifts"))
def test_shifts_page_renders(app_db, role):
    at = app_as(role, "pages/shifts.py")
    assert not errors(at), errors(at)
    labels = [m.label for m in at.metric]
    assert {"到岗率", "员工流失率"} <= set(labels)
    assert [t.label for t in at.tabs][:4] == ["排班与到岗", "7×24 在岗覆盖", "人员流动", "突增与人力测算"]
