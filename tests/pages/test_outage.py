"""Desk pages keep their last good figures under a banner when the database becomes unreachable
mid-session, and show fresh figures again on the next run once it is back (issue 9).

Each page test runs through app.py on its own copy of the page-test database: a first run reads
the figures; then the app points at an unreachable PostgreSQL (and Streamlit's data cache is
cleared: a new minute with nothing cached) — the same figures come back under the banner naming
when they were read; meanwhile new tickets arrive in the real database, and once the app points
at it again the next run shows them, without a banner.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.web import live
from dashboard.web.reads import cached, fresh
from tests.support.apptest import app_as
from tests.support.live_fixture import load, ticket

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
    load(eng, [ticket(f"LG-{i}", "2026-01-15 08:0%d:00" % i) for i in range(NEW_TICKETS)])
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


# --- the store and the wrappers, without pages ---------------------------------------------------

def _outage() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("select 1", None, ConnectionError("connection refused"))


def test_store_is_bounded_by_entries_and_bytes():
    s = live.LastGood(max_entries=3, max_bytes=10_000)
    t = datetime(2026, 1, 15, 10, 0)
    for i in range(4):
        s.put(("q", i), i, t)
    assert len(s) == 3 and s.get(("q", 0)) is None and s.get(("q", 3)) == (3, t)
    s.get(("q", 1))                            # used: now the newest
    s.put(("q", 4), 4, t)
    assert s.get(("q", 1)) is not None and s.get(("q", 2)) is None
    s.put(("big", 0), b"x" * 2_000, t)         # over an eighth of the bound: not kept
    assert s.get(("big", 0)) is None
    for i in range(3):
        s.put(("mid", i), b"x" * 1_200, t)
    assert s.bytes <= 10_000 and len(s) <= 3


def test_served_values_are_copies():
    s = live.LastGood()
    t = datetime(2026, 1, 15, 10, 0)
    df = pd.DataFrame({"n": [1, 2]})
    s.put("k", df, t)
    df.loc[0, "n"] = 99                       # the caller's frame changes after the read …
    got, _ = s.get("k")
    got.loc[1, "n"] = 77                      # … and a page changes the served one
    assert s.get("k")[0]["n"].tolist() == [1, 2]


def test_question_ignores_now_and_spelling():
    def f(month: str, now: datetime, kind: str = "a"):
        return month

    q = live.question
    a = q(f, ("2026-01", datetime(2026, 1, 15, 10, 0)), {})
    assert a == q(f, ("2026-01",), {"now": datetime(2026, 1, 15, 11, 0), "kind": "a"})
    assert a != q(f, ("2026-02", datetime(2026, 1, 15, 10, 0)), {})
    assert a != q(f, ("2026-01", datetime(2026, 1, 15, 10, 0), "b"), {})


def test_wrappers_serve_only_inside_a_desk_run_and_never_to_the_wall():
    calls = {"up": True}

    @cached(ttl=60)
    def totals(now: datetime) -> dict:
        if not calls["up"]:
            raise _outage()
        return {"open": 7}

    @fresh
    def status(month: str) -> str:
        if not calls["up"]:
            raise _outage()
        return "draft"

    live.last_good.clear()
    assert totals(datetime(2026, 1, 15, 10, 0)) == {"open": 7} and status("2026-01") == "draft"
    calls["up"] = False
    later = datetime(2026, 1, 15, 10, 1)
    with pytest.raises(sa.exc.OperationalError):      # the CLI, a fragment: the outage surfaces
        totals(later)
    with live.desk_run() as run:
        assert totals(later) == {"open": 7} and status("2026-01") == "draft"
        assert run.served == 2 and run.degraded and run.oldest_read is not None
        wall = live.fetch("lg:totals", totals, later)  # the wall sees the failure itself
        assert not wall.ok and wall.value is None
        with pytest.raises(sa.exc.OperationalError):  # never read: nothing to serve
            status("2026-02")
    live.last_good.clear()


def test_statement_timeout_is_not_served():
    class QueryCanceled(Exception):
        pass

    @fresh
    def slow(month: str) -> int:
        raise sa.exc.OperationalError("select", None, QueryCanceled("canceling statement due to statement timeout"))

    live.last_good.put(live.question(slow, ("2026-01",), {}), 5, datetime.now())
    with live.desk_run(), pytest.raises(sa.exc.OperationalError):
        slow("2026-01")
    live.last_good.clear()


def test_a_cached_answer_is_never_built_on_remembered_figures():
    """A cached read calling another must not cache a result made from the store's old figures."""
    state = {"up": True, "inner": 0}

    @cached(ttl=60)
    def inner(now: datetime) -> int:
        if not state["up"]:
            raise _outage()
        state["inner"] += 1
        return state["inner"]

    @cached(ttl=60, keep_last=False)
    def outer(now: datetime) -> int:
        return inner(now) * 10

    live.last_good.clear()
    assert outer(datetime(2026, 1, 15, 10, 0)) == 10
    state["up"] = False
    with live.desk_run(), pytest.raises(sa.exc.OperationalError):
        outer(datetime(2026, 1, 15, 10, 1))
    state["up"] = True
    assert outer(datetime(2026, 1, 15, 10, 1)) == 20   # computed fresh, nothing stale was cached
    live.last_good.clear()


def test_write_engine_refused_for_an_unconfirmed_user():
    from dashboard.web.reads import write_engine

    with live.desk_run():
        write_engine()                               # a confirmed run writes as usual
    with live.desk_run():
        assert live.continue_unverified()
        with pytest.raises(sa.exc.OperationalError):
            write_engine()
    assert not live.continue_unverified()            # outside an app run: no identity from memory
