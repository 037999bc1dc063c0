"""Repeat sections per allowed role: the backlog's and the stand-up's figures (counted again from
the raw rows of the page database), and a ticket's chain of earlier tickets on /tickets."""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from domain.access import ROLES, can_open
from domain.formatting import count
from queries.schema import ticket_facts, tickets
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors


def _raw(app_db):
    eng = make_engine(app_db)
    with eng.connect() as c:
        rows = c.execute(sa.select(tickets.c.ticket_no, tickets.c.received_at, tickets.c.repeat_source_no,
                                   tickets.c.caller_hash, ticket_facts.c.is_open)
                         .join(ticket_facts, ticket_facts.c.ticket_no == tickets.c.ticket_no)).all()
    eng.dispose()
    return rows


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "backlog")])
def test_backlog_repeat_section(app_db, role):
    rows = _raw(app_db)
    open_repeats = sum(1 for r in rows if r.is_open and r.repeat_source_no and r.received_at <= APP_NOW)
    assert open_repeats and any(r.caller_hash for r in rows)    # the demo has repeats and hashed callers
    at = app_as(role, "pages/backlog.py")
    assert not errors(at), errors(at)
    assert "重复诉求" in [h.value for h in at.subheader]
    assert _metrics(at)["在办的重复诉求"] == count(open_repeats)
    links = [df.value for df in at.dataframe if "重复来源工单" in df.value.columns]
    assert links and all(v.startswith("/tickets?ticket=") for v in links[0]["工单编号"])


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "standup")])
def test_standup_repeat_section(app_db, role):
    end = datetime.combine(APP_NOW.date(), datetime.min.time())
    week = [r for r in _raw(app_db) if end - timedelta(days=7) <= r.received_at < end]
    at = app_as(role, "pages/standup.py")
    assert not errors(at), errors(at)
    assert "重复诉求（近 7 天）" in [h.value for h in at.subheader]
    m = _metrics(at)
    assert m["受理"] == count(len(week)) and m["其中重复"] == count(sum(1 for r in week if r.repeat_source_no))
    by_street = [df.value for df in at.dataframe if "街乡镇" in df.value.columns and "重复率" in df.value.columns]
    assert by_street and 0 < len(by_street[0]) <= 5          # the first five 街乡镇 with repeats


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "tickets")])
def test_ticket_chain(app_db, role):
    rows = _raw(app_db)
    source = {r.ticket_no: r.repeat_source_no for r in rows}
    start = next(r.ticket_no for r in sorted(rows, key=lambda r: r.ticket_no, reverse=True)
                 if r.repeat_source_no and source.get(r.repeat_source_no))       # a chain of at least 3
    want = [start]
    while source.get(want[-1]):
        want.append(source[want[-1]])
    at = app_as(role, "pages/tickets.py", query={"ticket": start})
    assert not errors(at), errors(at)
    chain = [df.value for df in at.dataframe if "来电号码" in df.value.columns]
    assert chain, "the chain table is shown"
    assert [v.split("=", 1)[1] for v in chain[0]["工单编号"]] == want
    sources = list(chain[0]["重复来源工单"])
    assert pd.isna(sources[-1]) and all(v.startswith("/tickets?ticket=") for v in sources[:-1])
    assert all(v == "" or (v.startswith("****") and len(v) == 8) for v in chain[0]["来电号码"])


def test_ticket_without_repeat_says_so(app_db):
    rows = _raw(app_db)
    sources = {r.repeat_source_no for r in rows}
    lone = next(r.ticket_no for r in rows if not r.repeat_source_no and r.ticket_no not in sources)
    at = app_as("analyst", "pages/tickets.py", query={"ticket": lone})
    assert not errors(at), errors(at)
    assert any("不是重复诉求" in i.value for i in at.info)


def test_links_and_masks_of_missing_values():
    from dashboard.web.repeat_sections import ticket_link

    assert ticket_link(None) is None and ticket_link(float("nan")) is None and ticket_link("") is None
    assert ticket_link("A 1/2") == "/tickets?ticket=A%201%2F2"


def test_backlog_week_figures(app_db):
    rows = _raw(app_db)
    week = [r for r in rows if APP_NOW - timedelta(days=7) <= r.received_at <= APP_NOW]
    at = app_as("leader", "pages/backlog.py")
    m = _metrics(at)
    assert m["近 7 天重复"] == count(sum(1 for r in week if r.repeat_source_no))
