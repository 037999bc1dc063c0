"""Exports (CSV, XLSX): every file a user downloads goes through `safe`."""
