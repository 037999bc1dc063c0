"""AppTests for /reports (报表中心) per allowed role, delivery and the ledger upload."""
import pytest

from dashboard.access import PAGE_BY_KEY
from tests.apptest import app_as, errors

PAGE = "pages/reports.py"
ROLES = PAGE_BY_KEY["reports"].roles


@pytest.mark.parametrize("role", ROLES)
def test_reports_page_renders(app_db, role):
    at = app_as(role, PAGE)
    assert not errors(at), errors(at)
    assert at.title[0].value == "报表中心"
    labels = [m.label for m in at.metric]
    assert "受理量" in labels and "期末在办" in labels
    assert len(at.dataframe) >= 1
    delivery = [b for b in at.button if b.label == "登记为已报送"]
    assert bool(delivery) == (role in ("analyst", "manager", "supervisor", "admin"))
