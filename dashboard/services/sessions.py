"""Server-side sign-in sessions.

A session is a random token the browser keeps in an HttpOnly cookie (password sign-in) or the
server keeps in the session state (single sign-on); the database stores only the token's SHA-256.
Every run looks the session up here, so a revoked or expired session, a disabled user and a
changed password or role end it on the next run, on every instance."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain import identity
from queries.schema import user_sessions, users

# last_seen_at is written at most this often (not on every run of every page)
SEEN_EVERY = timedelta(minutes=1)
CLOCK_SKEW = timedelta(minutes=identity.SSO_CLOCK_SKEW_MINUTES)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(conn: Connection, username: str, *, method: str, client: str = "",
           now: datetime | None = None, second_factor_given: bool = False, sso_identity: str | None = None) -> str:
    """Open a session for an active user and return its token (shown to no one but the browser).
    `second_factor_given`: the caller has just checked a TOTP code (tools that sign in as a user);
    `sso_identity`: the key of the single sign-on identity that opens it (sso_identity_state)."""
    now = now or _now()
    row = conn.execute(sa.select(users.c.role, users.c.token_version).where(
        users.c.username == username, users.c.active)).first()
    if row is None:
        raise LookupError(username)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=identity.session_hours(row.role))
    if sso_identity:
        # a second tab of a single sign-on lasts no longer than the first: opening tabs cannot
        # keep an identity (and a replayed cookie of it) alive beyond its first session
        first = conn.execute(sa.select(sa.func.min(user_sessions.c.expires_at)).where(
            user_sessions.c.sso_identity == sso_identity)).scalar()
        expires = min(expires, first) if first is not None else expires
    conn.execute(user_sessions.insert().values(
        token_hash=token_hash(token), username=username, method=method, token_version=row.token_version,
        client=client[:64], created_at=now, last_seen_at=now, expires_at=expires,
        second_factor_at=now if second_factor_given else None, sso_identity=sso_identity))
    return token


# What a single sign-on identity may still do here (sso_identity_state).
SSO_NEW = "new"            # issued within the sign-in window, never used: may open its first session
SSO_LIVE = "live"          # a session it opened is live: may open another (a second tab)
SSO_ENDED = "ended"        # one of its sessions was signed out or revoked: refused for good
SSO_STALE = "stale"        # too old to open a first session, none of its sessions live: sign in again


def sso_identity_state(conn: Connection, identity_key: str, issued_at: datetime | None,
                       now: datetime | None = None) -> str:
    """Whether the identity `identity_key` (issued by the provider at `issued_at`, None when it did
    not say) may open a session now. A replayed cookie of a signed-out identity is ENDED; one kept
    past its sessions' end is STALE."""
    now = now or _now()
    rows = conn.execute(sa.select(user_sessions.c.revoked_at, user_sessions.c.expires_at).where(
        user_sessions.c.sso_identity == identity_key)).all()
    if any(r.revoked_at is not None for r in rows):
        return SSO_ENDED
    if any(r.expires_at > now for r in rows):
        return SSO_LIVE
    fresh = issued_at is not None and -CLOCK_SKEW <= now - issued_at <= timedelta(
        minutes=identity.SSO_SIGN_IN_WINDOW_MINUTES) + CLOCK_SKEW
    return SSO_NEW if fresh and not rows else SSO_STALE


def lookup(conn: Connection, token: str | None, now: datetime | None = None) -> dict | None:
    """The live session of `token` with its user's current row, or None when the token is unknown,
    revoked or expired, the user is disabled, or the user's password, role or status changed
    since the session began. Keeps last_seen_at current."""
    if not token:
        return None
    now = now or _now()
    row = conn.execute(
        sa.select(user_sessions.c.token_hash, user_sessions.c.method, user_sessions.c.created_at,
                  user_sessions.c.last_seen_at, user_sessions.c.second_factor_at,
                  user_sessions.c.token_version.label("session_version"), users.c.username,
                  users.c.display_name, users.c.role, users.c.token_version)
        .join(users, users.c.username == user_sessions.c.username)
        .where(user_sessions.c.token_hash == token_hash(token), user_sessions.c.revoked_at.is_(None),
               user_sessions.c.expires_at > now, users.c.active)
    ).mappings().first()
    if row is None or row["session_version"] != row["token_version"]:
        return None
    if now - row["last_seen_at"] >= SEEN_EVERY:
        conn.execute(user_sessions.update().where(user_sessions.c.token_hash == row["token_hash"])
                     .values(last_seen_at=now))
    return dict(row)


def revoke(conn: Connection, token: str | None, now: datetime | None = None) -> bool:
    """End one session (sign-out) and, for single sign-on, every other session its identity opened
    (the other tabs of that browser); True when it was live."""
    if not token:
        return False
    now = now or _now()
    key = conn.execute(sa.select(user_sessions.c.sso_identity).where(
        user_sessions.c.token_hash == token_hash(token))).scalar()
    result = conn.execute(user_sessions.update().where(
        user_sessions.c.token_hash == token_hash(token), user_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now))
    if key:
        conn.execute(user_sessions.update().where(
            user_sessions.c.sso_identity == key, user_sessions.c.revoked_at.is_(None)).values(revoked_at=now))
    return bool(result.rowcount)


def revoke_all(conn: Connection, username: str, now: datetime | None = None) -> int:
    """End every session of a user (disabling, a lost device)."""
    result = conn.execute(user_sessions.update().where(
        user_sessions.c.username == username, user_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now or _now()))
    return int(result.rowcount or 0)


def mark_second_factor(conn: Connection, token: str, now: datetime | None = None) -> None:
    conn.execute(user_sessions.update().where(user_sessions.c.token_hash == token_hash(token))
                 .values(second_factor_at=now or _now()))


def second_factor_fresh(session: dict, now: datetime | None = None) -> bool:
    """A code was given in this session within the last SECOND_FACTOR_FRESH_MINUTES."""
    at = session.get("second_factor_at")
    now = now or _now()
    return at is not None and now - at <= timedelta(minutes=identity.SECOND_FACTOR_FRESH_MINUTES)
