"""The 60-day warning of a year the working-day calendar lacks (admin, reviewer, manager), gone once
the year's notice is imported; the admin page's import form; 日历未确认 on the assessment and payment
pages (a month whose working-day limits reach 2027) until the 2027 notice is imported."""
from __future__ import annotations

from datetime import date

import pytest
import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.services import calendar_days as calendar_service
from dashboard.services import calendar_import, facts
from dashboard.services.assessment.signoff import add_rules_version
from domain.calendar import UNCONFIRMED_NOTE
from queries.schema import calendar_days, ticket_events, tickets
from tests.services.test_calendar_marks import working_day_rules
from tests.support.apptest import app_as, errors
from tests.support.live_fixture import event, ticket
from tests.support.pages_db import fresh_app_db

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


@pytest.fixture
def working_day_month(app_db, tmp_path, monkeypatch):
    """Its own database: December 2026 (the first contract month) under working-day close limits, one
    疑难 ticket received on 1 December, so its 30 working days reach January 2027; clock 2026-12-06."""
    monkeypatch.setenv("HOTLINE_NOW", "2026-12-06 09:00:00")
    rules = working_day_rules()
    rules.body["payment"]["contract_start"] = "2026-12"
    with fresh_app_db(tmp_path / "working_days.db") as eng:
        with eng.begin() as conn:
            add_rules_version(conn, type(rules)(rules.body), effective_from="2026-12", note="工作日办结时限",
                              username="admin", role="admin")
            calendar_service.load(conn)
            conn.execute(tickets.insert(), [ticket("W1", "2026-12-01 09:00:00", sla_class="疑难")])
            conn.execute(ticket_events.insert(), [event("W1", "2026-12-01 09:10:00", "SIGN")])
            facts.refresh(conn, ["W1"], rules)
        yield eng


def _import_2027(engine) -> None:
    with engine.begin() as conn:
        calendar_import.import_notice(conn, "2027.csv", NOTICE_2027, username="u_admin")
    st.cache_data.clear()


def test_assessment_page_says_unconfirmed_until_the_year_is_imported(working_day_month):
    at = app_as("reviewer", "pages/assessment.py")
    assert not errors(at), errors(at)
    assert at.selectbox(key="assess_month").value == "2026-12"
    assert UNCONFIRMED_NOTE in _warnings(at)
    _import_2027(working_day_month)
    at = app_as("reviewer", "pages/assessment.py")
    assert not errors(at), errors(at)
    assert not _unconfirmed(at)


def _payment_states(at) -> dict[str, str]:
    months = next(d.value for d in at.dataframe if "合同月" in d.value.columns)
    return dict(zip(months["月份"], months["状态"], strict=True))


def test_payment_page_says_unconfirmed_until_the_year_is_imported(working_day_month):
    at = app_as("reviewer", "pages/payment.py")
    assert not errors(at), errors(at)
    assert UNCONFIRMED_NOTE in _warnings(at)
    states = _payment_states(at)
    assert states["2026-12"] == "测算（未签认）（日历未确认）" and states["2027-01"] == "待考核"
    _import_2027(working_day_month)
    at = app_as("reviewer", "pages/payment.py")
    assert not errors(at), errors(at)
    assert not _unconfirmed(at)
    assert _payment_states(at)["2026-12"] == "测算（未签认）"
