"""接诉即办运行监管平台 — domain rules, ingest, exports, cached wrappers, UI helpers and CLI."""
