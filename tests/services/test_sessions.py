"""Server-side sessions on both engines: a token looked up, revoked, expired, ended by disabling or a
password change; only the token's hash is stored; second-factor freshness."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from dashboard.services import sessions, users
from domain import identity
from queries.schema import user_sessions

PASSWORD = "correct horse battery"
T0 = datetime(2026, 1, 15, 9, 0, 0)


def _user(conn, name, role="leader"):
    if not users.get(conn, name):
        users.add(conn, name, role, PASSWORD)


def test_session_lifecycle(engine):
    with engine.begin() as conn:
        _user(conn, "s_desk")
        _user(conn, "s_wall", "display")
        token = sessions.create(conn, "s_desk", method="password", client="10.1.1.1", now=T0)
        wall = sessions.create(conn, "s_wall", method="password", now=T0)
        stored = conn.execute(sa.select(user_sessions.c.token_hash)).scalars().all()
        assert token not in stored and sessions.token_hash(token) in stored
        found = sessions.lookup(conn, token, T0 + timedelta(hours=1))
        assert (found["username"], found["role"], found["method"]) == ("s_desk", "leader", "password")
        # a desk session lasts a working day, the wall's a month
        end = T0 + timedelta(hours=identity.DEFAULT_SESSION_HOURS)
        assert sessions.lookup(conn, token, end - timedelta(seconds=1)) is not None
        assert sessions.lookup(conn, token, end) is None
        assert sessions.lookup(conn, wall, T0 + timedelta(days=29)) is not None
        assert sessions.lookup(conn, "made-up-token", T0) is None
        assert sessions.revoke(conn, wall, T0) and sessions.lookup(conn, wall, T0) is None
        assert not sessions.revoke(conn, wall, T0)


def test_disabling_or_a_new_password_ends_sessions(engine):
    with engine.begin() as conn:
        _user(conn, "s_leaver")
        _user(conn, "s_changer")
        a = sessions.create(conn, "s_leaver", method="sso", now=T0)
        b = sessions.create(conn, "s_changer", method="password", now=T0)
        users.disable(conn, "s_leaver")
        users.set_password(conn, "s_changer", "another long password")
        assert sessions.lookup(conn, a, T0) is None and sessions.lookup(conn, b, T0) is None
        users.enable(conn, "s_leaver")          # re-enabling does not revive the old session
        assert sessions.lookup(conn, a, T0) is None


def test_second_factor_freshness(engine):
    with engine.begin() as conn:
        _user(conn, "s_admin", "admin")
        token = sessions.create(conn, "s_admin", method="password", now=T0)
        assert not sessions.second_factor_fresh(sessions.lookup(conn, token, T0), T0)
        sessions.mark_second_factor(conn, token, T0)
        limit = timedelta(minutes=identity.SECOND_FACTOR_FRESH_MINUTES)
        assert sessions.second_factor_fresh(sessions.lookup(conn, token, T0), T0 + limit)
        assert not sessions.second_factor_fresh(sessions.lookup(conn, token, T0), T0 + limit + timedelta(seconds=1))


def test_a_single_sign_on_identity_opens_sessions_until_it_is_signed_out(engine):
    window = timedelta(minutes=identity.SSO_SIGN_IN_WINDOW_MINUTES)
    issued = T0 - timedelta(minutes=2)
    with engine.begin() as conn:
        _user(conn, "s_sso")
        state = sessions.sso_identity_state
        assert state(conn, "id-a", issued, T0) == sessions.SSO_NEW
        # the provider's identity kept longer than the window cannot open a first session
        assert state(conn, "id-a", T0 - window - sessions.CLOCK_SKEW - timedelta(seconds=1), T0) == sessions.SSO_STALE
        assert state(conn, "id-a", None, T0) == sessions.SSO_STALE          # a provider that gives no iat
        first = sessions.create(conn, "s_sso", method="sso", now=T0, sso_identity="id-a")
        # a second tab an hour later: its first session is live
        assert state(conn, "id-a", issued, T0 + timedelta(hours=1)) == sessions.SSO_LIVE
        second = sessions.create(conn, "s_sso", method="sso", now=T0 + timedelta(hours=1), sso_identity="id-a")
        # ... which ends with the first: tabs opened one after another cannot keep the identity alive
        first_end = T0 + timedelta(hours=identity.DEFAULT_SESSION_HOURS)
        assert sessions.lookup(conn, second, first_end - timedelta(seconds=1)) is not None
        assert sessions.lookup(conn, second, first_end) is None
        # past the sessions' end the identity must sign in at the provider again
        end = T0 + timedelta(hours=1, minutes=1) + timedelta(hours=identity.DEFAULT_SESSION_HOURS)
        assert state(conn, "id-a", issued, end) == sessions.SSO_STALE
        # signing out in one tab ends the identity and the other tab's session: its cookie replayed opens nothing
        other = sessions.create(conn, "s_sso", method="sso", now=T0, sso_identity="id-other")
        assert sessions.revoke(conn, first, T0 + timedelta(hours=2))
        assert state(conn, "id-a", issued, T0 + timedelta(hours=2)) == sessions.SSO_ENDED
        assert sessions.lookup(conn, second, T0 + timedelta(hours=2)) is None
        assert sessions.lookup(conn, other, T0 + timedelta(hours=2)) is not None   # another sign-in of the user's
        # a new sign-in at the provider is a new identity
        assert state(conn, "id-b", T0 + timedelta(hours=2), T0 + timedelta(hours=2)) == sessions.SSO_NEW
