"""/assessment per allowed role: figures, evidence and what-if, manual items and the sign-off flow
(AppTest on the demo app_db)."""
import re

import pytest
import sqlalchemy as sa
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from dashboard.infra.db import make_engine
from domain.access import ROLES, can_open
from queries.schema import audit_log, manual_items
from tests.support.apptest import app_as, errors


def _buttons(at) -> set[str]:
    return {b.label for b in at.button}


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "assessment")])
def test_assessment_renders(app_db, role):
    at = app_as(role, "pages/assessment.py")
    assert not errors(at), errors(at)
    labels = {m.label for m in at.metric}
    assert {"考核得分", "付款系数", "当月应付（元）", "考核扣款（元）", "测算得分"} <= labels
    assert at.selectbox(key="assess_month").value == "2026-01"
    assert len(at.dataframe) >= 1                                # the indicator table
    assert at.tabs and [t.label for t in at.tabs][:4] == ["指标与失分证据", "加扣分", "趋势与测算", "签核"]
    if role == "supervisor":
        assert not {"乙方确认", "甲方审定并冻结"} & _buttons(at)
        assert not [ti for ti in at.text_input if ti.label == "事由"]
        assert any("只读" in i.value for i in at.info)
    if role in ("reviewer", "admin"):
        assert [ti for ti in at.text_input if ti.label == "事由"]   # manual-item form
    if role in ("manager", "admin"):
        assert "乙方确认" in _buttons(at)
    if role in ("leader", "reviewer"):
        assert "乙方确认" not in _buttons(at)


def test_assessment_evidence_switch(app_db):
    at = app_as("reviewer", "pages/assessment.py")
    at.selectbox(key="evidence_key").set_value("attendance_rate").run()
    assert not errors(at), errors(at)
    at.selectbox(key="whatif_key").set_value("sign_on_time_rate").run()
    at.number_input(key="whatif_value").set_value(50.0).run()
    assert not errors(at), errors(at)
    score = next(m for m in at.metric if m.label == "测算得分")
    assert score.delta.startswith("-")


def test_signoff_flow_in_page(app_db):
    # the demo data lie in 2026-01; 2025-12 has none and cannot be signed off
    at = app_as("manager", "pages/assessment.py")
    at.selectbox(key="assess_month").set_value("2026-01").run()
    at.button(key="btn_vendor").click().run()
    assert not errors(at), errors(at)
    at = app_as("reviewer", "pages/assessment.py")
    at.selectbox(key="assess_month").set_value("2026-01").run()
    at.button(key="btn_approve").click().run()
    assert not errors(at), errors(at)
    assert any("一致" in s.value for s in at.success)
    # the sign-off steps' second lines are the times of the steps, not changes: no arrows
    steps = {m.label: m.proto for m in at.metric if m.label in ("② 乙方确认", "③ 甲方审定 / 冻结")}
    assert len(steps) == 2
    for step in steps.values():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", step.delta), step.delta
        assert step.direction == MetricProto.MetricDirection.NONE
    at = app_as("admin", "pages/assessment.py")
    at.selectbox(key="assess_month").set_value("2026-01").run()
    assert any(ti.label == "解冻理由" for ti in at.text_input)
    ti = next(t for t in at.text_input if t.label == "解冻理由")
    ti.input("测试解冻")
    next(b for b in at.button if b.label == "解冻（退回草稿）").click().run()
    assert not errors(at), errors(at)
    assert "乙方确认" in _buttons(at)


def test_reviewer_adds_and_deletes_manual_item(app_db):
    at = app_as("reviewer", "pages/assessment.py")
    score_before = next(m for m in at.metric if m.label == "考核得分").value
    next(t for t in at.text_input if t.label == "分值").input("1.5")
    next(t for t in at.text_input if t.label == "事由").input("有效投诉（测试）")
    next(b for b in at.button if b.label == "录入").click().run()
    assert not errors(at), errors(at)
    eng = make_engine(app_db)
    with eng.connect() as conn:
        rows = conn.execute(sa.select(manual_items).where(manual_items.c.reason == "有效投诉（测试）")).all()
        assert len(rows) == 1 and rows[0].entered_by == "u_reviewer" and rows[0].month == "2026-01"
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                            .where(audit_log.c.action == "manual_item_add")).scalar() >= 1
        item_id = rows[0].id
    score_after = next(m for m in at.metric if m.label == "考核得分").value
    assert score_after != score_before
    at.selectbox(key="manual_delete_id").set_value(item_id)
    at.button(key="manual_delete").click().run()
    assert not errors(at), errors(at)
    with eng.connect() as conn:
        assert not conn.execute(sa.select(manual_items).where(manual_items.c.reason == "有效投诉（测试）")).all()
