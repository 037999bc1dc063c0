"""Unattended data feeds: an SQL source pulled by watermark (sql_source, docs/feed.md), the feeds'
state in our database (state), and the inbox folder (inbox, docs/feed-inbox.md); each kind of row goes
through the import pipeline's validation, quarantine, derivation and frozen-month rules
(dashboard.services.ingest)."""
