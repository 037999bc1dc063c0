"""Source values become the text an import file would hold for them, column by column: text as it
is, blanks as "", integer codes and times as their text, anything else through cell_text — the
same cells whether a column is all text (taken by pyarrow at once) or mixed."""
from __future__ import annotations

import gc
from datetime import date, datetime
from decimal import Decimal

from dashboard.infra.collector import collector_paused
from dashboard.services.feed import sql_source

NAMES = ["工单编号", "紧急程度", "时限类型", "接收时间", "金额", "是否解决", "截止日期", "备注", sql_source.WATERMARK_COLUMN]
ROWS = [
    ("A1", 0, 3, datetime(2026, 11, 2, 8, 0, 0), Decimal("1.50"), True, date(2026, 11, 5), b"\xe5\xb7\xb2", 1),
    ("A2", 1, None, None, None, False, None, None, 2),
    ("A3", None, 2**70, None, None, False, None, None, 2),
    (None, 2, 12, datetime(2026, 11, 2, 8, 0, 0, 250000), Decimal("2"), None, date(2026, 11, 6), "", 3),
]


def test_cells_are_the_import_files_text():
    frame = sql_source.to_frame(NAMES, ROWS)
    assert list(frame.columns) == NAMES[:-1]
    assert str(frame.dtypes.iloc[0]) == "str"
    assert frame.to_dict("list") == {
        "工单编号": ["A1", "A2", "A3", ""],
        "紧急程度": ["0", "1", "", "2"],
        "时限类型": ["3", "", str(2**70), "12"],
        "接收时间": ["2026-11-02 08:00:00", "", "", "2026-11-02 08:00:00.250000"],
        "金额": ["1.50", "", "", "2"],
        "是否解决": ["是", "否", "否", ""],
        "截止日期": ["2026-11-05", "", "", "2026-11-06"],
        "备注": ["已", "", "", ""],
    }


def test_no_rows_keep_the_columns():
    frame = sql_source.to_frame(NAMES, [])
    assert list(frame.columns) == NAMES[:-1] and len(frame) == 0


def test_collector_is_paused_only_inside_the_block():
    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()          # a collector off before stays off
    finally:
        gc.enable()
