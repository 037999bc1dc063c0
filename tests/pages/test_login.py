"""Login through the form: same message for unknown users and wrong passwords, throttling with
back-off and no permanent lock-out, token versions ending old sessions, audit rows."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.web import login_guard
from queries.schema import audit_log
from tests.support.apptest import PASSWORD, app_as


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


def test_backoff_grows_then_caps_never_permanent():
    assert [login_guard.wait_seconds(n) for n in range(0, 5)] == [0, 0, 0, 0, 0]
    assert login_guard.wait_seconds(5) == 15 and login_guard.wait_seconds(6) == 30
    assert login_guard.wait_seconds(50) == login_guard.MAX_WAIT_SECONDS


def test_throttle_per_user_then_recovers(sqlite_engine):
    now = datetime(2026, 1, 15, 10, 0, 0)
    with sqlite_engine.begin() as conn:
        for i in range(5):
            conn.execute(audit_log.insert().values(at=now - timedelta(seconds=10 - i), action="login_failed",
                                                   target="demo_display", client=f"10.0.0.{i}"))
    with sqlite_engine.connect() as conn:
        assert login_guard.retry_after(conn, "demo_display", "10.9.9.9", now) > 0
        assert login_guard.retry_after(conn, "someone_else", "10.9.9.9", now) == 0
        # after the window the account is usable again: no permanent lock-out
        assert login_guard.retry_after(conn, "demo_display", "10.9.9.9", now + timedelta(minutes=16)) == 0


def test_login_success_is_audited(app_db):
    before = _audit(app_db, "login")
    _login("u_manager", PASSWORD)
    assert _audit(app_db, "login") == before + 1
