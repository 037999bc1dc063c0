"""工单查询 (/tickets): per-role rendering, ?ticket=NO, citizen text shown verbatim (no HTML/Markdown),
timeline and SLA clocks, filters and export."""
from datetime import datetime

import pytest

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors
from tests.support.hostile_tickets import MD_CONTENT, XSS_TITLE, load
from tests.support.pages_db import fresh_app_db

PAGE = "pages/tickets.py"
@pytest.fixture
def xss_db(app_db, tmp_path):
    with fresh_app_db(tmp_path / "tickets.db") as eng:
        load(eng)
        yield eng


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "tickets")])
def test_tickets_page_renders_for_allowed_roles(app_db, role):
    at = app_as(role, PAGE)
    assert not errors(at), errors(at)
    assert int(metric(at, "匹配工单").replace(",", "")) > 0
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["工单编号", "接收时间", "状态", "截止时间"]
    assert set(table["超期"]) <= {"是", "否"}
    assert at.selectbox(key="tk_size").options == ["50", "100", "200"]


def test_ticket_from_url_shows_details_timeline_and_clocks(app_db):
    no = app_as("analyst", PAGE).dataframe[0].value.iloc[0]["工单编号"]
    at = app_as("analyst", PAGE, query={"ticket": no})
    assert not errors(at), errors(at)
    assert metric(at, "工单编号") == no
    frames = [d.value for d in at.dataframe]
    assert any(list(f.columns) == ["时间", "操作", "工号", "单位", "说明"] for f in frames)
    clocks = next(f for f in frames if "应完成" in f.columns)
    assert clocks.iloc[0]["时限"] == "签收"


def test_citizen_text_is_shown_verbatim_never_rendered(xss_db):
    at = app_as("reviewer", PAGE, query={"ticket": "X1"})
    assert not errors(at), errors(at)
    texts = [t.value for t in at.text]
    assert XSS_TITLE in texts and MD_CONTENT in texts and "# 标题样式地址" in texts
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    assert not any(("onerror" in v or "bold" in v or "标题样式地址" in v) for v in rendered)
    listed = at.dataframe[0].value
    assert listed.set_index("工单编号").loc["X1", "标题"] == XSS_TITLE
    events = next(d.value for d in at.dataframe if "说明" in d.value.columns and "操作" in d.value.columns)
    assert list(events["操作"]) == ["签收", "派单"]
    assert list(events["说明"]) == ["", "**加粗说明** <b>x</b>"]
    clocks = next(d.value for d in at.dataframe if "应完成" in d.value.columns).set_index("时限")
    # received 08:00, signed 08:30:00 exactly at the 30-minute limit; dispatched 09:00 within 2 h
    assert clocks.loc["签收", "状态"] == "按时" and clocks.loc["派单", "状态"] == "按时"
    assert clocks.loc["质检", "状态"] == "未开始" and clocks.loc["办结", "状态"] == "进行中"


def test_filters_and_export(xss_db):
    at = app_as("manager", PAGE)
    assert metric(at, "匹配工单") == "2"
    at.date_input(key="tk_days").set_value((datetime(2026, 1, 9).date(), datetime(2026, 1, 15).date())).run()
    at.text_input(key="tk_no").input("X2").run()
    assert metric(at, "匹配工单") == "1" and list(at.dataframe[0].value["工单编号"]) == ["X2"]
    at.text_input(key="tk_no").input("").run()
    at.selectbox(key="tk_sla").set_value("overdue").run()      # X2: 紧急 2 h, received yesterday, open
    assert list(at.dataframe[0].value["工单编号"]) == ["X2"]
    at.selectbox(key="tk_sla").set_value("").run()
    at.text_input(key="tk_staff").input("P001").run()
    assert list(at.dataframe[0].value["工单编号"]) == ["X1"]
    at.toggle(key="tk_export").set_value(True).run()
    assert not errors(at), errors(at)
    assert {b.label for b in at.download_button} >= {"导出 Excel", "导出 CSV"}


def test_unknown_ticket_in_url_is_a_warning(xss_db):
    at = app_as("leader", PAGE, query={"ticket": "NOPE**"})
    assert not errors(at)
    assert at.warning and "未找到" in at.warning[0].value and "NOPE**" in [t.value for t in at.text]
