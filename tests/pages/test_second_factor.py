"""TOTP second factor: admins give a code (or enrol) before any page, also after single sign-on;
sign-off, reopen, manual items, payment dates and rules versions need a code given within the last
minutes; a wrong or reused code is refused and audited, and too many refused codes are throttled."""
import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.infra import secret_box, settings
from dashboard.infra.db import make_engine
from dashboard.services import login_guard, second_factor, sessions, users
from dashboard.services.assessment import signoff
from dashboard.web import sso
from dashboard.web.auth import SSO_TOKEN_KEY
from domain.identity import METHOD_SSO, SECOND_FACTOR_FRESH_MINUTES
from queries.schema import audit_log, manual_items, month_signoffs, user_sessions, user_totp
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.paths import ROOT


@pytest.fixture
def own_db(app_db, tmp_path, monkeypatch):
    """A copy of the page-test database (these tests sign months off), as HOTLINE_DB_URL."""
    path = tmp_path / "copy.db"
    src, dst = sqlite3.connect(sa.engine.make_url(app_db).database), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    url = f"sqlite:///{path}"
    monkeypatch.setenv("HOTLINE_DB_URL", url)
    st.cache_data.clear()
    yield url
    st.cache_data.clear()


def enrol(url: str, username: str) -> tuple[str, list[str]]:
    """Enrol `username` as the enrolment page does: a secret, then a first code confirms it."""
    with make_engine(url).begin() as conn:
        started = second_factor.start_enrolment(conn, username)
        # confirm with the previous step's code, so the tests' "current" code is still unused
        totp = pyotp.TOTP(started.secret)
        previous = totp.at(totp.timecode(datetime.now()) * 30 - 30)
        assert second_factor.check(conn, username, previous, purpose="enrolment", confirming=True) == "accepted"
    return started.secret, started.recovery_codes


def audit_rows(url: str, action: str) -> list[tuple[str, str, str]]:
    with make_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(audit_log.c.username, audit_log.c.target, audit_log.c.detail)
            .where(audit_log.c.action == action).order_by(audit_log.c.id))]


def state(url: str, month: str = "2026-01") -> str | None:
    with make_engine(url).connect() as conn:
        return conn.execute(sa.select(month_signoffs.c.state).where(month_signoffs.c.month == month)).scalar()


def vendor_page(second_factor_given: bool = False):
    at = app_as("manager", "pages/assessment.py", second_factor=second_factor_given)
    at.selectbox(key="assess_month").set_value("2026-01").run()
    return at


def test_sign_off_without_a_fresh_code_is_refused(own_db):
    enrol(own_db, "u_manager")
    at = vendor_page()
    assert any(t.key == "signoff_code" for t in at.text_input)      # the field is offered
    at.button(key="btn_vendor").click().run()
    assert any("此操作需要动态验证码" in e.value for e in at.error)
    assert state(own_db) in (None, "draft")
    assert ("u_manager", "乙方确认", "second factor required") in audit_rows(own_db, "refused")


def test_sign_off_with_a_valid_code_works_and_the_code_cannot_be_used_again(own_db):
    secret, _ = enrol(own_db, "u_manager")
    code = pyotp.TOTP(secret).now()
    at = vendor_page()
    at.text_input(key="signoff_code").input(code)
    at.button(key="btn_vendor").click().run()
    assert not errors(at), errors(at)
    assert state(own_db) == "vendor_confirmed"
    assert ("u_manager", "乙方确认", "accepted") in audit_rows(own_db, "second_factor")
    # the same code in another session (a replay) is refused and audited
    with make_engine(own_db).begin() as conn:
        conn.execute(month_signoffs.update().where(month_signoffs.c.month == "2026-01").values(state="draft"))
    again = vendor_page()
    again.text_input(key="signoff_code").input(code)
    again.button(key="btn_vendor").click().run()
    assert [e.value for e in again.error] == ["该动态验证码已使用过，请等待下一个验证码。"]
    assert state(own_db) == "draft"
    assert ("u_manager", "乙方确认", "reused") in audit_rows(own_db, "second_factor_failed")


def test_a_wrong_code_is_refused_and_audited(own_db):
    secret, _ = enrol(own_db, "u_manager")
    totp = pyotp.TOTP(secret)
    wrong = totp.at(totp.timecode(datetime.now()) * 30 + 300)   # ten steps ahead
    at = vendor_page()
    at.text_input(key="signoff_code").input(wrong)
    at.button(key="btn_vendor").click().run()
    assert [e.value for e in at.error] == ["动态验证码不正确。"]
    assert state(own_db) in (None, "draft")
    assert ("u_manager", "乙方确认", "wrong") in audit_rows(own_db, "second_factor_failed")


def test_a_correct_code_after_too_many_wrong_ones_is_throttled_and_audited(own_db):
    secret, _ = enrol(own_db, "u_manager")
    with make_engine(own_db).begin() as conn:       # as check audits refused codes, just now
        for _ in range(login_guard.FREE_ATTEMPTS):
            conn.execute(audit_log.insert().values(at=datetime.now().replace(microsecond=0), username="u_manager",
                                                   action="second_factor_failed", target="乙方确认", detail="wrong"))
    at = vendor_page()
    at.text_input(key="signoff_code").input(pyotp.TOTP(secret).now())
    at.button(key="btn_vendor").click().run()
    assert len(at.error) == 1 and at.error[0].value.startswith("动态验证码错误次数过多，请 ")
    assert at.error[0].value.endswith(" 秒后再试。")
    assert state(own_db) in (None, "draft")
    assert ("u_manager", "乙方确认", "throttled") in audit_rows(own_db, "second_factor_failed")
    assert ("u_manager", "乙方确认", "accepted") not in audit_rows(own_db, "second_factor")


def age_second_factor(url: str, username: str) -> None:
    """The user's sessions were given their last code longer ago than an action allows."""
    with make_engine(url).begin() as conn:
        conn.execute(sa.text("UPDATE user_sessions SET second_factor_at = :old WHERE username = :u"),
                     {"old": datetime.now() - timedelta(minutes=SECOND_FACTOR_FRESH_MINUTES + 1), "u": username})


def frozen_admin_page(url: str):
    """The admin on /assessment with 2026-01 signed off and frozen, their sign-in code too old."""
    with make_engine(url).begin() as conn:
        signoff.vendor_confirm(conn, "2026-01", "u_manager", "manager", now=APP_NOW)
        signoff.approve(conn, "2026-01", "u_reviewer", "reviewer", now=APP_NOW)
    at = app_as("admin", "pages/assessment.py")
    age_second_factor(url, "u_admin")
    at.selectbox(key="assess_month").set_value("2026-01").run()
    next(t for t in at.text_input if t.label == "解冻理由").input("复核发现数据有误")
    return at


def test_reopening_a_frozen_month_without_a_fresh_code_is_refused_and_audited(own_db):
    enrol(own_db, "u_admin")
    at = frozen_admin_page(own_db)
    assert any(t.key == "unfreeze_code" for t in at.text_input)
    next(b for b in at.button if b.label == "解冻（退回草稿）").click().run()
    assert any("此操作需要动态验证码" in e.value for e in at.error)
    assert state(own_db) == "frozen"
    assert ("u_admin", "解冻", "second factor required") in audit_rows(own_db, "refused")
    assert not [r for r in audit_rows(own_db, "signoff_unfreeze")]


def test_reopening_a_frozen_month_with_a_valid_code_works(own_db):
    secret, _ = enrol(own_db, "u_admin")
    at = frozen_admin_page(own_db)
    at.text_input(key="unfreeze_code").input(pyotp.TOTP(secret).now())
    next(b for b in at.button if b.label == "解冻（退回草稿）").click().run()
    assert not errors(at), errors(at)
    assert state(own_db) == "draft"
    assert ("u_admin", "解冻", "accepted") in audit_rows(own_db, "second_factor")
    assert [u for u, _, _ in audit_rows(own_db, "signoff_unfreeze")] == ["u_admin"]


def manual_reasons(url: str) -> list[str]:
    with make_engine(url).connect() as conn:
        return list(conn.execute(sa.select(manual_items.c.reason).order_by(manual_items.c.id)).scalars())


def reviewer_adding_an_item():
    at = app_as("reviewer", "pages/assessment.py", second_factor=False)
    next(t for t in at.text_input if t.label == "分值").input("1.5")
    next(t for t in at.text_input if t.label == "事由").input("有效投诉（动态验证码测试）")
    return at


def test_adding_a_manual_item_without_a_fresh_code_is_refused_and_audited(own_db):
    enrol(own_db, "u_reviewer")
    at = reviewer_adding_an_item()
    assert any(t.key == "manual_item_code" for t in at.text_input)
    next(b for b in at.button if b.label == "录入").click().run()
    assert any("此操作需要动态验证码" in e.value for e in at.error)
    assert "有效投诉（动态验证码测试）" not in manual_reasons(own_db)
    assert ("u_reviewer", "录入加扣分", "second factor required") in audit_rows(own_db, "refused")


def test_adding_a_manual_item_with_a_valid_code_works(own_db):
    secret, _ = enrol(own_db, "u_reviewer")
    at = reviewer_adding_an_item()
    at.text_input(key="manual_item_code").input(pyotp.TOTP(secret).now())
    next(b for b in at.button if b.label == "录入").click().run()
    assert not errors(at), errors(at)
    assert "有效投诉（动态验证码测试）" in manual_reasons(own_db)
    assert ("u_reviewer", "录入加扣分", "accepted") in audit_rows(own_db, "second_factor")


def reviewer_deleting_an_item(url: str):
    with make_engine(url).begin() as conn:
        item_id = signoff.add_manual_item(conn, "2026-01", "扣分", "2", "待删除（动态验证码测试）", "u_reviewer",
                                          "reviewer")
    at = app_as("reviewer", "pages/assessment.py", second_factor=False)
    at.selectbox(key="manual_delete_id").set_value(item_id).run()
    return at


def test_deleting_a_manual_item_without_a_fresh_code_is_refused_and_audited(own_db):
    enrol(own_db, "u_reviewer")
    at = reviewer_deleting_an_item(own_db)
    assert any(t.key == "manual_delete_code" for t in at.text_input)
    at.button(key="manual_delete").click().run()
    assert any("此操作需要动态验证码" in e.value for e in at.error)
    assert "待删除（动态验证码测试）" in manual_reasons(own_db)
    assert ("u_reviewer", "删除加扣分", "second factor required") in audit_rows(own_db, "refused")


def test_deleting_a_manual_item_with_a_valid_code_works(own_db):
    secret, _ = enrol(own_db, "u_reviewer")
    at = reviewer_deleting_an_item(own_db)
    at.text_input(key="manual_delete_code").input(pyotp.TOTP(secret).now())
    at.button(key="manual_delete").click().run()
    assert not errors(at), errors(at)
    assert "待删除（动态验证码测试）" not in manual_reasons(own_db)
    assert ("u_reviewer", "删除加扣分", "accepted") in audit_rows(own_db, "second_factor")


def sso_admin_app(url: str) -> AppTest:
    """The admin signed in through single sign-on, as dashboard.web.auth._sso_session leaves a
    matched identity: a session of method sso bound to the identity's key, its token held in the
    server's session state (never a cookie); no code given yet."""
    claims = {"iss": "https://idp.tzq.gov.cn", "sub": "admin-0001", "iat": int(datetime.now().timestamp()),
              "nonce": "n-0001", "email": "admin@tzq.gov.cn"}
    with make_engine(url).begin() as conn:
        users.set_email(conn, "u_admin", "admin@tzq.gov.cn")
        token = sessions.create(conn, "u_admin", method=METHOD_SSO, sso_identity=sso.identity_key(claims))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SSO_TOKEN_KEY] = token
    return at.run()


def test_a_single_sign_on_admin_gives_a_code_at_sign_in_and_again_before_a_money_action(own_db):
    secret, _ = enrol(own_db, "u_admin")
    totp = pyotp.TOTP(secret)
    at = sso_admin_app(own_db)
    assert not at.metric and any(t.key == "second_factor_code" for t in at.text_input)   # no page yet
    at.text_input(key="second_factor_code").input(totp.now())
    next(b for b in at.button if b.label == "验证").click().run()
    assert any(m.label == "今日受理" for m in at.metric), errors(at)
    # the code was given on the single sign-on session (the copied database may hold the admin's
    # password sessions of earlier page tests too)
    with make_engine(own_db).connect() as conn:
        session = conn.execute(sa.select(user_sessions.c.method, user_sessions.c.second_factor_at).where(
            user_sessions.c.username == "u_admin", user_sessions.c.sso_identity.is_not(None))).one()
    assert session.method == "sso" and session.second_factor_at is not None
    # the sign-in code is older than an action allows: adding a manual item asks again
    age_second_factor(own_db, "u_admin")
    at.switch_page("pages/assessment.py")
    at.run()
    next(t for t in at.text_input if t.label == "分值").input("1")
    next(t for t in at.text_input if t.label == "事由").input("单点登录管理员录入")
    assert any(t.key == "manual_item_code" for t in at.text_input)
    next(b for b in at.button if b.label == "录入").click().run()
    assert any("此操作需要动态验证码" in e.value for e in at.error)
    assert "单点登录管理员录入" not in manual_reasons(own_db)
    assert ("u_admin", "录入加扣分", "second factor required") in audit_rows(own_db, "refused")
    next(t for t in at.text_input if t.label == "分值").input("1")
    next(t for t in at.text_input if t.label == "事由").input("单点登录管理员录入")
    at.text_input(key="manual_item_code").input(totp.at(datetime.now() + timedelta(seconds=30)))
    next(b for b in at.button if b.label == "录入").click().run()
    assert not errors(at), errors(at)
    assert "单点登录管理员录入" in manual_reasons(own_db)
    assert ("u_admin", "录入加扣分", "accepted") in audit_rows(own_db, "second_factor")


def test_a_fresh_code_covers_the_next_action_without_asking_again(own_db):
    at = vendor_page(second_factor_given=True)
    assert not any(t.key == "signoff_code" for t in at.text_input)
    at.button(key="btn_vendor").click().run()
    assert not errors(at) and state(own_db) == "vendor_confirmed"


def test_admin_enrols_before_any_page_and_recovery_codes_are_stored_hashed(own_db):
    at = app_as("admin", second_factor=False)
    assert not at.metric and not at.sidebar.button
    assert any(t.key == "totp_enrol_code" for t in at.text_input)
    secret = at.session_state["totp_enrolment"]["secret"]
    codes = at.session_state["totp_enrolment"]["codes"]
    with make_engine(own_db).connect() as conn:
        stored = conn.execute(sa.select(user_totp.c.recovery_hashes).where(user_totp.c.username == "u_admin")).scalar()
    assert len(codes) == 10 and not any(c in stored for c in codes)
    at.text_input(key="totp_enrol_code").input(pyotp.TOTP(secret).now())
    next(b for b in at.button if b.label == "完成绑定").click().run()
    assert not errors(at), errors(at)
    assert any(m.label == "今日受理" for m in at.metric)


def test_admin_signs_in_with_a_recovery_code_once(own_db):
    _, codes = enrol(own_db, "u_admin")
    at = app_as("admin", second_factor=False)
    at.text_input(key="second_factor_code").input(codes[0])
    next(b for b in at.button if b.label == "验证").click().run()
    assert any(m.label == "今日受理" for m in at.metric)
    again = app_as("admin", second_factor=False)
    again.text_input(key="second_factor_code").input(codes[0])
    next(b for b in again.button if b.label == "验证").click().run()
    assert not again.metric and [e.value for e in again.error] == ["动态验证码不正确。"]


def test_payment_dates_and_rules_versions_need_a_fresh_code_too(own_db):
    payment = app_as("reviewer", "pages/payment.py", second_factor=False)
    assert any(t.key == "payment_dates_code" for t in payment.text_input)
    next(b for b in payment.button if b.label == "保存").click().run()
    assert any("此操作需要动态验证码" in e.value for e in payment.error)
    admin = app_as("admin", "pages/admin.py")
    with make_engine(own_db).begin() as conn:         # the admin's sign-in code is older than allowed
        conn.execute(sa.text("UPDATE user_sessions SET second_factor_at = :old WHERE username = 'u_admin'"),
                     {"old": datetime.now() - timedelta(minutes=SECOND_FACTOR_FRESH_MINUTES + 1)})
    admin.run()
    assert any(t.key == "rules_code" for t in admin.text_input)
    next(t for t in admin.text_input if t.label == "说明（必填）").input("测试")
    next(b for b in admin.button if b.label == "保存为新版本").click().run()
    assert any("此操作需要动态验证码" in e.value for e in admin.error)
    refused = [t for u, t, d in audit_rows(own_db, "refused") if d == "second factor required"]
    assert refused == ["录入付款日期", "保存规则版本"]



def test_the_totp_secret_is_stored_sealed_and_opens_only_with_its_key(own_db, monkeypatch):
    secret, codes = enrol(own_db, "u_manager")
    engine = make_engine(own_db)
    with engine.begin() as conn:
        stored = conn.execute(sa.select(user_totp.c.secret).where(user_totp.c.username == "u_manager")).scalar_one()
    assert secret_box.is_sealed(stored) and secret not in stored
    assert secret_box.unseal(stored, "u_manager") == secret
    with pytest.raises(secret_box.SecretKeyError):          # bound to its owner
        secret_box.unseal(stored, "u_admin")
    monkeypatch.setenv("HOTLINE_PII_KEY", "another-key-" + "z" * 40)
    with engine.begin() as conn:
        assert second_factor.check(conn, "u_manager", pyotp.TOTP(secret).now(), purpose="sign-off") == second_factor.NO_KEY
        # the way back in without the key: a recovery code
        assert second_factor.check(conn, "u_manager", codes[0], purpose="sign-off") == second_factor.ACCEPTED
    assert "HOTLINE_PII_KEY" in second_factor.MESSAGES[second_factor.NO_KEY]


def test_a_secret_stored_before_the_key_was_set_is_sealed_on_its_next_use(own_db, monkeypatch):
    key = os.environ["HOTLINE_PII_KEY"]
    monkeypatch.delenv("HOTLINE_PII_KEY")
    monkeypatch.setattr(settings, "PII_KEY_FILE", Path("/nonexistent/.pii_key"))
    secret, _ = enrol(own_db, "u_supervisor")
    read = sa.select(user_totp.c.secret).where(user_totp.c.username == "u_supervisor")
    engine = make_engine(own_db)
    with engine.begin() as conn:
        assert conn.execute(read).scalar_one() == secret
    monkeypatch.setenv("HOTLINE_PII_KEY", key)
    with engine.begin() as conn:
        next_step = pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30))
        assert second_factor.check(conn, "u_supervisor", next_step, purpose="sign-off") == second_factor.ACCEPTED
        stored = conn.execute(read).scalar_one()
    assert secret_box.is_sealed(stored) and secret_box.unseal(stored, "u_supervisor") == secret
