"""/admin renders its tabs (users, rules versions, calendar, the audit log, data feeds) for the admin."""


from tests.support.apptest import app_as, errors


def test_admin_page_renders(app_db):
    at = app_as("admin", "pages/admin.py")
    assert not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["账号与角色", "规则版本", "工作日历", "审计日志", "数据接入"]
    assert len(at.dataframe) >= 2


def test_admin_links_an_account_to_single_sign_on(app_db):
    import sqlalchemy as sa

    from dashboard.infra.db import make_engine
    from queries.schema import users

    at = app_as("admin", "pages/admin.py")
    edit = [s for s in at.selectbox if s.label == "账号"][0]
    edit.set_value("u_analyst")
    next(r for r in at.radio if r.label == "操作").set_value("关联统一身份认证")
    at.text_input(key="target_email").input("Analyst@Example.org")
    next(b for b in at.button if b.label == "执行").click().run()
    assert not errors(at), errors(at)
    assert any("已将 u_analyst 关联到统一身份认证" in s.value for s in at.success)
    with make_engine(app_db).begin() as conn:
        assert conn.execute(sa.select(users.c.email).where(users.c.username == "u_analyst")).scalar() == \
            "Analyst@Example.org"
        conn.execute(users.update().where(users.c.username == "u_analyst").values(email=None))
