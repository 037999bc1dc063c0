"""The wall's bottom five and the overview's 需关注 leave units with few 有效回访 unranked, and say
how many they left out (the period's ranking replaced by known rows)."""
from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit import dataframe_util

from dashboard.services import rankings
from dashboard.web.reads import wall as wall_reads
from tests.services.test_lowest_composites import UNITS, _counts
from tests.support.apptest import app_as, errors


@pytest.fixture
def known_ranking(app_db, monkeypatch):
    monkeypatch.setattr(wall_reads, "ranking", lambda label, kind, now: rankings.ranking(_counts(UNITS)))
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_overview_attention_leaves_small_samples_out(known_ranking):
    at = app_as("leader", "pages/overview.py")
    assert not errors(at), errors(at)
    attention = next(md.value for md in at.markdown if md.value.startswith("**需关注**"))
    assert "三率综合成绩最低的街乡镇：乙街道 75.00、丁街道 75.00、辛街道 80.00" in attention
    assert "甲街道" not in attention and "戊街道" not in attention
    assert any(c.value == "有效回访不足 20 件的 2 个街乡镇样本不足，未参与排名" for c in at.caption)


def _charts(at) -> list[tuple[dict, list[str]]]:
    """Each chart's Vega-Lite spec and the 承办单位/街乡镇 names in its data."""
    out = []
    for chart in at.get("vega_lite_chart"):
        units: list[str] = []
        for ds in chart.proto.datasets:
            df = dataframe_util.convert_arrow_bytes_to_pandas_df(ds.data.data)
            if "unit" in df.columns:
                units += list(df["unit"])
        out.append((json.loads(chart.proto.spec), units))
    return out


def test_wall_bottom_five_leaves_small_samples_out(known_ranking):
    at = app_as("display", "pages/wall.py")
    assert not errors(at), errors(at)
    lowest = [(spec, units) for spec, units in _charts(at)
              if "综合成绩最低的" in json.dumps(spec.get("title", ""), ensure_ascii=False)]
    assert len(lowest) == 2                                   # 街乡镇 and 承办单位
    for spec, units in lowest:
        assert spec["title"]["text"] == "综合成绩最低的 5 个" + ("街乡镇" if "街乡镇" in spec["title"]["text"] else "承办单位")
        assert spec["title"]["subtitle"].startswith("有效回访不足 20 件的 2 个")
        assert list(dict.fromkeys(units)) == ["乙街道", "丁街道", "辛街道", "丙街道", "庚街道"]
