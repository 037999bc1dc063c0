"""AppTests of the ledger parts (docs/ledgers.md): 报表中心 for every desk role, 班前会 and 人员绩效 for
their roles; write forms only for managers and supervisors; a handover note with <script> shown as
text; a measure recorded from the page. On the hand-built QC fixture (tests/support/qc_fixture.py):
班前会's measures with status, before/since rates, verdict, the partial-weeks note and the overdue
one in red; 质检台账 rows linking to the ticket's timeline."""
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from dashboard.infra.db import make_engine
from dashboard.services.ledgers import handover, measures
from domain.access import PAGE_BY_KEY
from queries.schema import audit_log, qc_measures
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.pages_db import fresh_app_db
from tests.support.qc_fixture import NOW, load

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


@pytest.fixture
def qc_db(app_db, tmp_path, monkeypatch):
    """The QC fixture in a database of its own, clock at its `now` (1 Feb 2026 10:00), with three
    measures whose rates are worked out from its events (data from 20 Dec 2025)."""
    monkeypatch.setenv("HOTLINE_NOW", f"{NOW:%Y-%m-%d %H:%M:%S}")
    with fresh_app_db(tmp_path / "qc.db") as engine:
        load(engine)
        with engine.begin() as conn:
            # 回复不完整: before 5 Jan 0 of 3 QC events, since 2 of 9; 计划中 past its due day: overdue
            measures.add_measure(conn, username="m", role="manager", title="回复模板", owner="赵质一",
                                 started_on=date(2026, 1, 5), due_on=date(2026, 1, 10), target_kind="defect",
                                 target="回复不完整", now=NOW)
            # 未联系诉求人: before 2 Jan 1 of 2 (E's), since 1 of 10 (D's at 00:00; D's reject at now counts)
            measures.add_measure(conn, username="m", role="manager", title="回访前电话确认", owner="钱质二",
                                 started_on=date(2026, 1, 2), due_on=date(2026, 3, 1), target_kind="defect",
                                 target="未联系诉求人", now=NOW, status="实施中")
            # 未联系诉求人 from 1 Feb: before (from 4 Jan, all with data) 0 of 8, since 1 of 2
            measures.add_measure(conn, username="m", role="manager", title="联系记录复核", owner="钱质二",
                                 started_on=date(2026, 2, 1), due_on=date(2026, 3, 1), target_kind="defect",
                                 target="未联系诉求人", now=NOW, status="实施中")
        yield engine


def test_standup_shows_measures_with_status_and_effect(qc_db):
    at = app_as("supervisor", "pages/standup.py")
    assert not errors(at), errors(at)
    table = next(df for df in at.dataframe if "措施前比率" in df.value.columns)
    shown = table.value.set_index("措施")
    columns = ["状态", "是否逾期", "措施前比率", "措施后比率", "比率变化", "效果", "说明"]
    partial = "措施前不足 4 周数据（数据始于 2025-12-20）"
    assert shown.loc["回复模板", columns].tolist() == [
        "计划中", "是", "0.00%", "22.22%", "+22.22 个百分点", "未改善", partial]
    assert shown.loc["回访前电话确认", columns].tolist() == [
        "实施中", "否", "50.00%", "10.00%", "-40.00 个百分点", "已改善", partial]
    assert shown.loc["联系记录复核", columns].tolist() == [
        "实施中", "否", "0.00%", "50.00%", "+50.00 个百分点", "未改善", ""]
    assert any(c.value.startswith("说明为「措施前不足 4 周数据」的措施") for c in at.caption)
    # the overdue measure stands out: the warning counts it and its row alone is red
    assert "1 项措施已过完成期限仍未完成（红色行）。" in [w.value for w in at.warning]
    red = {row for row, styles in _cell_styles(table).items() if any("fde2e1" in s for s in styles)}
    assert red == {list(shown.index).index("回复模板")}


def _cell_styles(table) -> dict[int, list[str]]:
    """Row position → the CSS of its cells, from the Styler's rules the element carries."""
    css = table.proto.arrow_data.styler.styles
    out: dict[int, list[str]] = {}
    for row, rule in re.findall(r"#T_\w+_row(\d+)_col\d+[^{]*\{([^}]*)\}", css):
        out.setdefault(int(row), []).append(rule)
    return out


def test_qc_ledger_rows_open_the_ticket_timeline(qc_db):
    at = app_as("reviewer", "pages/reports.py")
    assert not errors(at), errors(at)
    ledger = next(df for df in at.dataframe if "质检结果" in df.value.columns)
    # 1 Feb up to now: D's two rejects (00:00 and 10:00, at now); 10:00:01 is after now
    assert ledger.value["工单编号"].tolist() == ["/tickets?ticket=D", "/tickets?ticket=D"]
    link = json.loads(ledger.proto.columns)["工单编号"]["type_config"]
    assert link == {"type": "link", "display_text": "ticket=(.*)$"}
    timeline = app_as("reviewer", "pages/tickets.py", query={"ticket": "D"})
    assert not errors(timeline), errors(timeline)
    events = next(d.value for d in timeline.dataframe if "操作" in d.value.columns)     # D's events up to now
    assert [f"{t:%m-%d %H:%M}" for t in events["时间"]] == ["01-31 23:00", "02-01 00:00", "02-01 09:00", "02-01 10:00"]
    assert events["操作"].tolist() == ["回复", "质检退回", "回复", "质检退回"]
