"""/compliance per allowed role: staff, qualification, shift coverage and equipment tiles."""
import pytest

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "compliance")])
def test_compliance_renders(app_db, role):
    at = app_as(role, "pages/compliance.py")
    assert not errors(at), errors(at)
    labels = {m.label for m in at.metric}
    assert {"在岗人数", "资质不达标人数", "专员全日制本科占比", "班次覆盖不足", "设备"} <= labels
    assert at.dataframe
