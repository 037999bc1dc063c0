"""Password sign-in (the sign-in route's logic, then the app with the session it opened): a correct
password signs in, the same message for unknown users and wrong passwords, audit rows for both,
HOTLINE_LOCAL_LOGIN_ROLES, and sessions that end on the next run when revoked or disabled."""

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services import sessions, users
from queries.schema import audit_log
from tests.support.app_database import PASSWORD
from tests.support.apptest import app_as, password_sign_in, signin_form


def _login(username, password, client=""):
    return password_sign_in(app_as(None), username, password, client)


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
    assert signin_form(wrong) and not wrong.metric


def test_login_success_is_audited(app_db):
    before = _audit(app_db, "login")
    _login("u_manager", PASSWORD)
    assert _audit(app_db, "login") == before + 1


def test_the_form_posts_to_the_server_and_returns_to_the_page(app_db):
    at = app_as(None)
    form = signin_form(at)
    assert 'method="post" action="/auth/local/login"' in form
    assert 'name="username"' in form and 'name="password" type="password"' in form
    assert 'name="next" value="/"' in form


def test_local_login_roles_refuse_a_password_for_other_roles(app_db, monkeypatch):
    monkeypatch.setenv("HOTLINE_LOCAL_LOGIN_ROLES", "display, admin")
    refused = _login("u_leader", PASSWORD)
    assert [e.value for e in refused.error] == ["该账号不能使用密码登录，请使用统一身份认证登录。"]
    assert not refused.metric and _audit(app_db, "login_refused", "u_leader") == 1
    allowed = _login("u_display", PASSWORD)
    assert not allowed.error and signin_form(allowed) == ""


def test_no_password_form_when_no_role_may_use_one(app_db, monkeypatch):
    monkeypatch.setenv("HOTLINE_LOCAL_LOGIN_ROLES", "none")
    assert signin_form(app_as(None)) == ""


@pytest.mark.usefixtures("through_app")
def test_a_revoked_session_ends_on_the_next_run(app_db):
    at = _login("u_analyst", PASSWORD)
    assert any(m.label == "今日受理" for m in at.metric)
    with make_engine(app_db).begin() as conn:
        assert sessions.revoke_all(conn, "u_analyst") >= 1
    at.run()
    assert not at.metric and signin_form(at)


@pytest.mark.usefixtures("through_app")
def test_disabling_the_user_ends_the_session_on_the_next_run(app_db):
    at = _login("u_supervisor", PASSWORD)
    assert any(m.label == "今日受理" for m in at.metric)
    with make_engine(app_db).begin() as conn:
        users.disable(conn, "u_supervisor")
    try:
        at.run()
        assert not at.metric and signin_form(at)
    finally:
        with make_engine(app_db).begin() as conn:
            users.enable(conn, "u_supervisor")


@pytest.mark.usefixtures("through_app")
def test_sign_out_revokes_the_session_in_the_database(app_db):
    at = _login("u_reviewer", PASSWORD)
    token = at.session_state["hotline_session_token"]
    at.button(key="sign_out_button").click().run()
    with make_engine(app_db).connect() as conn:
        assert sessions.lookup(conn, token) is None
    assert signin_form(at)
