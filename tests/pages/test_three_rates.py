"""/three-rates per allowed role: the district tiles, both rankings with a 汇总 row, the trend."""
import os
from datetime import datetime

import pytest
import streamlit as st

from dashboard.services.rankings import RANKING_HEADERS
from dashboard.web.reads import three_rates as data
from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors

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
    """The page's concurrent pack gives what district / ranking_frame / trend give alone."""
    now = datetime.fromisoformat(os.environ["HOTLINE_NOW"]).replace(second=0, microsecond=0)
    st.cache_data.clear()
    for label in data.period_labels(now, 2):
        figures = data.page_figures(label, now)
        assert figures.current == data.district(label)
        assert figures.previous == data.district(data.previous_label(label))
        for kind in ("street", "department"):
            assert figures.rankings[kind].equals(data.ranking_frame(label, kind, now))
        assert figures.trend.equals(data.trend(label, 12))
        assert figures.current.population > 0 or label != data.period_labels(now, 1)[0]
