"""Admin writes (dashboard.web.admin_actions) re-check the role and refuse invalid rules with a reason."""
import pytest

from dashboard.web import admin_actions
from dashboard.web.admin_actions import AdminError


def test_writes_refuse_other_roles(app_db):
    for role in ("leader", "reviewer", "manager", "supervisor", "analyst", "display", "nonsense"):
        with pytest.raises(AdminError):
            admin_actions.change_role("x", role, "u_leader", "admin")
        with pytest.raises(AdminError):
            admin_actions.add_rules_version("x", role, "{}", "2026-02", "try")


def test_invalid_rules_are_refused_with_a_reason(app_db):
    with pytest.raises(AdminError, match="JSON"):
        admin_actions.add_rules_version("u_admin", "admin", "{not json", "2026-02", "broken")
    with pytest.raises(AdminError, match="目标值与下限"):
        admin_actions.add_rules_version(
            "u_admin", "admin", '{"indicators": {"sign_on_time_rate": {"target": "0.9", "floor": "0.9", "weight": 10}}}',
            "2026-02", "equal")
