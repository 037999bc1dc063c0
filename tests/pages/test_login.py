"""Login through the form: a correct password signs in, the same message for unknown users and
wrong passwords, audit rows for both."""

import sqlalchemy as sa

from dashboard.infra.db import make_engine
from queries.schema import audit_log
from tests.support.app_database import PASSWORD
from tests.support.apptest import app_as


def _login(username, password):
    at = app_as(None)
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def _audit(app_db, action, target=None):
    with make_engine(app_db).connect() as conn:
        stmt = sa.select(sa.func.count()).select_from(audit_log).where(audit_log.c.action == action)
        if target is not None:
            stmt = stmt.where(audit_log.c.target == target)
        return conn.execute(stmt).scalar()


def test_correct_password_signs_in(app_db):
    at = _login("u_leader", PASSWORD)
    assert not at.exception, at.exception
    assert any(m.label == "今日受理" for m in at.metric)


def test_unknown_user_and_wrong_password_get_the_same_message(app_db):
    wrong = _login("u_reviewer", "not the password at all")
    unknown = _login("nobody_here", "not the password at all")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error] == ["用户名或密码错误。"]
    assert _audit(app_db, "login_failed", "nobody_here") == 1


def test_login_success_is_audited(app_db):
    before = _audit(app_db, "login")
    _login("u_manager", PASSWORD)
    assert _audit(app_db, "login") == before + 1
