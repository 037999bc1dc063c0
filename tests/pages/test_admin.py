"""/admin renders its tabs (users, rules versions, calendar, the audit log, data feeds) for the admin."""


from tests.support.apptest import app_as, errors


def test_admin_page_renders(app_db):
    at = app_as("admin", "pages/admin.py")
    assert not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["账号与角色", "规则版本", "工作日历", "审计日志", "数据接入"]
    assert len(at.dataframe) >= 2
