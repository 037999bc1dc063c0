"""数据导入 (/import): rendering per role, upload → preview → confirm → result → history, refusals,
and the page reaching the pipeline only through the checked flow."""

import pytest
import sqlalchemy as sa

from dashboard.services import import_flow as flow
from domain.access import ROLES, can_open
from queries.schema import import_log, staff
from tests.support.apptest import ROOT, app_as, errors
from tests.support.pages_db import fresh_app_db
from tests.support.paths import FIXTURES

PAGE = "pages/import_data.py"
STAFF_CSV = (FIXTURES / "dec_staff.csv").read_bytes()
BAD_STAFF_CSV = ("工号,姓名,岗位,入职日期,备注\n"
                 "S901,张三,派单专员,2025-01-02,x\n"
                 "S902,李四,清洁工,2025-01-02,y\n"
                 "S903,王五,质检专员,2025-13-40,z\n").encode()


@pytest.fixture
def import_db(app_db, tmp_path):
    with fresh_app_db(tmp_path / "import.db") as eng:
        yield eng


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def upload(at, kind: str, name: str, data: bytes):
    at.selectbox(key="import_kind").set_value(kind).run()
    key = f"import_file_{at.session_state['import_uploader_n']}"
    at.file_uploader(key=key).set_value((name, data, "text/csv")).run()
    return at


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "import")])
def test_import_page_renders_for_allowed_roles(app_db, role):
    at = app_as(role, PAGE)
    assert not errors(at), errors(at)
    assert at.file_uploader and at.selectbox(key="import_kind").value == "tickets"
    assert set(at.selectbox(key="import_kind").options) == {"工单", "流转记录", "人员", "排班考勤", "报表报送", "考核加扣分"}
    assert any("上传文件" in i.value for i in at.info)


def test_upload_preview_confirm_result_history(import_db):
    at = upload(app_as("analyst", PAGE), "staff", "dec_staff.csv", STAFF_CSV)
    assert not errors(at), errors(at)
    m = metrics(at)
    assert m["数据行"] == "4" and m["错误行"] == "0"
    assert at.session_state["import_upload"].name == "dec_staff.csv"
    with import_db.connect() as conn:                       # a preview writes nothing
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 0

    at.button(key="import_confirm").click().run()
    assert not errors(at), errors(at)
    m = metrics(at)
    assert (m["新增"], m["更新"], m["未变"], m["拒绝"]) == ("4", "0", "0", "0")
    assert "import_upload" not in at.session_state             # bytes dropped after the import
    history = at.dataframe[-1].value
    assert list(history["文件"]) == ["dec_staff.csv"] and list(history["状态"]) == ["成功"]
    assert list(history["操作人"]) == ["u_analyst"] and list(history["新增"]) == [4]

    at = upload(at, "staff", "dec_staff.csv", STAFF_CSV)       # the same file again changes nothing
    at.button(key="import_confirm").click().run()
    m = metrics(at)
    assert (m["新增"], m["未变"]) == ("0", "4")
    with import_db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 4
        assert conn.execute(sa.select(sa.func.count()).select_from(import_log)).scalar_one() == 2


def test_bad_rows_reported_then_refused_or_quarantined(import_db):
    at = upload(app_as("admin", PAGE), "staff", "bad.csv", BAD_STAFF_CSV)
    assert not at.exception
    assert metrics(at)["错误行"] == "2" and metrics(at)["忽略列"] == "1"
    report = next(d.value for d in at.dataframe if list(d.value.columns) == ["行号", "列", "原因"])
    assert sorted(report["行号"]) == [3, 4] and set(report["列"]) == {"岗位", "入职日期"}
    assert any("备注" in t.value for t in at.text)             # unknown column reported

    at.radio(key="import_mode").set_value(flow.MODE_ALL).run()
    at.button(key="import_confirm").click().run()
    assert not at.exception
    assert at.error and "未导入" in at.error[0].value
    assert metrics(at)["拒绝"] == "2" and metrics(at)["新增"] == "0"
    assert {b.label for b in at.download_button} >= {"导出 Excel", "导出 CSV"}   # rejected rows with reasons
    with import_db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 0

    at = upload(at, "staff", "bad.csv", BAD_STAFF_CSV)
    at.radio(key="import_mode").set_value(flow.MODE_QUARANTINE).run()
    at.button(key="import_confirm").click().run()
    assert (metrics(at)["新增"], metrics(at)["拒绝"]) == ("1", "2")
    assert at.warning
    with import_db.connect() as conn:
        assert [r[0] for r in conn.execute(sa.select(staff.c.staff_no))] == ["S901"]


@pytest.mark.parametrize("name, data, words", [
    ("empty.csv", b"", "文件为空"),
    ("bin.csv", b"\x00\x01\x02 binary", "不是可识别的表格文件"),
    ("fake.xlsx", b"not a workbook at all", "XLSX"),
    ("t.csv", "姓名\n张三\n".encode(), "缺少必填列"),
])
def test_unreadable_files_give_chinese_message_not_traceback(import_db, name, data, words):
    at = upload(app_as("analyst", PAGE), "staff", name, data)
    assert not at.exception
    assert at.error and words in at.error[0].value
    assert "import_confirm" not in [b.key for b in at.button]


def test_page_reaches_the_pipeline_only_through_the_checked_flow():
    src = (ROOT / PAGE).read_text(encoding="utf-8")
    assert "run_import" not in src and "confirm_import" in src and 'require_action(user, "import"' in src
