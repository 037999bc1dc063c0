"""Pages while the database is down: a Chinese banner, never a traceback — at start-up, mid-session,
before any sign-in is confirmed — and the last good figures kept under it until the database is back.

Desk pages run through app.py on their own copy of the page-test database: a first run reads the
figures; then the app points at an unreachable PostgreSQL (and Streamlit's data cache is cleared: a
new minute with nothing cached) — the same figures come back under the banner naming when they were
read; meanwhile new tickets arrive in the real database, and once the app points at it again the
next run shows them, without a banner.

A refresh of the wall is a rerun of its fragment, which does not pass through app.py's login (that
runs once per page load). AppTest cannot trigger a fragment-only rerun, so the wall's refresh tests
run the page script on its own with the signed-in user fixed; each at.run() then is exactly what a
refresh executes. A full page load of the wall goes through app.py like any page.
"""
from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.infra.db import make_engine
from dashboard.web import auth, live
from tests.support.apptest import app_as
from tests.support.live_fixture import load, ticket
from tests.support.paths import ROOT

DOWN = "postgresql+psycopg://127.0.0.1:1/hotline_down"
BANNER = "数据库暂时无法连接"
NEW_TICKETS = 5


@pytest.fixture
def own_db(app_db, through_app, tmp_path, monkeypatch):
    """A copy of the page-test database for this test (it gets new tickets), as HOTLINE_DB_URL."""
    path = tmp_path / "copy.db"
    src, dst = sqlite3.connect(sa.engine.make_url(app_db).database), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    url = f"sqlite:///{path}"
    monkeypatch.setenv("HOTLINE_DB_URL", url)
    st.cache_data.clear()
    live.last_good.clear()
    yield url
    st.cache_data.clear()
    live.last_good.clear()


def add_tickets(url: str) -> None:
    """NEW_TICKETS tickets received this morning, open, in the assessment."""
    eng = make_engine(url)
    load(eng, [ticket(f"LG-{i}", f"2026-01-15 08:0{i}:00") for i in range(NEW_TICKETS)])
    eng.dispose()


def frames(at) -> list[str]:
    return [d.value.to_csv() if isinstance(d.value, pd.DataFrame) else str(d.value) for d in at.dataframe]


def snapshot(at) -> tuple[dict, list[str]]:
    return {m.label: m.value for m in at.metric}, frames(at)


def banners(at) -> list[str]:
    return [e.value for e in at.error if BANNER in e.value]


def number(text: str) -> int:
    return int(text.replace(",", ""))


PAGES = {
    # page: (file, role, the tile that counts the new tickets)
    "overview": (None, "leader", "在办积压"),
    "backlog": ("pages/backlog.py", "leader", "在办积压"),
    "tickets": ("pages/tickets.py", "leader", "匹配工单"),
    "assessment": ("pages/assessment.py", "reviewer", None),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_desk_page_keeps_last_good_figures_and_recovers(own_db, monkeypatch, page):
    file, role, counter = PAGES[page]
    before = datetime.now()
    at = app_as(role, file)
    after = datetime.now()
    assert not at.exception and not at.error
    good = snapshot(at)
    assert good[0], "the page shows tiles"

    add_tickets(own_db)                       # data keeps arriving while the app cannot see it
    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()                     # a new minute: nothing cached for it yet
    at.run()
    assert not at.exception
    assert snapshot(at) == good               # the same figures as before, not blanks
    shown = banners(at)
    assert len(shown) == 1 and "以下为" in shown[0]
    read_at = datetime.strptime(f"{before:%Y-%m-%d} " + re.search(r"(\d\d:\d\d:\d\d) 读取", shown[0]).group(1),
                                "%Y-%m-%d %H:%M:%S")
    assert before.replace(microsecond=0) <= read_at <= after   # when those figures were read

    monkeypatch.setenv("HOTLINE_DB_URL", own_db)   # the database is back
    st.cache_data.clear()
    at.run()
    assert not at.exception and not at.error
    back = snapshot(at)
    assert back != good                           # fresh figures: the new tickets count
    if counter:
        assert number(back[0][counter]) == number(good[0][counter]) + NEW_TICKETS


def test_ticket_details_kept_too(own_db, monkeypatch):
    """The selected ticket's details, events and clocks come back from memory as well."""
    at = app_as("leader", "pages/tickets.py")
    no = str(at.dataframe[0].value.iloc[0]["工单编号"])
    at.query_params["ticket"] = no
    at.run()
    good = (snapshot(at), [s.value for s in at.subheader])
    assert "工单详情" in good[1] and len(good[0][1]) >= 2

    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()
    at.run()
    assert not at.exception and len(banners(at)) == 1
    assert (snapshot(at), [s.value for s in at.subheader]) == good


def test_question_never_read_gives_the_banner_without_traceback(own_db, monkeypatch):
    """A page never read before the outage has nothing to show: the banner only, no traceback."""
    at = app_as("leader")                      # the overview only
    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()
    at.switch_page("pages/compliance.py")
    at.run()
    assert not at.exception
    assert len(banners(at)) == 1


def test_database_down_before_any_sign_in_confirmed(own_db, monkeypatch):
    """A session the database never confirmed gets no figures from memory, only the banner."""
    app_as("leader")                           # another session fills the store
    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    st.cache_data.clear()
    at = app_as("leader")
    assert not at.exception and len(banners(at)) == 1
    assert not at.metric


def test_writes_are_refused_while_the_user_cannot_be_confirmed(own_db, monkeypatch):
    """Reads unreachable, the writer role reachable: the admin's write is refused, nothing written."""
    at = app_as("admin", "pages/admin.py")
    monkeypatch.setenv("HOTLINE_WRITE_DB_URL", own_db)
    monkeypatch.setenv("HOTLINE_DB_URL", DOWN)
    at.run()
    assert not at.exception and len(banners(at)) == 1     # the user list is kept
    field = {}
    for t in at.text_input:                                   # the add-user form comes first
        field.setdefault(t.label, t)
    field["用户名"].input("lg_new_user")
    field["初始密码"].input("a long enough password")
    next(b for b in at.button if b.label == "创建").click()
    at.run()
    assert not at.exception and banners(at)
    assert not [s.value for s in at.success] and len(at.error) == 1   # refused for the outage only
    eng = make_engine(own_db)
    with eng.connect() as conn:
        made = conn.execute(sa.text("select count(*) from users where username = 'lg_new_user'")).scalar()
    eng.dispose()
    assert made == 0


# --- start-up and mid-session through app.py ------------------------------------------------

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


# --- the wall's refresh (its fragment alone) ----------------------------------------------------

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
