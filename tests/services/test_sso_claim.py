"""Which identity-provider claim links a single sign-on identity to an account (dashboard.web.sso
.match_user): HOTLINE_OIDC_CLAIM names it (default email); its value is compared with users.email
without regard to case, and the other claims do not count."""
import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.services import users
from dashboard.web import sso
from queries.schema import audit_log

PASSWORD = "correct horse battery"
# an identity whose email is one account's link and whose preferred_username is another's
CLAIMS = {"iss": "https://idp.tzq.gov.cn", "sub": "0042", "email": "li.na@tzq.gov.cn",
          "preferred_username": "Zhang.Wei"}


@pytest.fixture
def linked(sqlite_engine, sqlite_url, monkeypatch):
    monkeypatch.setenv("HOTLINE_DB_URL", sqlite_url)
    with sqlite_engine.begin() as conn:
        users.add(conn, "c_zhang", "reviewer", PASSWORD)
        users.set_email(conn, "c_zhang", "zhang.wei")           # the preferred_username's value
        users.add(conn, "c_li", "leader", PASSWORD)
        users.set_email(conn, "c_li", "li.na@tzq.gov.cn")        # the email's value
    st.session_state.pop(sso.REFUSAL_KEY, None)
    yield sqlite_engine
    st.session_state.pop(sso.REFUSAL_KEY, None)


def test_by_default_the_email_claim_is_matched(linked, monkeypatch):
    monkeypatch.delenv("HOTLINE_OIDC_CLAIM", raising=False)
    assert sso.match_user(CLAIMS, "10.0.0.1") == "c_li"


def test_another_claim_named_by_hotline_oidc_claim_is_matched_instead(linked, monkeypatch):
    monkeypatch.setenv("HOTLINE_OIDC_CLAIM", "preferred_username")
    assert sso.match_user(CLAIMS, "10.0.0.1") == "c_zhang"          # "Zhang.Wei" = "zhang.wei"
    # the email no longer counts: an identity whose preferred_username is unknown is refused
    stranger = dict(CLAIMS, preferred_username="wang.fang")
    assert sso.match_user(stranger, "10.0.0.2") is None
    assert sso.refusal() == sso.UNKNOWN.format(who="wang.fang")
    with linked.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.target, audit_log.c.detail, audit_log.c.client)
                            .where(audit_log.c.action == "login_refused")).all()
    assert [tuple(r) for r in rows] == [("wang.fang", "sso unknown", "10.0.0.2")]


def test_an_identity_without_the_named_claim_is_refused(linked, monkeypatch):
    monkeypatch.setenv("HOTLINE_OIDC_CLAIM", "employee_no")
    assert sso.match_user(CLAIMS, "10.0.0.3") is None
    assert sso.refusal() == sso.NO_CLAIM.format(claim="employee_no")
