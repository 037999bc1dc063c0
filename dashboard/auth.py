"""Login (streamlit-authenticator over the users table) and the guard every page calls.

The role is always read from the database on each run, never trusted from the session or the
cookie; a token version stored with the session (and in the cookie) lets a password change,
role change or disabling end old sessions.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import streamlit as st

from dashboard import access, audit, settings
from dashboard.data import engine
from queries.schema import users

COOKIE_NAME = "hotline_auth"
COOKIE_DAYS = 8 / 24  # desk sessions last a working day


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


def authenticator():
    import streamlit_authenticator as stauth

    return stauth.Authenticate(_credentials(), COOKIE_NAME, _cookie_key(), COOKIE_DAYS, auto_hash=False)


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
    row = _load_user(st.session_state.get("username"))
    if row is None or row["role"] not in access.ROLES:
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
    return CurrentUser(row["username"], row["role"], row["display_name"])


def client_address() -> str:
    try:
        return str(st.context.ip_address or "")
    except Exception:  # noqa: BLE001 - AppTest and some proxies have none
        return ""


def refuse(user: CurrentUser | None, page_title: str, what: str = "打开此页面") -> None:
    """Show a refusal, audit it, and stop the script."""
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
    user = current_user()
    page = access.PAGE_BY_KEY.get(page_key)
    title = page.title if page else page_key
    if user is None or not access.can_open(user.role, page_key):
        refuse(user, title)
    return user  # type: ignore[return-value]


def require_action(user: CurrentUser, action: str, label: str) -> None:
    if not access.can(user.role, action):
        refuse(user, label, what="执行此操作")
