"""AppTests of the ledger parts (docs/ledgers.md): 报表中心 for every desk role, 班前会 and 人员绩效 for
their roles; write forms only for managers and supervisors; a handover note with <script> shown as
text; a measure recorded from the page."""
from datetime import date

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.ledgers import handover
from domain.access import PAGE_BY_KEY
from queries.schema import audit_log, qc_measures
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors

WRITERS = ("manager", "supervisor")


TABS = ("质检台账", "质检日报/周报/月报", "改进措施", "疑难·未解决·特殊工单", "工作日志与交接班")


def _open(at, name):
    at.session_state["ledger_tabs"] = name
    at.run()
    assert not errors(at), (name, errors(at))
    return at


@pytest.mark.parametrize("role", PAGE_BY_KEY["reports"].roles)
def test_reports_ledger_part(app_db, role):
    at = app_as(role, "pages/reports.py")
    assert not errors(at), errors(at)
    assert any(s.value == "台账与质检报表" for s in at.subheader)
    assert set(TABS) <= {t.label for t in at.tabs}
    assert any("工单编号" in df.value.columns and "质检结果" in df.value.columns for df in at.dataframe)
    labels = [m.label for m in _open(at, "质检日报/周报/月报").metric]
    assert "退回率" in labels and "质检及时率" in labels and "质检差错率" in labels
    buttons = [b.label for b in _open(at, "改进措施").button]
    assert ("保存措施" in buttons) == (role in WRITERS)
    at = _open(at, "疑难·未解决·特殊工单")
    assert "疑难未办结" in [m.label for m in at.metric]
    assert ("标记" in [b.label for b in at.button]) == (role in WRITERS)
    at.session_state["ho-shift"] = "早班"   # the running shift: no note yet
    at = _open(at, "工作日志与交接班")
    assert ("保存交接说明" in [b.label for b in at.button]) == (role in WRITERS)


@pytest.mark.parametrize("role", PAGE_BY_KEY["standup"].roles)
def test_standup_shows_last_handovers_verbatim(app_db, role):
    with make_engine(app_db).begin() as conn:
        handover.write_note(conn, username="u_supervisor", role="supervisor", day=date(2026, 1, 15), shift="早班",
                            group="退单", note="<script>alert('x')</script> 待审核 3 张", now=APP_NOW)
    at = app_as(role, "pages/standup.py")
    assert not errors(at), errors(at)
    assert any(s.value == "交接班与改进措施" for s in at.subheader)
    shown = [df.value for df in at.dataframe if "交接说明" in df.value.columns]
    assert shown and "<script>alert('x')</script> 待审核 3 张" in list(shown[0]["交接说明"])


@pytest.mark.parametrize("role", PAGE_BY_KEY["staff"].roles)
def test_staff_qc_ledger_drilldown(app_db, role):
    at = app_as(role, "pages/staff.py")
    assert not errors(at), errors(at)
    assert any("质检台账明细" in e.label for e in at.expander)
    at.toggle(key="staff-qcl-on").set_value(True).run()
    assert not errors(at), errors(at)
    assert any("质检结果" in df.value.columns for df in at.dataframe)


def test_measure_recorded_from_the_page(app_db):
    at = _open(app_as("supervisor", "pages/reports.py"), "改进措施")
    form_inputs = [t for t in at.text_input if t.label == "措施内容"]
    form_inputs[0].set_value("质检复核清单")
    next(t for t in at.text_input if t.label == "负责人").set_value("质检一组组长")
    next(b for b in at.button if b.label == "保存措施").click().run()
    assert not errors(at), errors(at)
    with make_engine(app_db).connect() as conn:
        titles = [r[0] for r in conn.execute(sa.select(qc_measures.c.title))]
        audited = conn.execute(sa.select(sa.func.count()).select_from(audit_log)
                               .where(audit_log.c.action == "qc_measure_added")).scalar()
    assert "质检复核清单" in titles and audited >= 1
