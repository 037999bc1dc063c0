"""Login throttling (dashboard.services.login_guard): back-off that grows and caps, per user, never a
permanent lock-out."""
from datetime import datetime, timedelta

from dashboard.services import login_guard
from queries.schema import audit_log


def test_backoff_grows_then_caps_never_permanent():
    assert [login_guard.wait_seconds(n) for n in range(0, 5)] == [0, 0, 0, 0, 0]
    assert login_guard.wait_seconds(5) == 15 and login_guard.wait_seconds(6) == 30
    assert login_guard.wait_seconds(50) == login_guard.MAX_WAIT_SECONDS


def test_throttle_per_user_then_recovers(sqlite_engine):
    now = datetime(2026, 1, 15, 10, 0, 0)
    with sqlite_engine.begin() as conn:
        for i in range(5):
            conn.execute(audit_log.insert().values(at=now - timedelta(seconds=10 - i), action="login_failed",
                                                   target="demo_display", client=f"10.0.0.{i}"))
    with sqlite_engine.connect() as conn:
        assert login_guard.retry_after(conn, "demo_display", "10.9.9.9", now) > 0
        assert login_guard.retry_after(conn, "someone_else", "10.9.9.9", now) == 0
        # after the window the account is usable again: no permanent lock-out
        assert login_guard.retry_after(conn, "demo_display", "10.9.9.9", now + timedelta(minutes=16)) == 0
