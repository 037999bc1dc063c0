"""TOTP second factor (RFC 6238, 30-second steps, 6 digits): enrolment with a QR code and recovery
codes, and checking a code. A code is accepted once (the last step used is kept), a recovery code
once (only their SHA-256 is stored); every failure is audited by the caller's action, and refused
codes are throttled per account and per client address like failed sign-ins
(dashboard.services.login_guard). The secret is stored sealed (dashboard.infra.secret_box)."""
from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.infra import secret_box
from dashboard.services import audit, login_guard
from domain import identity
from queries.schema import user_totp

ISSUER = "接诉即办运行监管平台"
# A code from the step before or after the current one is accepted (clocks a little apart).
VALID_WINDOW = 1

ACCEPTED, WRONG, REUSED, NOT_ENROLLED, NO_KEY = "accepted", "wrong", "reused", "not_enrolled", "no_key"
THROTTLED = "throttled"
MESSAGES = {
    THROTTLED: "动态验证码错误次数过多，请 {wait} 秒后再试。",
    WRONG: "动态验证码不正确。",
    REUSED: "该动态验证码已使用过，请等待下一个验证码。",
    NOT_ENROLLED: "尚未绑定动态验证码，请先完成绑定。",
    NO_KEY: "服务器的加密密钥（HOTLINE_PII_KEY）未配置或已更换，无法校验动态验证码。请联系系统管理员。",
}


class Outcome(str):
    """What check returns: equal to one of the outcome names above; `wait` holds the seconds still
    to wait when the outcome is THROTTLED."""
    wait: int

    def __new__(cls, value: str, wait: int = 0) -> Outcome:
        outcome = super().__new__(cls, value)
        outcome.wait = wait
        return outcome


def message(outcome: str) -> str:
    """The Chinese message for a refused outcome of check (with the wait when throttled)."""
    return MESSAGES[outcome].format(wait=getattr(outcome, "wait", 0))


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    recovery_codes: list[str]


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").lower().encode("ascii", "ignore")).hexdigest()


def status(conn: Connection, username: str) -> dict | None:
    row = conn.execute(sa.select(user_totp).where(user_totp.c.username == username)).mappings().first()
    return dict(row) if row else None


def enrolled(conn: Connection, username: str) -> bool:
    row = status(conn, username)
    return bool(row and row["confirmed_at"])


def start_enrolment(conn: Connection, username: str) -> Enrolment:
    """A new secret and recovery codes (replacing an unconfirmed one); the codes are shown once."""
    secret = pyotp.random_base32()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(identity.RECOVERY_CODES)]
    hashes = ",".join(_hash(c) for c in codes)
    conn.execute(user_totp.delete().where(user_totp.c.username == username, user_totp.c.confirmed_at.is_(None)))
    if status(conn, username):
        raise ValueError("already enrolled")
    conn.execute(user_totp.insert().values(username=username, secret=secret_box.seal(secret, username), last_step=0,
                                           recovery_hashes=hashes))
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    return Enrolment(secret, uri, codes)


def qr_png(uri: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def _step_of(totp: pyotp.TOTP, code: str, at: datetime) -> int | None:
    """The time step whose code this is (within VALID_WINDOW of now), else None."""
    now_step = totp.timecode(at)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = now_step + offset
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check(conn: Connection, username: str, code: str, *, purpose: str, client: str = "",
          at: datetime | None = None, confirming: bool = False) -> Outcome:
    """Check a TOTP or recovery code and record the outcome in the audit log; returns ACCEPTED,
    WRONG, REUSED, NOT_ENROLLED or NO_KEY (the sealed secret cannot be opened here: a recovery code
    still works), or THROTTLED without looking at the code when too many codes were refused lately
    for this account or from this client (login_guard; `at` is also the throttle's now)."""
    # one check per account at a time (PostgreSQL; SQLite has one writer anyway): codes sent in
    # parallel would otherwise all be read against the same count of earlier refusals
    conn.execute(sa.select(user_totp.c.username).where(user_totp.c.username == username).with_for_update())
    wait = login_guard.second_factor_retry_after(conn, username, client, at)
    if wait:
        audit.record(conn, username=username, action="second_factor_failed", target=purpose[:128],
                     detail=THROTTLED, client=client)
        return Outcome(THROTTLED, wait)
    row = status(conn, username)
    code = (code or "").strip().replace(" ", "")
    outcome = NOT_ENROLLED
    if row and (row["confirmed_at"] or confirming):
        outcome = _check_code(conn, row, code, at or datetime.now(), confirming)
        if outcome in (WRONG, NO_KEY) and row["confirmed_at"] and code and _use_recovery_code(conn, row, code):
            outcome = ACCEPTED
            purpose += " recovery-code"
    action = "second_factor" if outcome == ACCEPTED else "second_factor_failed"
    audit.record(conn, username=username, action=action, target=purpose[:128], detail=outcome, client=client)
    return Outcome(outcome)


def _check_code(conn: Connection, row: dict, code: str, at: datetime, confirming: bool) -> str:
    username = row["username"]
    try:
        secret = secret_box.unseal(row["secret"], username)
    except secret_box.SecretKeyError:
        return NO_KEY
    step = _step_of(pyotp.TOTP(secret), code, at) if code.isdigit() and len(code) == 6 else None
    if step is None:
        return WRONG
    if step <= row["last_step"]:
        return REUSED
    values: dict = {"last_step": step}
    if confirming and not row["confirmed_at"]:
        values["confirmed_at"] = _now()
    if not secret_box.is_sealed(row["secret"]) and secret_box.available():
        values["secret"] = secret_box.seal(secret, username)   # stored before the key was set
    conn.execute(user_totp.update().where(user_totp.c.username == username).values(**values))
    return ACCEPTED


def _use_recovery_code(conn: Connection, row: dict, code: str) -> bool:
    hashes = [h for h in row["recovery_hashes"].split(",") if h]
    if _hash(code) not in hashes:
        return False
    hashes.remove(_hash(code))
    conn.execute(user_totp.update().where(user_totp.c.username == row["username"])
                 .values(recovery_hashes=",".join(hashes)))
    return True


def remaining_recovery_codes(conn: Connection, username: str) -> int:
    row = status(conn, username)
    return len([h for h in row["recovery_hashes"].split(",") if h]) if row else 0


def reset(conn: Connection, username: str, *, actor: str) -> None:
    """Remove a user's second factor (a lost phone with no recovery code left); they enrol again."""
    conn.execute(user_totp.delete().where(user_totp.c.username == username))
    audit.record(conn, username=actor, action="second_factor_reset", target=username)
