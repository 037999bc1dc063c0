"""The wall keeps its last good figures under a red banner while the database is down, and
recovers by itself on the next refresh.

A refresh of the wall is a rerun of its fragment, which does not pass through app.py's login
(that runs once per page load). AppTest cannot trigger a fragment-only rerun, so the page script
is run on its own with the signed-in user fixed; each at.run() then is exactly what a refresh
executes. (A full page load while the database is down gets app.py's banner: tests/test_faults.py.)
"""
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.web import auth, live
from tests.support.apptest import ROOT

DOWN = "postgresql+psycopg://127.0.0.1:1/hotline_down"


@pytest.fixture
def wall(app_db, monkeypatch):
    monkeypatch.setattr(auth, "current_user", lambda: auth.CurrentUser("u_display", "display", "测试大屏账号"))
    live.forget("wall:")
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "wall.py"), default_timeout=60)
    at.run()
    return at


def metric_values(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_wall_survives_database_outage_and_recovers(wall, app_db, monkeypatch):
    good = metric_values(wall)
    assert not wall.exception and not wall.error
    assert good["在办积压"] not in ("", "—") and good["今日受理"] not in ("", "—")

    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()             # a new minute: nothing cached for it yet
    wall.run()
    assert not wall.exception
    assert any("数据库暂时无法连接" in e.value for e in wall.error)
    assert metric_values(wall) == good            # the last good figures, not blanks
    assert any("最近一次成功读取" in c.value for c in wall.caption)

    monkeypatch.setenv("HOTLINE_DB_URL", app_db)   # the database is back
    st.cache_data.clear()
    wall.run()
    assert not wall.exception and not wall.error
    assert metric_values(wall) == good


def test_wall_without_any_good_read_shows_dashes(app_db, monkeypatch):
    monkeypatch.setattr(auth, "current_user", lambda: auth.CurrentUser("u_display", "display", "测试大屏账号"))
    live.forget("wall:")
    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "wall.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("数据库暂时无法连接" in e.value for e in at.error)
    assert metric_values(at)["在办积压"] == "—"
