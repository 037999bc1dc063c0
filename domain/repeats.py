"""Repeat complaints (重复诉求) and the caller's number as a keyed hash (docs/repeats.md).

Pure rules: how a caller's number and an address are normalised, when two tickets are the same
problem, and which earlier ticket a repeat repeats. No I/O; the key is handed in by the caller.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import starmap
from typing import Any

# the look-back of the rule: an earlier ticket counts when received at most this long before
REPEAT_WINDOW = timedelta(days=30)
REPEAT_WINDOW_DAYS = 30
# a normalised address shorter than this names no place precisely enough to count
MIN_ADDRESS_CHARS = 6
# the server key of the caller hash: at least this many bytes
MIN_PII_KEY_BYTES = 32
MOBILE_DIGITS = 11
SHOWN_DIGITS = 4
MASK = "****"
# steps followed back along a chain of repeats on a ticket's page
MAX_CHAIN = 20

_NOT_DIGITS = re.compile(r"[^0-9]+")      # ASCII digits only (not other scripts' digits)


def normalise_phone(text: str | None) -> str:
    """The caller's number as digits: NFKC, ASCII digits only, a leading 0086 (else 86) removed
    once from a number longer than 11 digits, then the trunk 0 put in front of a number that is
    not a mobile number (11 digits starting with 1) and does not start with 0. '' when empty."""
    text = text or ""
    if len(text) == MOBILE_DIGITS and text.isascii() and text.isdigit() and text[0] == "1":
        return text                  # a mobile number as written (most of them): nothing to do
    if not text.isascii():           # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) > MOBILE_DIGITS:
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86"):
            digits = digits[2:]
    mobile = len(digits) == MOBILE_DIGITS and digits.startswith("1")
    if digits and not mobile and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def caller_hash(digits: str, key: bytes) -> str | None:
    """HMAC-SHA256 (hex) of normalised digits with the server key; None for an empty number
    (it matches no one)."""
    if not digits:
        return None
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def caller_hasher(key: bytes) -> Callable[[str], str | None]:
    """caller_hash with the key's two HMAC pads hashed once (RFC 2104 built from SHA-256 states:
    a copy of each per number, about half the time of copying an hmac object, which adds a
    Python layer around the same two states, at 100,000s of rows)."""
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
    inner = hashlib.sha256(padded.translate(_INNER_PAD))
    outer = hashlib.sha256(padded.translate(_OUTER_PAD))

    def hash_of(digits: str) -> str | None:
        if not digits:
            return None
        h = inner.copy()
        h.update(digits.encode("ascii"))
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()
    return hash_of


_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


def last_digits(digits: str) -> str | None:
    """What is kept for display: the last four digits (None for an empty number)."""
    return digits[-SHOWN_DIGITS:] if digits else None


def masked(last4: str | None) -> str:
    """'****1234' for display; '' when no number is known."""
    return f"{MASK}{last4}" if last4 else ""


def key_ok(key: bytes | None) -> bool:
    return key is not None and len(key) >= MIN_PII_KEY_BYTES


class _AddressDropTable(dict[int, int | None]):
    """str.translate table deleting whitespace (str.isspace) and Unicode punctuation and
    separators (categories P* and Z*), filled per character as addresses use them (the whole
    code space takes over a second to walk)."""

    def __missing__(self, cp: int) -> int | None:
        c = chr(cp)
        kept = None if c.isspace() or unicodedata.category(c)[0] in "PZ" else cp
        self[cp] = kept
        return kept


_ADDRESS_DROP = _AddressDropTable()


def normalise_address(text: str | None) -> str | None:
    """NFKC, whitespace and punctuation removed; None when fewer than 6 characters are left
    (such an address matches nothing)."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text).translate(_ADDRESS_DROP)
    return s if len(s) >= MIN_ADDRESS_CHARS else None


def _blank(v: str | None) -> bool:
    return v is None or not v.strip()


def same_category(l1_a: str | None, l2_a: str | None, l1_b: str | None, l2_b: str | None) -> bool:
    """Equal 二级分类 when both have one, else equal non-blank 一级分类."""
    if not _blank(l2_a) and not _blank(l2_b):
        return l2_a == l2_b
    return not _blank(l1_a) and l1_a == l1_b


@dataclass(frozen=True)
class RepeatKeys:
    """What the rule looks at of one ticket."""
    ticket_no: str
    received_at: datetime
    caller_hash: str | None
    address_key: str | None
    category_l1: str | None
    category_l2: str | None

    @property
    def order(self) -> tuple[datetime, str]:
        """Earlier first; equal times: the ticket number first in code-point order."""
        return (self.received_at, self.ticket_no)


def category_or_none(v: str | None) -> str | None:
    """A category as the rule compares it: None when blank (a blank category matches nothing)."""
    return v if v is not None and v.strip() else None


class RepeatTracker:
    """The rule fed one ticket at a time, in the rule's order (received_at, then ticket_no in
    code-point order); categories as category_or_none gives them.

    It keeps the latest ticket seen per caller and per (address, category) key. Fed in order, the
    latest match overall is the latest seen, so one look-up per key answers "the latest earlier
    S"; S counts when it lies within the window. A ticket with 二级分类 matches S of the same
    address with that 二级分类, or S without one but with the same 一级分类; a ticket without
    二级分类 matches S of the same address and 一级分类."""

    def __init__(self) -> None:
        self.by_caller: dict[str, tuple[datetime, str]] = {}
        self.by_l2: dict[tuple[str, str], tuple[datetime, str]] = {}        # any S with that 二级分类
        self.by_l1_no_l2: dict[tuple[str, str], tuple[datetime, str]] = {}  # S without 二级分类
        self.by_l1: dict[tuple[str, str], tuple[datetime, str]] = {}        # any S with that 一级分类

    def take(self, at: datetime, no: str, caller: str | None, address: str | None, l1: str | None,
             l2: str | None) -> str | None:
        """The ticket's 重复来源工单 (None: not a repeat); the ticket is then remembered."""
        best = self.by_caller.get(caller) if caller is not None else None
        if address is not None:
            if l2 is not None:
                c = self.by_l2.get((address, l2))
                if c is not None and (best is None or c > best):
                    best = c
                if l1 is not None:
                    c = self.by_l1_no_l2.get((address, l1))
                    if c is not None and (best is None or c > best):
                        best = c
            elif l1 is not None:
                c = self.by_l1.get((address, l1))
                if c is not None and (best is None or c > best):
                    best = c
        mark = (at, no)
        if caller is not None:
            self.by_caller[caller] = mark
        if address is not None:
            if l2 is not None:
                self.by_l2[(address, l2)] = mark
            if l1 is not None:
                self.by_l1[(address, l1)] = mark
                if l2 is None:
                    self.by_l1_no_l2[(address, l1)] = mark
        return best[1] if best is not None and best[0] >= at - REPEAT_WINDOW else None


def sources_in_order(rows: Iterable[tuple[Any, ...]]) -> list[str | None]:
    """重复来源工单 of each row, rows already in the rule's order, as tuples (received_at,
    ticket_no, caller_hash, address_key, category_l1, category_l2) with blanks as None."""
    return list(starmap(RepeatTracker().take, rows))


def repeat_sources(rows: Iterable[RepeatKeys]) -> Iterator[tuple[str, str | None]]:
    """(ticket_no, 重复来源工单 or None) of every ticket, in the rule's order."""
    ordered = sorted(rows, key=lambda r: r.order)
    found = sources_in_order((t.received_at, t.ticket_no, t.caller_hash or None, t.address_key or None,
                              category_or_none(t.category_l1), category_or_none(t.category_l2)) for t in ordered)
    return zip((t.ticket_no for t in ordered), found)


def is_repeat(t: RepeatKeys, s: RepeatKeys) -> bool:
    """The rule for one pair, as written: S earlier than T, within the window, same caller or same
    address and category (for tests and explanations; the import uses sources_in_order)."""
    if not (s.order < t.order and s.received_at >= t.received_at - REPEAT_WINDOW):
        return False
    if t.caller_hash and t.caller_hash == s.caller_hash:
        return True
    return (t.address_key is not None and t.address_key == s.address_key
            and same_category(t.category_l1, t.category_l2, s.category_l1, s.category_l2))
