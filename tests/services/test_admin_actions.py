"""Admin writes (dashboard.web.admin_actions) re-check the role and refuse invalid rules with a reason;
the calendar import form's write: a bad file refused with its rows named, another role refused and
audited, a valid notice written."""
from datetime import date

import pytest
import sqlalchemy as sa

from dashboard.web import admin_actions
from dashboard.web.admin_actions import AdminError
from queries.schema import audit_log, calendar_days
from tests.support.pages_db import fresh_app_db


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


NOTICE_2027 = "日期,类型\n2027-01-01,休\n2027-02-08,休\n2027-02-14,班\n2027-02-15,休\n"
BAD_2027 = "日期,类型\n2027-01-01,休\n2027-02-31,休\n2027-02-14,上班\n"


def _calendar_state(engine) -> tuple[list[tuple], list[tuple]]:
    """The 2027 rows of the calendar table, and the audit rows of calendar imports and refusals."""
    c = calendar_days.c
    with engine.connect() as conn:
        days = conn.execute(sa.select(c.day, c.working, c.source).where(c.day >= date(2027, 1, 1))
                            .order_by(c.day)).all()
        audited = conn.execute(sa.select(audit_log.c.username, audit_log.c.action, audit_log.c.target)
                               .where(audit_log.c.action.in_(["calendar_import", "access_denied"]))
                               .order_by(audit_log.c.id)).all()
    return days, audited


def test_calendar_import_from_the_admin_page(app_db, tmp_path):
    with fresh_app_db(tmp_path / "calendar.db") as engine:
        # a bad file is refused with each bad row named, and nothing is written
        with pytest.raises(AdminError) as refused:
            admin_actions.import_calendar("u_admin", "admin", "2027.csv", BAD_2027.encode())
        assert str(refused.value).splitlines()[0] == "日历文件未导入，原因："
        assert "第 3 行" in str(refused.value) and "2027-02-31" in str(refused.value)
        assert "第 4 行" in str(refused.value) and "上班" in str(refused.value)
        assert _calendar_state(engine) == ([], [])

        # a role that may not import is refused, and the refusal is audited; nothing else is written
        with pytest.raises(AdminError, match="无权"):
            admin_actions.import_calendar("u_manager", "manager", "2027.csv", NOTICE_2027.encode())
        assert _calendar_state(engine) == ([], [("u_manager", "access_denied", "calendar")])

        # the valid notice: its four days written as listed, the counts returned, the import audited
        result = admin_actions.import_calendar("u_admin", "admin", "2027.csv", NOTICE_2027.encode())
        assert (result.year, result.resting, result.working, result.replaced) == (2027, 3, 1, 0)
        days, audited = _calendar_state(engine)
        assert [(d, w) for d, w, _ in days] == [(date(2027, 1, 1), False), (date(2027, 2, 8), False),
                                                (date(2027, 2, 14), True), (date(2027, 2, 15), False)]
        assert {s for _, _, s in days} == {"import:2027.csv"}
        assert audited[-1] == ("u_admin", "calendar_import", "2027")
