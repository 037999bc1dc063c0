"""/admin: users, rules versions and the audit log; every write re-checks the role."""
from datetime import datetime

import pytest

from dashboard.web import admin_actions
from dashboard.web.admin_actions import AdminError
from queries.admin import audit_entries
from queries.schema import audit_log
from tests.support.apptest import app_as, errors


def test_admin_page_renders(app_db):
    at = app_as("admin", "pages/admin.py")
    assert not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["账号与角色", "规则版本", "审计日志"]
    assert len(at.dataframe) >= 2


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


def test_audit_filter_treats_input_as_text(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(audit_log.insert(), [
            {"at": datetime(2026, 1, 2, 9), "username": "a", "action": "login", "target": "100%_done", "detail": ""},
            {"at": datetime(2026, 1, 2, 10), "username": "b", "action": "login", "target": "other", "detail": ""},
        ])
    with sqlite_engine.connect() as conn:
        span = dict(start=datetime(2026, 1, 1), end=datetime(2026, 1, 3))
        assert len(audit_entries(conn, **span, text="100%_")) == 1
        assert len(audit_entries(conn, **span, text="%")) == 1          # a literal percent sign
        assert len(audit_entries(conn, **span, text="' OR 1=1 --")) == 0
        assert len(audit_entries(conn, **span, username="b")) == 1
