"""Unattended data feeds (docs/feed.md): an SQL source pulled by watermark (sql_source), the feeds'
state in our database (state); each kind of row goes through the import pipeline's validation,
quarantine, derivation and frozen-month rules (dashboard.services.ingest)."""
