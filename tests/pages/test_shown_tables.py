"""The shared display of tables (dashboard.web.ui.shown / ui.dataframe) on the figures a 30-day
month has: counts of thousands, counts that a blank turned into floats, blanks of every kind, exact
scores of different precisions. The page database's counts stay under 1,000, so these frames are
made here with known answers."""
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.web import ui

# as the 月度考核 and 人员 sections and the 超时清单 hand them over: object columns of ints and
# None, a float column of whole numbers with NaN, Decimals with None, a time column with NaT
MONTH = pd.DataFrame({
    "指标": ["签收及时率", "指标得分合计", "应付金额（元）"],
    "分子": [11607, None, None],
    "差错数": [439.0, np.nan, 1963.0],
    "受理": [1963, 12848, 5],
    "权重": [Decimal("10.00"), Decimal("100.00"), None],
    "得分": [Decimal("9.54"), Decimal("0.9516"), Decimal("677158.56")],
    "完成时间": [pd.Timestamp("2026-01-15 10:30:05"), pd.NaT, pd.Timestamp("2026-01-16 08:00:00")],
    "说明": ["甲", None, "乙"],
}).astype({"分子": object, "权重": object, "得分": object})


def test_shown_writes_counts_with_separators_and_blanks_as_dashes():
    before = MONTH.copy()
    frame, config = ui.shown(MONTH, {"完成时间": {"label": "完成时间（空=未完成）",
                                                  "type_config": {"type": "datetime", "format": "YYYY-MM-DD HH:mm:ss"}}})
    assert list(frame["分子"]) == ["11,607", "—", "—"]
    assert list(frame["差错数"]) == ["439", "—", "1,963"]
    assert frame["受理"].dtype == "int64" and list(frame["受理"]) == [1963, 12848, 5]
    assert config["受理"]["type_config"] == {"type": "number", "format": "localized"}   # shown 12,848
    assert list(frame["权重"]) == ["10.00", "100.00", "—"]
    assert list(frame["得分"]) == ["9.54", "0.9516", "677,158.56"]
    assert list(frame["完成时间"]) == ["2026-01-15 10:30:05", "—", "2026-01-16 08:00:00"]
    assert config["完成时间"]["label"] == "完成时间（空=未完成）" and config["完成时间"]["type_config"]["type"] == "text"
    assert list(frame["说明"]) == ["甲", "—", "乙"]
    assert config["分子"]["alignment"] == "right"
    assert MONTH.equals(before)          # the caller's frame is left as it was


def test_shown_leaves_other_columns_alone():
    df = pd.DataFrame({"年": [2025, 2026], "合同月": [1, 12], "按时率": ["95.12%", "—"],
                       "用时": [Decimal("12.5"), Decimal("7.0")], "是否": [True, False],
                       "时刻": [datetime(2026, 1, 15, 9), datetime(2026, 1, 16, 9)]})
    config = {"合同月": {"type_config": {"type": "number", "format": "第 %d 月"}}}
    frame, out = ui.shown(df, config)
    assert frame.equals(df)
    assert "年" not in out and out["合同月"] == config["合同月"] and "用时" not in out


def _page(shared: bool):
    def script(shared: bool):
        from decimal import Decimal

        import numpy as np
        import pandas as pd
        import streamlit as st

        from dashboard.web import ui
        df = pd.DataFrame({"指标": ["甲", "乙"], "分母": [13174, None], "差错数": [464.0, np.nan],
                           "失分": [Decimal("0.46"), None]}).astype({"分母": object, "失分": object})
        (ui.dataframe if shared else st.dataframe)(df, hide_index=True)

    at = AppTest.from_function(script, args=(shared,), default_timeout=30)
    return at.run()


def test_the_crawl_finds_what_the_shared_display_mends():
    from tests.support.crawl import problems

    raw = _page(shared=False)
    found = problems(raw)
    assert any("None" in p and "失分" in p for p in found), found
    assert any("分母" in p for p in found) and any("差错数" in p for p in found), found
    shown = _page(shared=True)
    assert problems(shown) == []
    assert shown.dataframe[0].value.to_dict("list") == {"指标": ["甲", "乙"], "分母": ["13,174", "—"],
                                                       "差错数": ["464", "—"], "失分": ["0.46", "—"]}


def test_shown_leaves_a_link_column_as_given():
    """A 「—」 is no link: a link column keeps its blanks (the grid leaves them empty) and its config."""
    df = pd.DataFrame({"重复来源工单": ["/tickets?ticket=T1", None]})
    config = {"重复来源工单": {"label": "重复来源工单", "type_config": {"type": "link", "display_text": "ticket=(.*)"}}}
    frame, out = ui.shown(df, config)
    assert frame.equals(df) and out == config
