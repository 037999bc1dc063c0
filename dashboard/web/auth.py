"""Login (streamlit-authenticator over the users table) and the guard every page calls.

The role is always read from the database on each run, never trusted from the session or the
cookie; a token version stored with the session (and in the cookie) lets a password change,
role change or disabling end old sessions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard.infra import logs, settings
from dashboard.services import audit
from dashboard.services import users as users_mod
from dashboard.web import live, login_guard, ui
from dashboard.web.reads import engine
from domain import access
from queries.schema import users

COOKIE_NAME = "hotline_auth"
SESSION_HOURS = {"display": 24 * 30}  # the wall display stays signed in; desks for a working day
DEFAULT_SESSION_HOURS = 8
# A real bcrypt hash of a random string: unknown users cost the same time as wrong passwords.
_DUMMY_HASH = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5V3SYxPwvXq0Tj6FyBvS0Vg7Mr7zG1e"


def session_hours(role: str) -> int:
    return SESSION_HOURS.get(role, DEFAULT_SESSION_HOURS)


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    display_name: str

    @property
    def role_label(self) -> str:
        return access.ROLES.get(self.role, self.role)


def _cookie_key() -> str:
    from_secrets = None
    try:
        from_secrets = st.secrets.get("auth", {}).get("cookie_key")  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - no secrets file is a normal deployment
        from_secrets = None
    return settings.cookie_key(from_secrets)


def _credentials() -> dict:
    with engine().connect() as conn:
        rows = conn.execute(sa.select(users.c.username, users.c.display_name, users.c.role,
                                      users.c.password_hash).where(users.c.active)).all()
    return {"usernames": {r.username: {"name": r.display_name, "password": r.password_hash,
                                       "roles": [r.role], "email": ""} for r in rows}}


def _token_version(username: str | None) -> int | None:
    if not username:
        return None
    with engine().connect() as conn:
        return conn.execute(sa.select(users.c.token_version).where(
            users.c.username == username, users.c.active)).scalar()


def authenticator():
    """streamlit-authenticator over the users table, with the token version in the cookie so a
    cookie issued before a logout, password change, role change or disabling is refused."""
    import jwt
    import streamlit_authenticator as stauth

    auth_obj = stauth.Authenticate(_credentials(), COOKIE_NAME, _cookie_key(), DEFAULT_SESSION_HOURS / 24,
                                   auto_hash=False)
    model = auth_obj.cookie_controller.cookie_model

    def encode() -> str:
        username = st.session_state["username"]
        return jwt.encode({"username": username, "exp_date": model.exp_date, "tv": _token_version(username)},
                          model.cookie_key, algorithm="HS256")

    original_get = model.get_cookie

    def get_cookie():
        token = original_get()
        if not token:
            return token
        if token.get("tv") is None or token.get("tv") != _token_version(token.get("username")):
            return None
        return token

    model._token_encode = encode
    model.get_cookie = get_cookie
    return auth_obj


def attempt_login(auth_obj, username: str, password: str) -> tuple[bool, str]:
    """Check throttling, then the credentials; the same message and cost for an unknown user
    and a wrong password. Sets the session and the cookie on success."""
    username = (username or "").strip()
    client = client_address()
    with engine().connect() as conn:
        wait = login_guard.retry_after(conn, username, client)
    if wait:
        logs.event("sign_in_failed", reason="throttled", client=client, **_who(_load_user(username)))
        return False, f"登录失败次数过多，请 {wait} 秒后再试。"
    row = _load_user(username)
    ok = users_mod.verify_password(password or "", row["password_hash"] if row else _DUMMY_HASH)
    if not (ok and row):
        with engine().begin() as conn:
            audit.record(conn, username="", action="login_failed", target=username[:128], client=client)
        logs.event("sign_in_failed", reason="credentials", client=client, **_who(row))
        st.session_state["authentication_status"] = False
        return False, "用户名或密码错误。"
    auth_obj.authentication_controller.login(username, password)
    if not st.session_state.get("authentication_status"):
        return False, "用户名或密码错误。"
    st.session_state["token_version"] = row["token_version"]
    st.session_state["login_at"] = datetime.now()
    # The cookie is written by a browser-side component, which needs a full run to render:
    # set it on the first signed-in run (see write_pending_cookie), not in this one.
    st.session_state["cookie_pending_hours"] = session_hours(row["role"])
    st.session_state["cookie_pending_runs"] = 2
    with engine().begin() as conn:
        conn.execute(users.update().where(users.c.username == username).values(
            last_login_at=datetime.now().replace(microsecond=0)))
        audit.record(conn, username=username, action="login", client=client)
    logs.event("sign_in", user=username, role=row["role"], client=client)
    return True, ""


def write_pending_cookie(auth_obj) -> None:
    """Write the login cookie on the first signed-in runs. A run can end early (a start page that
    forwards with st.switch_page) before the browser component that writes it has rendered, so the
    cookie is written on two runs."""
    hours = st.session_state.get("cookie_pending_hours")
    if not hours:
        return
    runs = st.session_state.get("cookie_pending_runs", 2) - 1
    if runs <= 0:
        st.session_state.pop("cookie_pending_hours", None)
        st.session_state.pop("cookie_pending_runs", None)
    else:
        st.session_state["cookie_pending_runs"] = runs
    auth_obj.cookie_controller.cookie_model.cookie_expiry_days = hours / 24
    auth_obj.cookie_controller.set_cookie()


def login_from_cookie(auth_obj) -> None:
    """Restore a session from a valid, current cookie (the library reads st.context.cookies)."""
    from streamlit_authenticator.utilities import LoginError

    try:
        token = auth_obj.cookie_controller.get_cookie()
        if token:
            auth_obj.authentication_controller.login(token=token)
            st.session_state["token_version"] = token.get("tv")
            st.session_state["login_at"] = datetime.fromtimestamp(
                token["exp_date"]) - timedelta(hours=DEFAULT_SESSION_HOURS)
    except (LoginError, KeyError, TypeError):
        st.session_state["authentication_status"] = None


def sign_out(auth_obj, user: CurrentUser) -> None:
    with engine().begin() as conn:
        users_mod.bump_token(conn, user.username)
        audit.record(conn, username=user.username, action="logout", client=client_address())
    logs.event("sign_out", user=user.username, role=user.role, client=client_address())
    try:
        auth_obj.logout(location="unrendered")
    except Exception:  # noqa: BLE001 - the token bump already ended the session everywhere
        pass
    for key in ("token_version", "login_at", "authentication_status", "username", "confirmed_user"):
        st.session_state.pop(key, None)


def _who(row: dict | None) -> dict:
    """What a failed sign-in logs of the typed name: the account when one exists, else nothing
    (a mistyped name is sometimes the password)."""
    return {"user": row["username"]} if row else {"user_known": False}


def _load_user(username: str | None) -> dict | None:
    if not username:
        return None
    with engine().connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username, users.c.active)).mappings().first()
    return dict(row) if row else None


def current_user() -> CurrentUser | None:
    """The signed-in, still active user with the role the database holds now."""
    if not st.session_state.get("authentication_status"):
        return None
    try:
        row = _load_user(st.session_state.get("username"))
    except live.UNAVAILABLE as error:
        return _unconfirmed_user(error)
    if row is None or row["role"] not in access.ROLES:
        st.session_state["authentication_status"] = None
        return None
    login_at = st.session_state.get("login_at")
    if login_at is not None and datetime.now() - login_at > timedelta(hours=session_hours(row["role"])):
        st.session_state["authentication_status"] = None
        return None
    known_version = st.session_state.get("token_version")
    if known_version is None:
        st.session_state["token_version"] = row["token_version"]
    elif known_version != row["token_version"]:
        # password, role or status changed since this session began: sign in again
        st.session_state["authentication_status"] = None
        st.session_state.pop("token_version", None)
        return None
    # who the database last confirmed for this session (no secrets): see _unconfirmed_user
    st.session_state["confirmed_user"] = (row["username"], row["role"], row["display_name"])
    return CurrentUser(row["username"], row["role"], row["display_name"])


def _unconfirmed_user(error: BaseException) -> CurrentUser | None:
    """The database cannot be reached to confirm the user. In an app run (dashboard.web.live.desk_run) a
    session whose user it confirmed on an earlier run goes on as that user with the last good
    figures, and the run refuses writes; anything else raises the outage again."""
    kept = st.session_state.get("confirmed_user")
    if not kept or kept[0] != st.session_state.get("username") or live.is_timeout(error):
        raise error
    login_at = st.session_state.get("login_at")
    if login_at is not None and datetime.now() - login_at > timedelta(hours=session_hours(kept[1])):
        st.session_state["authentication_status"] = None
        return None
    if not live.continue_unverified():
        raise error
    return CurrentUser(*kept)


def client_address() -> str:
    try:
        return str(st.context.ip_address or "")
    except Exception:  # noqa: BLE001 - AppTest and some proxies have none
        return ""


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
    if user is None or not access.can_open(user.role, page_key):
        refuse(user, title)
    return user  # type: ignore[return-value]


def require_action(user: CurrentUser, action: str, label: str) -> None:
    if not access.can(user.role, action):
        refuse(user, label, what="执行此操作")
