"""Cached rules versions, for the page texts and chart lines that state a rule.

Two questions, matching the figures a text sits next to:
- `for_month(month)`: the version in force for a month (assessment, payment, 三率, staff periods);
- `current()`: the version in force this calendar month, the one the live figures are built with
  (at-risk times written at import, freshness thresholds, the equipment check).
"""
from __future__ import annotations

from dashboard.services.rules_store import current_rules, rules_for_month
from dashboard.web.reads import cached, engine
from domain.rules import Rules


@cached(ttl="300s", max_entries=32, show_spinner=False)
def for_month(month: str) -> Rules:
    with engine().connect() as conn:
        return rules_for_month(conn, month)


@cached(ttl="300s", max_entries=4, show_spinner=False)
def current() -> Rules:
    with engine().connect() as conn:
        return current_rules(conn)
