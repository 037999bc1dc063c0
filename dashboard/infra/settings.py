"""Where the database is, the key for personal data, and other deployment settings.

Read from arguments, then environment variables, then local files; never from a committed file.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_DB_URL = "sqlite:///data/hotline.db"


class SettingsError(Exception):
    """A deployment setting is missing or unsafe; the message is shown to the operator."""


def db_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("HOTLINE_DB_URL") or DEFAULT_DB_URL
    return normalise_url(url)


def write_db_url() -> str:
    """The database role for writes of consequence (imports, sign-off, manual items, payment dates,
    report deliveries, stand-up actions, user and rules administration): HOTLINE_WRITE_DB_URL, else
    the same URL as the dashboards. With PostgreSQL, point HOTLINE_DB_URL at a read-mostly role and
    this at the writer role (README, "Database roles")."""
    url = os.environ.get("HOTLINE_WRITE_DB_URL")
    return normalise_url(url) if url else db_url()


def normalise_url(url: str) -> str:
    """psycopg 3 is the PostgreSQL driver: plain postgresql:// URLs are taken to mean it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


PII_KEY_FILE = Path("data/.pii_key")


def pii_key() -> bytes | None:
    """The key for personal data: callers' number hashes (docs/repeats.md) and the sealed TOTP
    secrets (docs/identity.md). HOTLINE_PII_KEY, else the local key file the demo writes; None when
    neither is there. Its length is checked by its users."""
    key = os.environ.get("HOTLINE_PII_KEY")
    if not key and PII_KEY_FILE.exists():
        key = PII_KEY_FILE.read_text(encoding="utf-8").strip()
    return key.encode("utf-8") if key else None


def ensure_local_pii_key() -> Path:
    """The demo's key file, written once with a random key (ignored by git, mode 600)."""
    if not PII_KEY_FILE.exists():
        PII_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        PII_KEY_FILE.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        os.chmod(PII_KEY_FILE, 0o600)
    return PII_KEY_FILE


def production() -> bool:
    return os.environ.get("HOTLINE_ENV", "").lower() == "production"


def statement_timeout_ms() -> int:
    """HOTLINE_STATEMENT_TIMEOUT_MS (PostgreSQL), default 30 s; 0 disables it (bulk jobs)."""
    try:
        return max(0, int(os.environ.get("HOTLINE_STATEMENT_TIMEOUT_MS", "30000")))
    except ValueError:
        return 30000


def local_login_roles() -> tuple[str, ...] | None:
    """HOTLINE_LOCAL_LOGIN_ROLES: the roles that may sign in with a password (comma-separated);
    None (unset or empty) = every role."""
    raw = os.environ.get("HOTLINE_LOCAL_LOGIN_ROLES", "")
    roles = tuple(part.strip() for part in raw.split(",") if part.strip())
    return roles or None


def oidc_claim() -> str:
    """HOTLINE_OIDC_CLAIM: the single sign-on claim matched to users.email (default email)."""
    return os.environ.get("HOTLINE_OIDC_CLAIM", "").strip() or "email"
