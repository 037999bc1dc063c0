"""/timeliness per allowed role: a tile per clock, the summary table, every tab and option, and the
page's first figures read together (anchored to the raw sign clocks)."""
from datetime import datetime, time, timedelta

import pytest
import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.web.reads import timeliness as data
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.raw_rows import read_events, read_tickets, sign_clock

ALLOWED = [r for r in ROLES if can_open(r, "timeliness")]


@pytest.mark.parametrize("role", ALLOWED)
def test_timeliness_renders(app_db, role):
    at = app_as(role, "pages/timeliness.py")
    assert not errors(at), errors(at)
    labels = {m.label for m in at.metric}
    assert {"签收按时率", "派单按时率", "办结时限（本期接收）按时率", "质检按时率", "协查按时率"} <= labels
    # the clock of the tickets received in the range is not the reports' 办结按时率 of the closings
    assert "办结按时率" not in labels
    close = next(m for m in at.metric if m.label.startswith("办结时限"))
    assert "范围内接收" in close.help and "报表中心的办结按时率" in close.help
    summary = at.dataframe[0].value
    assert list(summary["环节"]) == ["签收", "派单", "退单申请", "响应（首次联系）", "办结时限（本期接收）", "质检", "协查"]
    assert list(summary.columns) == ["环节", "应计", "按时", "超时", "进行中", "按时率"]
    assert any("用时中位数" in c.value for c in at.caption)


def test_only_the_open_tab_runs(app_db):
    """Tabs are lazy: the trend tab's grain control exists, the grouping tab's does not, until
    that tab is opened."""
    at = app_as("analyst", "pages/timeliness.py")
    keys = {w.key for w in at.segmented_control}
    assert "tl-grain" in keys and "tl-by" not in keys
    at.session_state["tl-tab"] = "分组对比"
    at.run()
    keys = {w.key for w in at.segmented_control}
    assert "tl-by" in keys and "tl-grain" not in keys
    assert not errors(at), errors(at)


def test_timeliness_options(app_db):
    at = app_as("analyst", "pages/timeliness.py")
    for clock in ("sign", "qc", "verify", "close"):
        at.segmented_control(key="tl-clock").set_value(clock).run()
        assert not errors(at), errors(at)
    for grain in ("week", "month"):
        at.segmented_control(key="tl-grain").set_value(grain).run()
        assert not errors(at), errors(at)
    at.session_state["tl-tab"] = "分组对比"
    at.run()
    for by in ("street", "category", "shift"):
        at.segmented_control(key="tl-by").set_value(by).run()
        assert not errors(at), errors(at)
    at.session_state["tl-tab"] = "超时清单"
    at.run()
    assert not errors(at), errors(at)
    assert any(c.value.startswith("共 ") for c in at.caption) or len(at.success)   # breaches listed, or none
    at.session_state["tl-tab"] = "时段热力图"
    at.run()
    assert not errors(at), errors(at)
    before = at.dataframe[0].value.set_index("环节").loc["办结时限（本期接收）", "超时"]
    at.toggle(key="tl-working").set_value(True).run()
    assert not errors(at), errors(at)
    after = at.dataframe[0].value.set_index("环节").loc["办结时限（本期接收）", "超时"]
    assert after <= before   # working days only lengthen the 7/15-day limits


def test_overview_and_lags_equal_the_two_figures_alone(app_db):
    """The page's first figures, read together, are those the two cached functions give alone; the
    sign clock's counts are those of the raw tickets and events of the month so far."""
    now = APP_NOW
    start = datetime.combine(now.date().replace(day=1), time())
    end = datetime.combine(now.date(), time()) + timedelta(days=1)
    eng = make_engine(app_db)
    with eng.connect() as conn:
        sign = sign_clock(read_tickets(conn, ["ticket_no", "received_at"]), read_events(conn), start, end, now)
    eng.dispose()
    assert sign[0] > 0 and sign[1] > 0                 # on-time and late signs in the demo: not vacuous
    st.cache_data.clear()
    for clock, working in (("close", False), ("close", True), ("sign", False), ("qc", False)):
        overview, lags = data.overview_and_lags(start, end, now, working, clock)
        assert overview.equals(data.clock_overview(start, end, now, working))
        assert lags.equals(data.clock_summary(clock, start, end, now, "all", working))
        assert tuple(int(x) for x in overview.set_index("clock").loc["sign", ["on_time", "late", "running"]]) == sign
