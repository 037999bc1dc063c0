"""Refused second-factor codes are throttled like failed sign-ins (dashboard.services.login_guard):
after FREE_ATTEMPTS refused codes even a correct one is refused until the back-off has passed, per
account and per client address; the throttled attempt is audited; other accounts are unaffected."""
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa

from dashboard.services import login_guard, second_factor, users
from queries.schema import audit_log

PASSWORD = "correct horse battery"
# the clock the checks are told (`at`) starts here; the audit rows carry the real time, so the
# tests read the last failure's time back and count from it
START = datetime.now().replace(microsecond=0) - timedelta(minutes=2)


def _enrolled(conn, name: str) -> pyotp.TOTP:
    users.add(conn, name, "admin", PASSWORD)
    started = second_factor.start_enrolment(conn, name)
    totp = pyotp.TOTP(started.secret)
    assert second_factor.check(conn, name, totp.at(START), purpose="enrolment", at=START,
                               confirming=True) == second_factor.ACCEPTED
    return totp


def _wrong(totp: pyotp.TOTP, at: datetime) -> str:
    return totp.at(at + timedelta(minutes=10))       # twenty steps ahead: never accepted at `at`


def _fail(conn, name: str, totp: pyotp.TOTP, times: int, client: str = "") -> datetime:
    """`times` wrong codes checked now; returns the time the last refusal was audited at."""
    for _ in range(times):
        assert second_factor.check(conn, name, _wrong(totp, datetime.now()), purpose="乙方确认",
                                   client=client) == second_factor.WRONG
    return conn.execute(sa.select(sa.func.max(audit_log.c.at)).where(
        audit_log.c.action == "second_factor_failed", audit_log.c.username == name)).scalar_one()


def _details(conn, name: str) -> list[str]:
    return list(conn.execute(sa.select(audit_log.c.detail).where(
        audit_log.c.action == "second_factor_failed", audit_log.c.username == name).order_by(audit_log.c.id)).scalars())


def test_after_the_free_attempts_even_a_right_code_waits_and_others_are_unaffected(engine):
    with engine.begin() as conn:
        totp = _enrolled(conn, "t_admin")
        other = _enrolled(conn, "t_other")
        last = _fail(conn, "t_admin", totp, login_guard.FREE_ATTEMPTS)
        soon = last + timedelta(seconds=5)
        outcome = second_factor.check(conn, "t_admin", totp.at(soon), purpose="乙方确认", at=soon)
        # 5 refused codes: the first back-off, 15 s from the last one, has 10 s (+1) left
        assert outcome == second_factor.THROTTLED and outcome.wait == 11
        assert second_factor.message(outcome) == "动态验证码错误次数过多，请 11 秒后再试。"
        assert _details(conn, "t_admin") == ["wrong"] * login_guard.FREE_ATTEMPTS + ["throttled"]
        # the throttled attempt looked at no code: that code is still unused, and works later
        assert second_factor.check(conn, "t_other", other.at(soon), purpose="乙方确认", at=soon) == second_factor.ACCEPTED
        later = last + login_guard.WINDOW + timedelta(seconds=1)
        assert second_factor.check(conn, "t_admin", totp.at(later), purpose="乙方确认", at=later) == second_factor.ACCEPTED


def test_the_back_off_ends_and_grows_like_the_sign_in_throttle(engine):
    with engine.begin() as conn:
        totp = _enrolled(conn, "t_admin")
        last = START + timedelta(seconds=30)
        # six refused codes (as check audits them), the throttled attempt and no second factor do not count
        for i, detail in enumerate(["wrong", "reused", "no_key", "wrong", "wrong", "wrong", "throttled", "not_enrolled"]):
            conn.execute(audit_log.insert().values(at=last - timedelta(seconds=5 - min(i, 5)), username="t_admin",
                                                   action="second_factor_failed", target="sign-in", detail=detail))
        # six refused codes: 30 s from the last one
        assert login_guard.second_factor_retry_after(conn, "t_admin", "", last + timedelta(seconds=29)) == 2
        assert login_guard.second_factor_retry_after(conn, "t_admin", "", last + timedelta(seconds=31)) == 0
        after = last + timedelta(seconds=31)
        assert second_factor.check(conn, "t_admin", totp.at(after), purpose="sign-in", at=after) == second_factor.ACCEPTED
        # failed passwords are counted apart: they do not slow the second factor
        for _ in range(login_guard.FREE_ATTEMPTS + 3):
            conn.execute(audit_log.insert().values(at=after, action="login_failed", target="t_admin"))
        assert login_guard.second_factor_retry_after(conn, "t_admin", "", after + timedelta(seconds=1)) == 0


def test_per_client_address_another_account_from_that_address_waits_too(engine):
    with engine.begin() as conn:
        totp = _enrolled(conn, "t_admin")
        other = _enrolled(conn, "t_other")
        last = _fail(conn, "t_admin", totp, login_guard.FREE_ATTEMPTS, client="10.0.0.7")
        soon = last + timedelta(seconds=5)
        assert second_factor.check(conn, "t_other", other.at(soon), purpose="sign-in", client="10.0.0.7",
                                   at=soon) == second_factor.THROTTLED
        assert second_factor.check(conn, "t_other", other.at(soon), purpose="sign-in", client="10.0.0.8",
                                   at=soon) == second_factor.ACCEPTED
        throttled = conn.execute(sa.select(audit_log.c.username, audit_log.c.client).where(
            audit_log.c.detail == "throttled")).all()
        assert [tuple(r) for r in throttled] == [("t_other", "10.0.0.7")]


def test_the_enrolment_confirmation_is_throttled_too(engine):
    with engine.begin() as conn:
        users.add(conn, "t_new", "admin", PASSWORD)
        totp = pyotp.TOTP(second_factor.start_enrolment(conn, "t_new").secret)
        for _ in range(login_guard.FREE_ATTEMPTS):
            assert second_factor.check(conn, "t_new", _wrong(totp, datetime.now()), purpose="enrolment",
                                       confirming=True) == second_factor.WRONG
        now = datetime.now()
        assert second_factor.check(conn, "t_new", totp.at(now), purpose="enrolment", at=now,
                                   confirming=True) == second_factor.THROTTLED
        assert not second_factor.enrolled(conn, "t_new")
