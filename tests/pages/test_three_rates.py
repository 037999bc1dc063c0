"""/three-rates per allowed role: the district tiles, both rankings with a 汇总 row, the previous
period, and the page's concurrent figures (anchored to the raw tickets' callbacks)."""

import pytest
import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.services.rankings import RANKING_HEADERS
from dashboard.web.reads import three_rates as data
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.raw_rows import assessment_period, callback_counts, read_tickets

ALLOWED = [r for r in ROLES if can_open(r, "three-rates")]


@pytest.mark.parametrize("role", ALLOWED)
def test_three_rates_renders(app_db, role):
    at = app_as(role, "pages/three_rates.py")
    assert not errors(at), errors(at)
    assert {"响应率", "解决率", "满意率", "综合成绩"} <= {m.label for m in at.metric}
    rankings = [df.value for df in at.dataframe if list(df.value.columns) == RANKING_HEADERS]
    assert len(rankings) == 2
    streets = rankings[0]
    assert streets.iloc[-1]["序号"] == "汇总"
    assert len(streets) == 23     # 22 街乡镇 + 汇总
    assert streets.iloc[:-1]["受理量"].sum() == streets.iloc[-1]["受理量"]


def test_three_rates_previous_period(app_db):
    at = app_as("reviewer", "pages/three_rates.py")
    at.selectbox(key="tr-period").set_value(at.selectbox(key="tr-period").options[1]).run()
    assert not errors(at), errors(at)


def test_page_figures_equal_the_figures_one_by_one(app_db):
    """The page's concurrent pack gives what district / ranking_frame / trend give alone, and its
    district counts are those of the raw tickets of each period."""
    now = APP_NOW
    eng = make_engine(app_db)
    with eng.connect() as conn:
        tickets = read_tickets(conn, ["received_at", "in_assessment", "callback_valid", "contacted", "resolved",
                                      "satisfaction"])
    eng.dispose()
    st.cache_data.clear()
    for label in data.period_labels(now, 2):
        figures = data.page_figures(label, now)
        assert figures.current == data.district(label)
        assert figures.previous == data.district(data.previous_label(label))
        for kind in ("street", "department"):
            assert figures.rankings[kind].equals(data.ranking_frame(label, kind, now))
        assert figures.trend.equals(data.trend(label, 12))
        c = figures.current
        assert [c.population, c.contacted, c.resolved, c.satisfied, c.basic_satisfied] == \
            callback_counts(tickets, *assessment_period(label)), label
    assert data.period_labels(now, 2) == ["2026-01", "2025-12"]
    assert data.page_figures("2026-01", now).current.population > 0     # the demo's callbacks: not vacuous
