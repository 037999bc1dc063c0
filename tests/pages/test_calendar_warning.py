"""The 60-day warning of a year the working-day calendar lacks (admin, reviewer, manager), gone once
the year's notice is imported; the admin page's import form; 日历未确认 on the assessment page."""
from __future__ import annotations

from datetime import date

import pytest
import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.services import calendar_import
from queries.schema import calendar_days
from tests.support.apptest import app_as, errors

NOTICE_2027 = "日期,类型\n2027-01-01,休\n2027-02-08,休\n2027-02-14,班\n".encode()
MISSING = "工作日历缺少 2027 年的节假日安排"


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


@pytest.fixture
def december_2026(app_db, monkeypatch, through_app):
    monkeypatch.setenv("HOTLINE_NOW", "2026-12-06 09:00:00")
    st.cache_data.clear()
    engine = make_engine(app_db)
    yield engine
    with engine.begin() as conn:
        conn.execute(calendar_days.delete().where(calendar_days.c.day >= date(2027, 1, 1)))
    engine.dispose()
    st.cache_data.clear()


@pytest.mark.parametrize("role, warned", [("reviewer", True), ("manager", True), ("admin", True),
                                          ("supervisor", False), ("leader", False)])
def test_warning_from_60_days_before_a_missing_year(december_2026, role, warned):
    at = app_as(role)
    assert not errors(at), errors(at)
    assert any(MISSING in w for w in _warnings(at)) == warned


def test_warning_gone_after_the_import(december_2026):
    assert any(MISSING in w for w in _warnings(app_as("reviewer")))
    with december_2026.begin() as conn:
        calendar_import.import_notice(conn, "2027.csv", NOTICE_2027, username="u_admin")
    st.cache_data.clear()
    at = app_as("reviewer")
    assert not errors(at), errors(at)
    assert not any(MISSING in w for w in _warnings(at))


def test_admin_page_has_the_calendar_import_form(app_db):
    at = app_as("admin", "pages/admin.py")
    assert not errors(at), errors(at)
    assert "工作日历" in [t.label for t in at.tabs]
    assert any(b.label == "导入" for b in at.button)


def _unconfirmed(at) -> bool:
    return any(w.startswith("日历未确认：") for w in _warnings(at))


def test_timeliness_working_day_option_says_unconfirmed(december_2026, monkeypatch):
    monkeypatch.setenv("HOTLINE_NOW", "2026-12-20 09:00:00")    # 15 working days from 20 Dec reach 2027
    at = app_as("reviewer", "pages/timeliness.py")
    assert not errors(at), errors(at)
    assert not _unconfirmed(at)                                   # calendar time: nothing counted
    at.toggle(key="tl-working").set_value(True).run()
    assert not errors(at), errors(at)
    assert _unconfirmed(at)
    with december_2026.begin() as conn:
        calendar_import.import_notice(conn, "2027.csv", NOTICE_2027, username="u_admin")
    st.cache_data.clear()
    at = app_as("reviewer", "pages/timeliness.py")
    at.toggle(key="tl-working").set_value(True).run()
    assert not errors(at), errors(at)
    assert not _unconfirmed(at)


def test_staffing_forecast_of_an_unknown_day_says_unconfirmed(december_2026, monkeypatch):
    at = app_as("manager", "pages/shifts.py")
    assert not errors(at), errors(at)
    assert not _unconfirmed(at)                                   # 2026-12-06 is known
    at.date_input(key="shifts-fc-day").set_value(date(2027, 1, 4)).run()
    assert not errors(at), errors(at)
    assert _unconfirmed(at)
