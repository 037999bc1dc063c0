"""Admin reads are never cached: an administrator must see the change just made."""
from __future__ import annotations

from dashboard.web.reads import cached_query
from queries import admin

users = cached_query(admin.list_users, fresh=True)
rules_versions = cached_query(admin.list_rules_versions, fresh=True)
rules_body = cached_query(admin.rules_body, fresh=True)
audit = cached_query(admin.audit_entries, fresh=True)
audit_actions = cached_query(admin.audit_actions, fresh=True)
