"""Outage handling without pages (dashboard.web.live and the cached-read wrappers): the last good
figures kept per question and served only inside a desk run, never to the wall, never for a
statement timeout; the wall's own store and rotation; a PostgreSQL statement timeout named as such."""
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from dashboard.infra.db import make_engine
from dashboard.web import live
from dashboard.web.reads import cached, fresh, write_engine
from dashboard.web.ui import is_query_timeout


def _down(*_a, **_k):
    raise sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_live_keeps_last_good_value_and_recovers():
    live.forget("t:")
    clock = iter([datetime(2026, 1, 15, 10, 0), datetime(2026, 1, 15, 10, 2)]).__next__
    first = live.fetch("t:totals", lambda: {"open": 7}, clock=clock)
    assert first.ok and first.value == {"open": 7}
    down = live.fetch("t:totals", _down, clock=clock)
    assert not down.ok and down.value == {"open": 7} and down.read_at == datetime(2026, 1, 15, 10, 0)
    assert "connection refused" in down.error
    back = live.fetch("t:totals", lambda: {"open": 9}, clock=clock)
    assert back.ok and back.value == {"open": 9} and back.read_at == datetime(2026, 1, 15, 10, 2)


def test_live_without_history_gives_none_and_bugs_still_raise():
    live.forget("t:")
    got = live.fetch("t:never", _down)
    assert got.value is None and not got.ok and got.read_at is None
    with pytest.raises(ZeroDivisionError):
        live.fetch("t:bug", lambda: 1 / 0)


def test_board_reports_failure():
    live.forget("t:")
    b = live.Board(prefix="t:")
    assert b.get("a", lambda: 1) == 1 and not b.failed
    b2 = live.Board(prefix="t:")
    assert b2.get("a", _down) == 1 and b2.failed and not b2.missing
    assert b2.get("b", _down) is None and b2.missing


@pytest.mark.parametrize("epoch, index", [(0, 0), (29.9, 0), (30, 1), (95, 3), (120, 0)])
def test_screen_index_follows_the_clock(epoch, index):
    assert live.screen_index(30, 4, epoch) == index
    assert live.screen_index(0, 4, epoch) == 0


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


def test_write_engine_refused_for_an_unconfirmed_user(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'writes.db'}"
    monkeypatch.setenv("HOTLINE_WRITE_DB_URL", url)
    with live.desk_run():                            # a confirmed run writes as usual
        assert write_engine().url.render_as_string(hide_password=False) == url
    with live.desk_run():
        assert live.continue_unverified()
        with pytest.raises(sa.exc.OperationalError):
            write_engine()
    assert not live.continue_unverified()            # outside an app run: no identity from memory


def test_statement_timeout_is_reported_as_such(pg_url):
    """A slow query on PostgreSQL is cancelled by the statement timeout and named as a timeout."""
    eng = make_engine(pg_url, statement_timeout_ms=200)
    with pytest.raises(sa.exc.DBAPIError) as caught:
        with eng.connect() as conn:
            conn.execute(sa.text("select pg_sleep(2)"))
    assert is_query_timeout(caught.value)
    eng.dispose()


def test_postgresql_plans_every_run_for_its_values(pg_url):
    """The driver prepares a statement after a few runs; PostgreSQL must still plan each run for
    its own time range (a generic plan made a range aggregate five times slower), and JIT stays off."""
    eng = make_engine(pg_url)
    with eng.connect() as conn:
        assert conn.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        assert conn.execute(sa.text("SHOW jit")).scalar() == "off"
    eng.dispose()


def test_writes_by_key_keep_generic_plans_and_nothing_else_does(pg_url):
    """Writing rows by key lets the server keep its plans (the same statements for thousands of
    keys); the range aggregates after it in the same transaction (rollups, settled counts) and the
    pooled connection afterwards plan every run for their values again."""
    from dashboard.services.ingest import writing

    eng = make_engine(pg_url)

    def mode(conn):
        return conn.execute(sa.text("SHOW plan_cache_mode")).scalar()

    with eng.connect() as conn:
        with conn.begin():
            with writing.generic_plans(conn):
                assert mode(conn) == "auto"
            assert mode(conn) == "force_custom_plan"
        with conn.begin():
            with pytest.raises(RuntimeError), writing.generic_plans(conn):
                raise RuntimeError("a write failed")
        assert mode(conn) == "force_custom_plan"
    eng.dispose()


def test_look_ups_plan_for_their_values_and_only_the_writes_keep_generic_plans(pg_engine, monkeypatch):
    """A tickets file's look-ups (stored tickets, the repeat rule's ranges) are one statement each
    for a whole batch of keys: planned for its values; the inserts and updates by key, run once per
    row, keep the server's generic plans."""
    from dashboard.services import repeats
    from dashboard.services.ingest import core, run_import, writing

    eng = pg_engine
    seen: dict[str, str] = {}

    def recording(name, real):
        def wrapped(conn, *args, **kwargs):
            seen[name] = conn.execute(sa.text("SHOW plan_cache_mode")).scalar()
            return real(conn, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(core, "_stored_tickets", recording("stored", core._stored_tickets))
    monkeypatch.setattr(repeats, "derive_for_file", recording("repeat rule", repeats.derive_for_file))
    monkeypatch.setattr(writing, "write_tickets", recording("write", writing.write_tickets))
    monkeypatch.setattr(core, "refresh_facts", recording("facts", core.refresh_facts))
    data = "工单编号,接收时间,诉求类型\nP1,2026-11-02 08:00:00,投诉\nP2,2026-11-02 09:00:00,咨询\n".encode()
    assert run_import(eng, "tickets", "t.csv", data, username="t").ok
    assert seen == {"stored": "force_custom_plan", "repeat rule": "force_custom_plan", "write": "auto",
                    "facts": "auto"}
