"""The data feeds on /admin: never cached (an administrator looks here to see what just happened)."""
from __future__ import annotations

from dashboard.web.reads import cached_query
from queries import feeds

feed_list = cached_query(feeds.feed_list, fresh=True)
recent_runs = cached_query(feeds.recent_runs, fresh=True)
rejects = cached_query(feeds.rejects, fresh=True)
