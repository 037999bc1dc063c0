"""Password sign-in for local accounts (the wall PC, a break-glass admin), as the sign-in route
runs it: throttling first, one bcrypt check, the role allowed to use a password, then a server-side
session. No Streamlit here: the route answers the browser's form post itself and sets the cookie."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dashboard.infra import logs, settings
from dashboard.services import audit, login_guard, sessions
from dashboard.services import users as users_mod
from domain import identity
from queries.schema import users

# A real bcrypt hash of a random string: unknown users cost the same time as wrong passwords.
_DUMMY_HASH = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5V3SYxPwvXq0Tj6FyBvS0Vg7Mr7zG1e"

# Outcomes the sign-in page turns into a message (see MESSAGES).
OK, FAILED, THROTTLED, NOT_ALLOWED = "ok", "failed", "throttled", "not_allowed"
MESSAGES = {
    FAILED: "用户名或密码错误。",
    THROTTLED: "登录失败次数过多，请 {wait} 秒后再试。",
    NOT_ALLOWED: "该账号不能使用密码登录，请使用统一身份认证登录。",
}


@dataclass(frozen=True)
class SignIn:
    outcome: str
    token: str = ""
    role: str = ""
    wait: int = 0

    def message(self) -> str:
        return MESSAGES.get(self.outcome, "").format(wait=self.wait)


def password_allowed(role: str) -> bool:
    allowed = settings.local_login_roles()
    return allowed is None or role in allowed


def _who(row) -> dict:
    """What a failed sign-in logs of the typed name: the account when one exists, else nothing
    (a mistyped name is sometimes the password)."""
    return {"user": row.username} if row else {"user_known": False}


def sign_in(engine: Engine, username: str, password: str, client: str) -> SignIn:
    """Check throttling, then the credentials (the same message and cost for an unknown user and a
    wrong password), then whether the role may use a password; open a session on success."""
    username = (username or "").strip()[:64]
    with engine.connect() as conn:
        wait = login_guard.retry_after(conn, username, client)
        row = conn.execute(sa.select(users.c.username, users.c.role, users.c.password_hash).where(
            users.c.username == username, users.c.active)).first() if username else None
    if wait:
        logs.event("sign_in_failed", reason="throttled", client=client, **_who(row))
        return SignIn(THROTTLED, wait=wait)
    has_password = row is not None and row.password_hash != users_mod.NO_PASSWORD
    ok = users_mod.verify_password(password or "", row.password_hash if row is not None and has_password
                                   else _DUMMY_HASH)
    if row is None or not (ok and has_password):
        with engine.begin() as conn:
            audit.record(conn, username="", action="login_failed", target=username, client=client)
        logs.event("sign_in_failed", reason="credentials", client=client, **_who(row))
        return SignIn(FAILED)
    if not password_allowed(row.role):
        with engine.begin() as conn:
            audit.record(conn, username=row.username, action="login_refused", target=row.username,
                         detail="password sign-in not allowed for role", client=client)
        logs.event("sign_in_failed", reason="password_not_allowed", client=client, user=row.username)
        return SignIn(NOT_ALLOWED)
    with engine.begin() as conn:
        token = sessions.create(conn, row.username, method=identity.METHOD_PASSWORD, client=client)
        conn.execute(users.update().where(users.c.username == row.username).values(
            last_login_at=datetime.now().replace(microsecond=0)))
        audit.record(conn, username=row.username, action="login", client=client)
    logs.event("sign_in", user=row.username, role=row.role, client=client)
    return SignIn(OK, token=token, role=row.role)
