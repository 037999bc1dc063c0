"""Callers and places of the synthetic world that come back (docs/repeats.md): some people call
again within days, and some addresses have a problem that keeps recurring. Drawn from a random
stream of their own (derived from the seed), so the other streams of the demo stay as they were.

Numbers are generated fake numbers and are stored like an import stores them: only the keyed
hash and the last four digits; without a key (HOTLINE_PII_KEY or the demo's data/.pii_key) the
demo stores no numbers at all, and only the address clause finds repeats.
"""
from __future__ import annotations

import random
from collections import deque
from datetime import datetime

from domain.repeats import RepeatTracker, caller_hasher, category_or_none, last_digits, normalise_address

# a share of tickets whose caller called before; how far back in callers they reach
CALL_AGAIN_SHARE = 0.07
RECENT_CALLERS = 4000
# a share of (街乡镇, 二级分类) pairs that get one problem spot, and how often that pair's
# tickets come from it afterwards
SPOT_SHARE = 0.02
SPOT_SHARE_OF_PAIR = 0.2
# the caller columns appended to the demo's ticket rows
COLUMNS = ["caller_hash", "caller_last4", "address_key", "repeat_source_no"]


class Callers:
    def __init__(self, seed: int, key: bytes | None):
        self.rng = random.Random(seed * 1_000_003 + 11)
        self.hash_of = caller_hasher(key) if key else None
        self.recent: deque[str] = deque(maxlen=RECENT_CALLERS)
        self.spots: dict[tuple[str, str], str | None] = {}
        self.tracker = RepeatTracker()

    def _number(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < CALL_AGAIN_SHARE:
            return rng.choice(self.recent)
        if rng.random() < 0.8:
            number = f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"
        else:
            number = f"010{rng.randrange(2, 10)}{rng.randrange(10 ** 7):07d}"
        self.recent.append(number)
        return number

    def _place(self, t: dict) -> None:
        """Move the ticket to its (街乡镇, 二级分类)'s problem spot now and then."""
        pair = (t["street"], t["category_l2"])
        if pair not in self.spots:
            self.spots[pair] = t["address"] if self.rng.random() < SPOT_SHARE else None
            return
        spot = self.spots[pair]
        if spot and spot != t["address"] and self.rng.random() < SPOT_SHARE_OF_PAIR:
            old = t["address"]
            t["address"] = spot
            t["title"] = (t["title"] or "").replace(old, spot)
            t["content"] = (t["content"] or "").replace(old, spot)

    def add(self, t: dict, received: datetime) -> None:
        """Sets the ticket's caller columns (COLUMNS); tickets come in the rule's order."""
        number = self._number()
        self._place(t)
        digits = number          # generated already normalised
        h = self.hash_of(digits) if self.hash_of else None
        t["caller_hash"] = h
        t["caller_last4"] = last_digits(digits) if h else None
        t["address_key"] = key = normalise_address(t["address"])
        t["repeat_source_no"] = self.tracker.take(received, t["ticket_no"], h, key, category_or_none(t["category_l1"]),
                                                  category_or_none(t["category_l2"]))
