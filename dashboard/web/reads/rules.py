"""Cached rules versions, for the page texts and chart lines that state a rule.

Two questions, matching the figures a text sits next to:
- `for_month(month)`: the version in force for a month (assessment, payment, 三率, staff periods);
- `current()`: the version in force this calendar month, the one the live figures are built with
  (at-risk times written at import, freshness thresholds, the equipment check).
"""
from __future__ import annotations

from dashboard.services.rules_store import current_rules, rules_for_month
from dashboard.web.reads import cached_query

for_month = cached_query(rules_for_month, name="for_month", ttl="300s", max_entries=32)
current = cached_query(current_rules, name="current", ttl="300s", max_entries=4)
