"""The group ledgers and quality reports (docs/ledgers.md)."""
