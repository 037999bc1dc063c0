"""/hotspots per allowed role and refused for the others; the wall's 热点 screen; the stand-up's 突增
section; the 每月一题 workbook the page offers.

The shared page database holds six days, too few for a baseline week, so these tests use their own:
nine weeks of demo data seen on a Sunday evening, with the demo's burst of one topic in the last
full week and the current one (dashboard/services/demo/hotspot_burst.py)."""
import io
import os
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from dashboard.services.demo import generate
from dashboard.web import live
from dashboard.web.reads import hotspots as data
from domain.access import ROLES, can_open
from domain.hotspots import week_start
from tests.support.apptest import app_as, errors
from tests.support.pages_db import fresh_app_db

APP_NOW = datetime(2026, 1, 18, 20, 0)   # a Sunday: the current week is nearly whole



@pytest.fixture(scope="module")
def app_db(app_db, tmp_path_factory):
    """This module's database (HOTLINE_DB_URL and HOTLINE_NOW point at it while its tests run)."""
    before = os.environ.get("HOTLINE_NOW")
    with fresh_app_db(tmp_path_factory.mktemp("hotspots") / "app.db") as eng:
        generate(eng, days=63, tickets_per_day=40, seed=7, end=date(2026, 1, 18), now=APP_NOW)
        os.environ["HOTLINE_NOW"] = f"{APP_NOW:%Y-%m-%d %H:%M:%S}"
        try:
            yield str(eng.url)
        finally:
            os.environ["HOTLINE_NOW"] = before or ""


ALLOWED = [r for r in ROLES if can_open(r, "hotspots")]
REFUSED = [r for r in ROLES if not can_open(r, "hotspots")]


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.subheader] + \
        [h.value for h in at.header] + [t.value for t in at.title] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def test_the_demo_surges_in_the_current_week(app_db):
    week = data.week_surges(week_start(APP_NOW), APP_NOW)
    assert week.in_progress and week.surges
    assert week.surges[0].topic == "供暖"


@pytest.mark.parametrize("role", ALLOWED)
def test_hotspots_renders_for_allowed_roles(app_db, role):
    at = app_as(role, "pages/hotspots.py")
    assert not errors(at), errors(at)
    text = _texts(at)
    assert "热点诉求" in text and "每周突增" in text and "每月一题候选" in text
    assert "供暖" in [h.value for h in at.subheader]          # the burst topic's card
    assert at.selectbox(key="hs-week").value == week_start(APP_NOW)   # the running week, which has a 突增
    labels = {m.label: m.value for m in at.metric}
    assert "突增指数" in labels and labels["突增类别"] != "0"
    assert "关键词" in text
    for bad in ("None", "nan", "NaN"):
        assert bad not in text


@pytest.mark.parametrize("role", REFUSED)
def test_hotspots_refused_for_other_roles(app_db, role):
    at = app_as(role, "pages/hotspots.py")
    assert at.error and "无权访问" in at.error[0].value
    assert not at.dataframe and not at.metric


def test_selecting_a_ticket_links_to_its_timeline(app_db):
    at = app_as("supervisor", "pages/hotspots.py")
    table = at.dataframe(key="hs-0-tickets")
    first = str(table.value.iloc[0]["工单编号"])
    assert first
    # selection state of a dataframe is set through the session state in AppTest
    at.session_state["hs-0-tickets"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not errors(at), errors(at)
    links = [el for el in at.get("page_link")]
    assert any(first in str(getattr(el, "proto", el)) for el in links)


def test_monthly_workbook_has_every_list_and_is_formula_safe(app_db):
    month = f"{APP_NOW:%Y-%m}"
    lists = data.monthly_candidates(month, APP_NOW)
    wb = load_workbook(io.BytesIO(data.candidates_workbook(month, APP_NOW)))
    assert wb.sheetnames == [c.title for c in lists] == ["增长最快", "重复最多"]
    rows = list(wb["增长最快"].iter_rows(values_only=True))
    assert rows[0] == ("排名", "问题类别", "本月工单", "上月工单", "增长", "最多的街乡镇")
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for row in rows[1:] for v in row)
    repeated = list(wb["重复最多"].iter_rows(values_only=True))
    assert repeated[0] == ("排名", "诉求地址", "问题类别", "街乡镇", "本月工单", "其中重复", "最近工单")
    assert len(repeated) > 1 and all(r[5] >= 1 for r in repeated[1:])     # the demo has repeating places


def test_wall_hotspot_screen(app_db, monkeypatch):
    screen = 4
    monkeypatch.setattr(live, "screen_index", lambda *_: screen)
    at = app_as("display", "pages/wall.py", query={"rotate": "15", "kiosk": "1"})
    assert not errors(at), errors(at)
    assert any("突增诉求" in h.value for h in at.subheader)
    assert "供暖" in [m.label for m in at.metric]
    assert any("【热点诉求】" in c.value for c in at.caption)


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "standup")])
def test_standup_shows_the_weeks_surges(app_db, role):
    at = app_as(role, "pages/standup.py")
    assert not at.exception   # (the burst also lifts today's intake: the stand-up's intake alert may be red)
    # a heading one level below the agenda's sections
    assert any(m.value.startswith("#### ") and m.value.endswith("突增诉求") and "进行中" in m.value for m in at.markdown)
    tables = [df.value for df in at.dataframe if "突增指数" in df.value.columns]
    assert tables and "供暖" in list(tables[0]["类别"])
