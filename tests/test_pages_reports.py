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


def test_delivery_click_records_the_report(app_db):
    import sqlalchemy as sa

    from dashboard.db import make_engine
    from queries.schema import reports

    at = app_as("analyst", PAGE)
    next(b for b in at.button if b.label == "登记为已报送").click().run()
    assert not errors(at), errors(at)
    assert any("日报-2026-01-15" in s.value for s in list(at.success) + list(at.info))
    with make_engine(app_db).connect() as conn:
        row = conn.execute(sa.select(reports).where(reports.c.report_no == "日报-2026-01-15")).mappings().one()
    assert row["report_type"] == "日报" and row["staff_no"] == "u_analyst"


@pytest.mark.parametrize("kind", ["weekly", "monthly", "topic"])
def test_other_kinds_render(app_db, kind):
    at = app_as("manager", PAGE)
    at.segmented_control(key="report_kind").set_value(kind).run()
    assert not errors(at), errors(at)
    assert len(at.tabs) > 5
