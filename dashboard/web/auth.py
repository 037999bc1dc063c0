"""Who is signed in, and the guard every page calls.

A run finds its session in the database on every run (docs/identity.md): from the HttpOnly cookie
the sign-in route set (password sign-in), or from the token the session state holds for a single
sign-on identity. The role is always the users table's, read now; a revoked or expired session, a
disabled user or a changed password or role ends the session on the next run, on every instance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard.infra import client_address as client_address_mod
from dashboard.infra import logs
from dashboard.services import audit, second_factor, sessions
from dashboard.web import live, sso, ui
from dashboard.web.reads import engine
from dashboard.web.signin_routes import COOKIE_NAME
from domain import access, identity

# The session state key holding a single sign-on session's token (server memory, never the browser).
SSO_TOKEN_KEY = "hotline_session_token"


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    display_name: str
    method: str = identity.METHOD_PASSWORD
    second_factor_at: datetime | None = None
    token: str = ""

    @property
    def role_label(self) -> str:
        return access.ROLES.get(self.role, self.role)

    @property
    def needs_second_factor(self) -> bool:
        """Signed in, but the role must still give a TOTP code (or enrol) before any page."""
        return self.role in identity.SECOND_FACTOR_ROLES and self.second_factor_at is None


def _cookie_token() -> str:
    try:
        return str(st.context.cookies.get(COOKIE_NAME) or "")
    except Exception:  # noqa: BLE001 - no browser connection (AppTest, a bare script)
        return ""


def session_token() -> str:
    """This run's session token: the SSO session this browser session opened, else the cookie's."""
    return str(st.session_state.get(SSO_TOKEN_KEY) or "") or _cookie_token()


def _from_row(row: dict, token: str) -> CurrentUser:
    return CurrentUser(row["username"], row["role"], row["display_name"], row["method"],
                       row["second_factor_at"], token)


def current_user() -> CurrentUser | None:
    """The signed-in, still active user with the role the database holds now."""
    token = session_token()
    try:
        with engine().begin() as conn:
            row = sessions.lookup(conn, token) if token else None
            if row is None and st.session_state.get(SSO_TOKEN_KEY):
                st.session_state.pop(SSO_TOKEN_KEY, None)     # ended: disabled, expired or revoked
                token = _cookie_token()
                row = sessions.lookup(conn, token) if token else None
    except live.UNAVAILABLE as error:
        return _unconfirmed_user(error, token)
    if row is None:
        row, token = _sso_session()
    if row is None or row["role"] not in access.ROLES:
        st.session_state.pop("confirmed_user", None)
        return None
    # who the database last confirmed for this session (no secrets): see _unconfirmed_user
    st.session_state["confirmed_user"] = (sessions.token_hash(token), row["username"], row["role"],
                                          row["display_name"])
    return _from_row(row, token)


def _sso_session() -> tuple[dict | None, str]:
    """A single sign-on identity (st.user) matched to an active user opens a session; an unknown
    or disabled identity is refused, and so is one signed out of or too old to open a first session
    (sessions.sso_identity_state; sso.refusal says why)."""
    identity_claims = sso.signed_in_claims()
    if identity_claims is None:
        return None, ""
    username = sso.match_user(identity_claims, client_address())
    if username is None:
        return None, ""
    key = sso.identity_key(identity_claims)
    with engine().begin() as conn:
        state = sessions.sso_identity_state(conn, key, sso.issued_at(identity_claims))
        if state in (sessions.SSO_NEW, sessions.SSO_LIVE):
            token = sessions.create(conn, username, method=identity.METHOD_SSO, client=client_address(),
                                    sso_identity=key)
            audit.record(conn, username=username, action="login", detail="sso", client=client_address())
            row = sessions.lookup(conn, token)
    if state not in (sessions.SSO_NEW, sessions.SSO_LIVE):
        # a cookie kept or replayed after sign-out, or older than its sessions: the provider again
        sso.refuse(sso.SIGNED_OUT if state == sessions.SSO_ENDED else sso.EXPIRED, state, username,
                   identity_claims, client_address())
        return None, ""
    logs.event("sign_in", user=username, role=row["role"] if row else None, client=client_address(), method="sso")
    st.session_state[SSO_TOKEN_KEY] = token
    sso.accepted()
    return row, token


def _unconfirmed_user(error: BaseException, token: str) -> CurrentUser | None:
    """The database cannot be reached to confirm the user. In an app run (dashboard.web.live.desk_run) a
    session whose user it confirmed on an earlier run goes on as that user with the last good
    figures, and the run refuses writes; anything else raises the outage again."""
    kept = st.session_state.get("confirmed_user")
    if not token or not kept or kept[0] != sessions.token_hash(token) or live.is_timeout(error):
        raise error
    if not live.continue_unverified():
        raise error
    return CurrentUser(kept[1], kept[2], kept[3], token=token, second_factor_at=datetime.now())


def sign_out(user: CurrentUser) -> None:
    """End the session in the database (the cookie left in the browser is refused from now on,
    on every instance), and the single sign-on identity too."""
    with engine().begin() as conn:
        sessions.revoke(conn, user.token)
        audit.record(conn, username=user.username, action="logout", client=client_address())
    logs.event("sign_out", user=user.username, role=user.role, client=client_address())
    for key in (SSO_TOKEN_KEY, "confirmed_user"):
        st.session_state.pop(key, None)
    if user.method == identity.METHOD_SSO:
        sso.logout()
        # the browser goes to the provider's sign-out page next; a rerun now (the caller's) would
        # start a new run that drops that redirect before it reaches the browser
        st.stop()


def client_address() -> str:
    """The client's address; through a trusted proxy, the one it forwarded (docs/identity.md)."""
    try:
        peer = st.context.ip_address
        headers = dict(st.context.headers)
    except Exception:  # noqa: BLE001 - AppTest has no connection
        return ""
    if peer is None:
        # Streamlit hides loopback peers; with request headers, the peer was this machine
        peer = "127.0.0.1" if headers else ""
    if not isinstance(peer, str):
        return ""
    try:
        return client_address_mod.resolve(peer, headers)
    except client_address_mod.TrustedProxyError:
        return peer


def refuse(user: CurrentUser | None, page_title: str, what: str = "打开此页面") -> None:
    """Show a refusal, audit it, and stop the script."""
    logs.event("refused", user=user.username if user else None, role=user.role if user else None, page=page_title,
               client=client_address())
    if user is not None:
        try:
            with engine().begin() as conn:
                audit.record(conn, username=user.username, action="refused", target=page_title,
                             detail=f"role={user.role}", client=client_address())
        except Exception:  # noqa: BLE001 - a refusal must show even when the audit write fails
            pass
        st.error(f"无权访问：当前角色「{user.role_label}」不能{what}（{page_title}）。如需权限请联系系统管理员。")
    else:
        st.error("无权访问：请先登录。")
    st.stop()


def require_role(page_key: str) -> CurrentUser:
    """Every page's first line: refuses on every run, also when the URL was typed directly."""
    try:
        user = current_user()
    except DBAPIError as error:
        ui.database_error(error)
        st.stop()
    page = access.PAGE_BY_KEY.get(page_key)
    title = page.title if page else page_key
    if user is None or user.needs_second_factor or not access.can_open(user.role, page_key):
        refuse(None if user is None or user.needs_second_factor else user, title)
    return user  # type: ignore[return-value]


def second_factor_fresh(user: CurrentUser) -> bool:
    """A TOTP code was given in this session within SECOND_FACTOR_FRESH_MINUTES (read now)."""
    with engine().connect() as conn:
        row = sessions.lookup(conn, user.token)
    return bool(row) and sessions.second_factor_fresh(row)  # type: ignore[arg-type]


def needs_code(user: CurrentUser, action: str) -> bool:
    """The action changes money or frozen data and no code was given for the last minutes."""
    return action in identity.SECOND_FACTOR_ACTIONS and not second_factor_fresh(user)


def give_code(user: CurrentUser, code: str, purpose: str) -> str:
    """Check a TOTP (or recovery) code for this session; marks the session on success. Returns the
    outcome of dashboard.services.second_factor.check."""
    with engine().begin() as conn:
        outcome = second_factor.check(conn, user.username, code, purpose=purpose, client=client_address())
        if outcome == second_factor.ACCEPTED:
            sessions.mark_second_factor(conn, user.token)
    if outcome != second_factor.ACCEPTED:
        logs.event("second_factor_failed", user=user.username, outcome=outcome, client=client_address())
    return outcome


def require_action(user: CurrentUser, action: str, label: str, code: str | None = None) -> None:
    """Before a write: the role may do it, and an action that changes money or frozen data has a
    TOTP code given within SECOND_FACTOR_FRESH_MINUTES (`code`, typed with the action, is checked
    and audited here)."""
    if not access.can(user.role, action):
        refuse(user, label, what="执行此操作")
    if action not in identity.SECOND_FACTOR_ACTIONS:
        return
    if code:
        outcome = give_code(user, code, label)
        if outcome != second_factor.ACCEPTED:
            st.error(second_factor.message(outcome))
            st.stop()
    if not second_factor_fresh(user):
        with engine().begin() as conn:
            audit.record(conn, username=user.username, action="refused", target=label,
                         detail="second factor required", client=client_address())
        st.error(f"此操作需要动态验证码：请输入身份验证器中的 6 位验证码后再「{label}」。")
        st.stop()


def code_input(user: CurrentUser, action: str, key: str) -> str | None:
    """A field for the TOTP code beside an action that needs one, shown only when the last code
    given in this session is too old; the action passes what was typed to require_action."""
    try:
        if not access.can(user.role, action) or not needs_code(user, action):
            return None
    except live.UNAVAILABLE:
        return None           # no write goes through while the database is unreachable anyway
    return st.text_input("动态验证码", key=key, max_chars=12, placeholder="身份验证器中的 6 位数字",
                         help=f"涉及金额或已冻结数据的操作需要动态验证码，验证后 {identity.SECOND_FACTOR_FRESH_MINUTES} 分钟内有效。")
