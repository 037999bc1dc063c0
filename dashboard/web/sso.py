"""Single sign-on through Streamlit's own OpenID Connect support (st.login, configured by the [auth]
section of .streamlit/secrets.toml). The identity provider says who someone is; the users table
says whether they may come in and with which role: the identity's claim (HOTLINE_OIDC_CLAIM,
default email) must match an active user's users.email."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
import streamlit as st

from dashboard.infra import logs, settings
from dashboard.services import audit
from dashboard.web.reads import engine
from queries.schema import users

REFUSAL_KEY = "hotline_sso_refusal"
UNKNOWN = "统一身份认证账号「{who}」未在本系统登记，无法登录。请联系系统管理员开通。"
DISABLED = "统一身份认证账号「{who}」对应的本系统账号已停用，无法登录。"
NO_CLAIM = "统一身份认证未提供所需的身份信息（{claim}），无法登录。请联系系统管理员。"
SIGNED_OUT = "此次统一身份认证登录已退出，请重新登录。"
EXPIRED = "统一身份认证登录已过期，请重新登录。"


def configured() -> bool:
    """[auth] holds Streamlit's single-provider keys (client_id and server_metadata_url)."""
    try:
        section = st.secrets.get("auth", {})
        return bool(section.get("client_id") and section.get("server_metadata_url"))
    except Exception:  # noqa: BLE001 - no secrets file: no single sign-on
        return False


def signed_in_claims() -> dict | None:
    try:
        if not st.user.is_logged_in:
            return None
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no auth configured, no browser connection
        return None


def identity_key(claims: dict) -> str:
    """The provider's sign-in these claims come from: SHA-256 of its issuer, subject, issue time
    and nonce (the same on every replay of the cookie, new at every sign-in at the provider)."""
    parts = [claims.get(k) for k in ("iss", "sub", "iat", "nonce", "sid")]
    if not any(parts[2:]):              # a provider that says none of them: all claims identify it
        parts = sorted((k, str(v)) for k, v in claims.items() if k != "is_logged_in")
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def issued_at(claims: dict) -> datetime | None:
    """When the provider issued the identity (its iat claim, seconds since 1970), in local time."""
    try:
        return datetime.fromtimestamp(int(claims["iat"]))
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def refuse(message: str, reason: str, username: str, claims: dict, client: str) -> None:
    """Keep the refusal for the sign-in page; audited and logged once per browser session."""
    if st.session_state.get(REFUSAL_KEY) != message:
        value = str(claims.get(settings.oidc_claim()) or "")
        with engine().begin() as conn:
            audit.record(conn, username=username, action="login_refused", target=value[:128],
                         detail=f"sso {reason}", client=client)
        logs.event("sign_in_failed", reason=f"sso_{reason}", client=client)
    st.session_state[REFUSAL_KEY] = message


def match_user(claims: dict, client: str) -> str | None:
    """The active user whose users.email equals the identity's claim, else None (the refusal is
    audited once per browser session and kept for the sign-in page to show)."""
    claim = settings.oidc_claim()
    value = str(claims.get(claim) or "").strip()
    with engine().connect() as conn:
        row = conn.execute(sa.select(users.c.username, users.c.active).where(
            sa.func.lower(users.c.email) == value.lower())).first() if value else None
    if row is not None and row.active:
        return str(row.username)
    if not value:
        message, reason = NO_CLAIM.format(claim=claim), "no_claim"
    elif row is None:
        message, reason = UNKNOWN.format(who=value), "unknown"
    else:
        message, reason = DISABLED.format(who=value), "disabled"
    refuse(message, reason, row.username if row else "", claims, client)
    return None


def refusal() -> str | None:
    return st.session_state.get(REFUSAL_KEY)


def accepted() -> None:
    """A session was opened: an earlier refusal is over."""
    st.session_state.pop(REFUSAL_KEY, None)


def may_sign_in_again() -> bool:
    """The refusal is about this sign-in (signed out, expired), not about the account: a new sign-in
    at the provider is the way back."""
    return st.session_state.get(REFUSAL_KEY) in (SIGNED_OUT, EXPIRED)


def login() -> None:
    st.login()


def logout() -> None:
    st.session_state.pop(REFUSAL_KEY, None)
    st.logout()
