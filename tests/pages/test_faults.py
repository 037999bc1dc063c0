"""A database that is down gives a Chinese banner, never a traceback, at start-up or mid-session."""
import os

from tests.support.apptest import app_as

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


def test_database_down_mid_session_then_back(app_db, through_app):
    at = app_as("leader")  # through app.py, whose default page for a leader is the overview
    good = {m.label: m.value for m in at.metric}
    assert "在办积压" in good
    os.environ["HOTLINE_DB_URL"], saved = DOWN, os.environ["HOTLINE_DB_URL"]
    try:
        at.run()
        assert not at.exception
        assert [e.value for e in at.error if "数据库暂时无法连接" in e.value]
        assert {m.label: m.value for m in at.metric} == good   # the last good figures stay
    finally:
        os.environ["HOTLINE_DB_URL"] = saved
    at.run()  # the database is back: the next run recovers without a reload
    assert not at.error and {m.label: m.value for m in at.metric} == good


def test_wall_reloaded_during_an_outage_keeps_its_own_banner(app_db, through_app, monkeypatch):
    """A full run of the wall through app.py: its own failure detection still sees the outage (its
    banner and caption), and app.py adds no second banner."""
    import streamlit as st

    from dashboard.web import live

    live.forget("wall:")
    st.cache_data.clear()
    at = app_as("display", "pages/wall.py")
    good = {m.label: m.value for m in at.metric}
    assert not at.error and good["在办积压"] not in ("", "—")
    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()
    at.run()
    assert not at.exception
    assert len([e for e in at.error if "数据库暂时无法连接" in e.value]) == 1
    assert any("最近一次成功读取" in c.value for c in at.caption)
    assert {m.label: m.value for m in at.metric} == good


def test_statement_timeout_is_reported_as_such(pg_url):
    """A slow query on PostgreSQL is cancelled by the statement timeout and named as a timeout."""
    import pytest
    import sqlalchemy as sa

    from dashboard.infra.db import make_engine
    from dashboard.web.ui import is_query_timeout

    eng = make_engine(pg_url, statement_timeout_ms=200)
    with pytest.raises(sa.exc.DBAPIError) as caught:
        with eng.connect() as conn:
            conn.execute(sa.text("select pg_sleep(2)"))
    assert is_query_timeout(caught.value)
    eng.dispose()
