"""User accounts: bcrypt passwords, roles, disabling, token versions for revocation."""
from __future__ import annotations

import re
from datetime import datetime

import bcrypt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.services import audit
from domain.access import ROLES
from queries.schema import users

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_BYTES = 72  # bcrypt ignores what lies beyond
# The password hash of an account that signs in only through single sign-on: no password matches it.
NO_PASSWORD = "!"
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")


class UserError(ValueError):
    """A refused user operation; the message is meant for the operator."""


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"密码至少 {MIN_PASSWORD_CHARS} 个字符 (password must have at least {MIN_PASSWORD_CHARS} characters)")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UserError(f"密码不能超过 {MAX_PASSWORD_BYTES} 字节 (password must be at most {MAX_PASSWORD_BYTES} bytes)")


def hash_password(password: str) -> str:
    check_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def get(conn: Connection, username: str) -> dict | None:
    row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def add(conn: Connection, username: str, role: str, password: str | None, *, display_name: str | None = None,
        actor: str = "cli", email: str | None = None) -> None:
    """A new account; `password` None makes one that signs in only through single sign-on (`email`)."""
    if not USERNAME.match(username or ""):
        raise UserError("用户名只能包含字母、数字、下划线、点和横线，2–64 个字符 (invalid user name)")
    if role not in ROLES:
        raise UserError(f"未知角色 {role!r}，可选：{', '.join(ROLES)} (unknown role)")
    if get(conn, username):
        raise UserError(f"用户 {username} 已存在 (user already exists)")
    email = _checked_email(conn, email, username) if email else None
    now = _now()
    conn.execute(users.insert().values(
        username=username, display_name=display_name or username, role=role,
        password_hash=hash_password(password) if password is not None else NO_PASSWORD, active=True,
        token_version=1, created_at=now, updated_at=now, email=email))
    audit.record(conn, username=actor, action="user_add", target=username, detail=f"role={role}")


def _checked_email(conn: Connection, email: str, username: str) -> str:
    email = email.strip()
    if not email or len(email) > 254 or any(c.isspace() for c in email):
        raise UserError("统一身份认证标识不能为空、不能含空格，最长 254 个字符 (invalid identity claim)")
    other = conn.execute(sa.select(users.c.username).where(
        sa.func.lower(users.c.email) == email.lower(), users.c.username != username)).scalar()
    if other:
        raise UserError(f"标识 {email} 已关联到用户 {other} (claim already linked)")
    return email


def set_email(conn: Connection, username: str, email: str, *, actor: str = "cli") -> None:
    """Link an account to a single sign-on identity (the configured claim's value)."""
    _require(conn, username)
    email = _checked_email(conn, email, username)
    conn.execute(users.update().where(users.c.username == username).values(
        email=email, token_version=users.c.token_version + 1, updated_at=_now()))
    audit.record(conn, username=actor, action="user_link", target=username, detail=f"claim={email}")


def _require(conn: Connection, username: str) -> dict:
    user = get(conn, username)
    if not user:
        raise UserError(f"用户 {username} 不存在 (no such user)")
    return user


def disable(conn: Connection, username: str, *, actor: str = "cli") -> None:
    _require(conn, username)
    conn.execute(users.update().where(users.c.username == username).values(
        active=False, token_version=users.c.token_version + 1, updated_at=_now()))
    audit.record(conn, username=actor, action="user_disable", target=username)


def enable(conn: Connection, username: str, *, actor: str = "cli") -> None:
    _require(conn, username)
    conn.execute(users.update().where(users.c.username == username).values(
        active=True, token_version=users.c.token_version + 1, updated_at=_now()))
    audit.record(conn, username=actor, action="user_enable", target=username)


def set_password(conn: Connection, username: str, password: str, *, actor: str = "cli") -> None:
    _require(conn, username)
    conn.execute(users.update().where(users.c.username == username).values(
        password_hash=hash_password(password), token_version=users.c.token_version + 1, updated_at=_now()))
    audit.record(conn, username=actor, action="user_passwd", target=username)


def set_role(conn: Connection, username: str, role: str, *, actor: str = "cli") -> None:
    if role not in ROLES:
        raise UserError(f"未知角色 {role!r} (unknown role)")
    _require(conn, username)
    conn.execute(users.update().where(users.c.username == username).values(
        role=role, token_version=users.c.token_version + 1, updated_at=_now()))
    audit.record(conn, username=actor, action="user_role", target=username, detail=f"role={role}")


def bump_token(conn: Connection, username: str) -> None:
    """Invalidate every cookie issued so far (logout everywhere)."""
    conn.execute(users.update().where(users.c.username == username).values(
        token_version=users.c.token_version + 1))


def list_users(conn: Connection) -> list[dict]:
    rows = conn.execute(sa.select(users.c.username, users.c.display_name, users.c.role, users.c.active,
                                  users.c.created_at, users.c.last_login_at).order_by(users.c.username))
    return [dict(r._mapping) for r in rows]
