"""Small secrets kept encrypted at rest (the TOTP secrets of user_totp): AES-256-GCM under a key
derived with HKDF-SHA256, under its own label, from HOTLINE_PII_KEY, the server's key for personal
data (docs/identity.md). Each secret is bound to its row's owner (the GCM associated data), so a
sealed secret copied to another account does not open.

Without a usable key a secret is stored as it is (health warns); it is sealed the next time it is
used with the key present."""
from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dashboard.infra import settings
from domain.repeats import key_ok

SEALED_PREFIX = "v1:"       # never the start of a base32 TOTP secret (A–Z, 2–7)
_LABEL = b"hotline user_totp secret v1"
_NONCE_BYTES = 12


class SecretKeyError(Exception):
    """A sealed secret cannot be opened: the key is missing or not the one it was sealed with."""


def _key() -> bytes | None:
    raw = settings.pii_key()
    if not key_ok(raw):
        return None
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(raw)


def available() -> bool:
    return _key() is not None


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def seal(plain: str, owner: str) -> str:
    """The secret as stored: sealed when the key is there, else as it is."""
    key = _key()
    if key is None:
        return plain
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plain.encode("utf-8"), owner.encode("utf-8"))
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(stored: str, owner: str) -> str:
    if not is_sealed(stored):
        return stored
    key = _key()
    if key is None:
        raise SecretKeyError("no key")
    try:
        raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX):].encode("ascii"))
        return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], owner.encode("utf-8")).decode("utf-8")
    except (InvalidTag, ValueError):      # another key, or a damaged value
        raise SecretKeyError("cannot open") from None
