"""A database that is down gives a Chinese banner, never a traceback, at start-up or mid-session."""
import os

from tests.apptest import app_as

DOWN = "postgresql+psycopg://127.0.0.1:1/hotline_down"


def _with_db(url, fn):
    saved = os.environ["HOTLINE_DB_URL"]
    os.environ["HOTLINE_DB_URL"] = url
    try:
        return fn()
    finally:
        os.environ["HOTLINE_DB_URL"] = saved


def test_database_down_at_start_shows_banner(app_db):
    at = _with_db(DOWN, lambda: app_as(None))
    assert not at.exception
    assert any("数据库暂时无法连接" in e.value for e in at.error)


def test_database_down_mid_session_then_back(app_db):
    at = app_as("leader")  # through app.py, whose default page for a leader is the overview
    assert any(m.label == "在办积压" for m in at.metric)
    os.environ["HOTLINE_DB_URL"], saved = DOWN, os.environ["HOTLINE_DB_URL"]
    try:
        at.run()
        assert not at.exception
        assert any("数据库暂时无法连接" in e.value for e in at.error)
    finally:
        os.environ["HOTLINE_DB_URL"] = saved
    at.run()  # the database is back: the next run recovers without a reload
    assert not at.error and any(m.label == "在办积压" for m in at.metric)


def test_statement_timeout_is_reported_as_such(pg_url):
    """A slow query on PostgreSQL is cancelled by the statement timeout and named as a timeout."""
    import sqlalchemy as sa
    import pytest

    from dashboard.db import make_engine
    from dashboard.ui import is_query_timeout

    eng = make_engine(pg_url, statement_timeout_ms=200)
    with pytest.raises(sa.exc.DBAPIError) as caught:
        with eng.connect() as conn:
            conn.execute(sa.text("select pg_sleep(2)"))
    assert is_query_timeout(caught.value)
    eng.dispose()
