"""The audit log query of /admin: its text filter is data, never a pattern or SQL."""
from datetime import datetime

from queries.admin import audit_entries
from queries.schema import audit_log


def test_audit_filter_treats_input_as_text(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(audit_log.insert(), [
            {"at": datetime(2026, 1, 2, 9), "username": "a", "action": "login", "target": "100%_done", "detail": ""},
            {"at": datetime(2026, 1, 2, 10), "username": "b", "action": "login", "target": "other", "detail": ""},
        ])
    with sqlite_engine.connect() as conn:
        span = dict(start=datetime(2026, 1, 1), end=datetime(2026, 1, 3))
        assert len(audit_entries(conn, **span, text="100%_")) == 1
        assert len(audit_entries(conn, **span, text="%")) == 1          # a literal percent sign
        assert len(audit_entries(conn, **span, text="' OR 1=1 --")) == 0
        assert len(audit_entries(conn, **span, username="b")) == 1
