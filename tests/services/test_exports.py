"""Exports neutralise formula-like text while real numbers stay numbers; identifiers stay text (also in
the ticket list's export frame); user text shown as Markdown stays literal."""
import io
from datetime import datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from dashboard.services.exports.safe import neutralise, to_csv_bytes, to_xlsx_bytes
from dashboard.web.reads.tickets import LIST_LABELS, display_frame
from dashboard.web.ui import md_escape
from queries.tickets import TICKET_LIST_COLUMNS

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "＝1+1",
           "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("text", HOSTILE[:-1])
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


def test_plain_text_and_numbers_untouched():
    assert neutralise("供暖不热") == "供暖不热"
    assert neutralise(-5) == -5 and neutralise(Decimal("-71.16")) == Decimal("-71.16")


def test_xlsx_cells():
    df = pd.DataFrame({"工单编号": ["0012345678901234567", "=1+1"], "标题": HOSTILE[:2],
                       "扣款": [Decimal("-71.16"), -3], "电话": ["13800138000", "+8613800138000"]})
    wb = load_workbook(io.BytesIO(to_xlsx_bytes({"明细": df})))
    ws = wb["明细"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "0012345678901234567"          # ticket numbers keep leading zeros as text
    assert rows[1][0] == "'=1+1"
    assert rows[0][1] == "'" + HOSTILE[0] and rows[1][1] == "'+1+2"
    assert rows[0][2] == pytest.approx(-71.16) and isinstance(rows[1][2], int)   # numbers stay numbers
    assert rows[0][3] == "13800138000" and rows[1][3] == "'+8613800138000"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_csv_cells():
    df = pd.DataFrame({"标题": ["=cmd|' /C calc'!A0", "正常"], "分值": [-2, 3]})
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=cmd" in text and "\n正常,3" in text.replace("\r\n", "\n") and ",-2" in text


@pytest.mark.parametrize("text", ["![x](http://evil/a.png)", "**粗体** _斜_ `code`", "[链接](javascript:alert(1))",
                                  "<img src=x onerror=alert(1)>", ":red[警告] :material/home:", "# 标题\n- 列表"])
def test_user_text_in_markdown_elements_stays_literal(text):
    """Messages and names shown in st.error/st.subheader are Markdown: escaped, they render as the
    literal characters (CommonMark), with no image, link, emphasis or HTML element."""
    html = MarkdownIt("commonmark").render(md_escape(text))
    for tag in ("<img", "<a ", "<strong", "<em", "<code", "<h1", "<li"):
        assert tag not in html
    assert ":red[" in html or ":red" not in text


def test_export_frame_keeps_ticket_numbers_as_text():
    row = dict.fromkeys(TICKET_LIST_COLUMNS)
    row.update(ticket_no="000123", received_at=datetime(2026, 1, 1, 8), stage="办理中", is_open=True,
               overdue=False, at_risk=True, title="=HYPERLINK(\"x\")")
    df = display_frame(pd.DataFrame([row], columns=TICKET_LIST_COLUMNS))
    assert list(df.columns) == list(LIST_LABELS.values())
    assert (df.iloc[0]["超期"], df.iloc[0]["即将超期"]) == ("否", "是")
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"工单": df}))).active
    assert ws["A2"].value == "000123" and ws["A2"].data_type == "s"
    assert ws.cell(2, list(df.columns).index("标题") + 1).value.startswith("'=")
    assert "'=HYPERLINK" in to_csv_bytes(df).decode("utf-8-sig")
