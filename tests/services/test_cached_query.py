"""dashboard.web.reads.cached_query: a read made from one query is a function of its own to
Streamlit's cache and to the last good store, takes the query's parameters after `conn`, and is
cached (or fresh) as asked."""
from __future__ import annotations

import inspect
from datetime import datetime

import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.web import live
from dashboard.web.reads import cached_query

NOW = datetime(2026, 1, 15, 10, 0)
calls: list[str] = []
down = {"now": False}


def _outage() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("connect", None, ConnectionError("database unreachable"))


def query_answering(answer: str, number: int):
    """Queries of the same module, name and source (Streamlit would give them one cache key on
    their own): only the answer they close over differs."""
    def counts(conn, *, now: datetime, dimension: str = "stage") -> tuple:
        calls.append(answer)
        if down["now"]:
            raise _outage()
        return answer, dimension, conn.execute(sa.text(f"select {number}")).scalar_one()

    return counts


stage_counts, unit_counts = query_answering("stage_counts", 1), query_answering("unit_counts", 2)
by_stage = cached_query(stage_counts, ttl="60s", max_entries=8, name="by_stage")
by_unit = cached_query(unit_counts, ttl="60s", max_entries=8, name="by_unit")
by_stage_fresh = cached_query(stage_counts, fresh=True, name="stage_counts_fresh")
by_unit_unkept = cached_query(unit_counts, keep_last=False, ttl="60s", name="unit_counts_unkept")


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DB_URL", f"sqlite:///{tmp_path / 'reads.db'}")
    st.cache_data.clear()
    live.last_good.clear()
    calls.clear()
    down["now"] = False
    yield
    st.cache_data.clear()
    live.last_good.clear()


def test_two_reads_with_the_same_arguments_keep_their_own_answers():
    assert by_stage(NOW, "age") == ("stage_counts", "age", 1)
    assert by_unit(NOW, "age") == ("unit_counts", "age", 2)
    assert by_stage(NOW, "age") == ("stage_counts", "age", 1)    # from its own cache …
    assert by_unit(NOW, "age") == ("unit_counts", "age", 2)
    assert calls == ["stage_counts", "unit_counts"]              # … each query asked once
    by_stage.clear()                                             # clearing one leaves the other
    assert by_unit(NOW, "age") == ("unit_counts", "age", 2) and by_stage(NOW, "age")[0] == "stage_counts"
    assert calls == ["stage_counts", "unit_counts", "stage_counts"]


def test_during_an_outage_each_read_recalls_its_own_last_answer():
    assert by_stage(NOW) == ("stage_counts", "stage", 1) and by_unit(NOW) == ("unit_counts", "stage", 2)
    down["now"] = True
    st.cache_data.clear()
    later = datetime(2026, 1, 15, 10, 1)
    with live.desk_run() as run:
        assert by_stage(later) == ("stage_counts", "stage", 1)
        assert by_unit(later) == ("unit_counts", "stage", 2)
        assert run.served == 2
    with pytest.raises(sa.exc.OperationalError):                 # outside a desk run it surfaces
        by_stage(later)


def test_the_read_takes_the_query_parameters_by_position_or_name():
    assert [p.name for p in inspect.signature(by_stage).parameters.values()] == ["now", "dimension"]
    assert by_stage(NOW) == by_stage(now=NOW) == by_stage(NOW, dimension="stage") == ("stage_counts", "stage", 1)
    assert by_stage(NOW, "unit") == ("stage_counts", "unit", 1)
    with pytest.raises(TypeError):
        by_stage(NOW, "unit", "extra")
    assert (by_stage.__module__, by_stage.__qualname__) == (__name__, "by_stage")


def test_fresh_reads_are_never_cached_and_unkept_reads_are_not_recalled():
    by_stage_fresh(NOW)
    by_stage_fresh(NOW)
    assert calls == ["stage_counts", "stage_counts"]
    by_unit_unkept(NOW)
    down["now"] = True
    with live.desk_run(), pytest.raises(sa.exc.OperationalError):   # nothing kept to recall
        by_unit_unkept(datetime(2026, 1, 15, 10, 1))
    with live.desk_run():                                      # the fresh read was kept for outages
        assert by_stage_fresh(NOW) == ("stage_counts", "stage", 1)


def test_a_second_read_of_another_query_under_one_name_is_refused():
    cached_query(stage_counts, ttl="60s")
    with pytest.raises(ValueError, match="pass name="):     # both queries are named `counts`
        cached_query(unit_counts, ttl="60s")
    with pytest.raises(ValueError, match="pass name="):
        cached_query(unit_counts, ttl="60s", name="by_stage")
    with pytest.raises(TypeError):
        cached_query(unit_counts, fresh=True, ttl="60s", name="unit_counts_fresh")
    again = cached_query(stage_counts, ttl="60s", max_entries=8, name="by_stage")  # the same question again
    assert again(NOW, "age") == by_stage(NOW, "age") and calls == ["stage_counts"]
