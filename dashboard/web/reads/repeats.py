"""Cached reads of repeat complaints (queries.repeats)."""
from __future__ import annotations

from dashboard.web.reads import cached_query
from queries import repeats

totals = cached_query(repeats.repeat_totals, ttl="60s", max_entries=64)
counts = cached_query(repeats.repeat_counts, ttl="60s", max_entries=64)
top_repeated = cached_query(repeats.top_repeated, ttl="60s", max_entries=32)
chain = cached_query(repeats.repeat_chain, ttl="60s", max_entries=64)
open_repeats = cached_query(repeats.open_repeats, ttl="60s", max_entries=32)
