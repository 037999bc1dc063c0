"""/tickets: a ticket whose working-day deadline runs into January 2027 says 「日历未确认」 while the
calendar lacks 2027 (clock 2026-12-06), and no longer once the 2027 notice is imported."""
import pytest
import streamlit as st

from dashboard.services import calendar_import
from tests.services.test_calendar_marks import NOTICE_2027, load_marked
from tests.support.apptest import app_as, errors
from tests.support.pages_db import fresh_app_db

PAGE = "pages/tickets.py"


@pytest.fixture
def marked_db(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_NOW", "2026-12-06 09:00:00")
    with fresh_app_db(tmp_path / "calendar.db") as eng:
        load_marked(eng)
        yield eng


def _marked(at) -> bool:
    facts = next(d.value for d in at.dataframe if list(d.value.columns) == ["项目", "内容"]).set_index("项目")
    in_facts = facts.loc["截止时间", "内容"].endswith("（日历未确认）")
    warned = any(w.value.startswith("日历未确认：") for w in at.warning)
    clocks = next(d.value for d in at.dataframe if "应完成" in d.value.columns).set_index("时限")
    in_clock = "日历未确认" in clocks.loc["办结", "说明"]
    assert in_facts == warned == in_clock
    return warned


def test_ticket_deadline_unconfirmed_until_the_year_is_imported(marked_db):
    at = app_as("reviewer", PAGE, query={"ticket": "W1"})
    assert not errors(at), errors(at)
    assert _marked(at)
    at = app_as("reviewer", PAGE, query={"ticket": "C1"})          # due 10 Dec 2026: known days
    assert not errors(at), errors(at)
    assert not _marked(at)
    with marked_db.begin() as conn:
        calendar_import.import_notice(conn, "2027.csv", NOTICE_2027, username="u_admin")
    st.cache_data.clear()
    at = app_as("reviewer", PAGE, query={"ticket": "W1"})
    assert not errors(at), errors(at)
    assert not _marked(at)
