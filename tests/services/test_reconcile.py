"""台账核对: a ledger with known differences produces exactly those (SQLite and PostgreSQL)."""
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from dashboard.services import reconcile as rc
from tests.support.live_fixture import event, load, ticket

NOW = datetime(2026, 1, 15, 14, 0)
LEDGER = """工单编号,日期,事项,状态,备注
L1,2026-01-14,供暖,已办结,
L2,2026-01-13,供暖,办理中,日期写错
L3,2026-01-14,噪声,在办,事项不符
L4,2026-01-14,物业管理,已办结,状态不符：系统在办
X9,2026-01-14,供暖,办结,系统无此单
,2026-01-14,供暖,在办,缺工单编号
L6,2026-13-40,供暖,在办,日期错误
L1,2026-01-14,供暖,已办结,重复
L7,2026-01-14,物业,退单,
L8,2026-01-14,,处理完毕啦,状态无法识别
"""


@pytest.fixture
def db(engine):
    rows = [
        ticket("L1", "2026-01-14 09:00:00", category_l2="供暖", category_l3="暖气不热", title="家中暖气不热"),
        ticket("L2", "2026-01-14 10:00:00", category_l2="供暖", category_l3=None, title="室温低"),
        ticket("L3", "2026-01-14 11:00:00", category_l2="供暖", category_l3=None, title="暖气漏水"),
        ticket("L4", "2026-01-14 12:00:00", category_l1="住房", category_l2="物业管理", category_l3=None, title="物业"),
        ticket("L5", "2026-01-14 13:00:00", category_l2="供暖", category_l3=None, title="没有出现在台账"),
        ticket("L7", "2026-01-14 14:00:00", category_l1="住房", category_l2="物业管理", category_l3=None,
               title="物业服务差"),
        ticket("L8", "2026-01-14 15:00:00", category_l2=None, category_l3=None, title="其他"),
        ticket("OUT", "2026-01-20 09:00:00", category_l2=None, category_l3=None, title="范围外"),
    ]
    events = [
        event("L1", "2026-01-14 09:10:00", "SIGN"), event("L1", "2026-01-14 20:00:00", "CLOSE"),
        event("L2", "2026-01-14 10:10:00", "SIGN"), event("L2", "2026-01-14 10:30:00", "DISPATCH", "区水务局"),
        event("L7", "2026-01-14 14:10:00", "SIGN"), event("L7", "2026-01-14 14:20:00", "RETURN_REQUEST"),
        event("L7", "2026-01-14 16:00:00", "RETURN_APPROVED"),
    ]
    for r in rows:
        r.setdefault("category_l3", None)
        r.setdefault("title", None)
    load(engine, rows, events)
    return engine


def run(engine, data: bytes, name: str = "台账.csv"):
    ledger = rc.read_ledger(name, data)
    with engine.connect() as conn:
        return rc.reconcile(conn, ledger, start=date(2026, 1, 14), end=date(2026, 1, 14))


def test_known_differences(db):
    res = run(db, LEDGER.encode("utf-8"))
    assert list(res.missing_in_system["工单编号"]) == ["X9"]
    assert list(res.missing_in_ledger["工单编号"]) == ["L5"]          # OUT is outside the range
    got = {(r["工单编号"], r["字段"]) for r in res.mismatches.to_dict("records")}
    assert got == {("L2", "日期"), ("L3", "事项"), ("L4", "状态"), ("L8", "状态")}
    invalid = {(r["行号"], r["原因"].split("：")[0].split("（")[0]) for r in res.invalid.to_dict("records")}
    assert invalid == {(7, "缺少工单编号"), (8, "日期无法识别"), (9, "工单编号重复")}
    assert res.counts["ledger_rows"] == 10 and res.counts["ledger_valid"] == 7
    assert res.counts["matched"] == 6 and res.counts["mismatched_tickets"] == 4


def test_gb18030_and_xlsx_ledgers_give_the_same_answer(db):
    csv_res = run(db, LEDGER.encode("gb18030"))
    wb = Workbook()
    ws = wb.active
    for line in LEDGER.strip().splitlines():
        ws.append(line.split(","))
    ws["B2"].value = datetime(2026, 1, 14)       # a real date cell
    buf = BytesIO()
    wb.save(buf)
    xlsx_res = run(db, buf.getvalue(), "台账.xlsx")
    want = run(db, LEDGER.encode("utf-8"))            # the known differences of test_known_differences
    assert (want.counts["matched"], want.counts["mismatched_tickets"]) == (6, 4)
    for got in (csv_res, xlsx_res):
        assert got.counts == want.counts
        assert got.mismatches.equals(want.mismatches)


def test_report_workbook(db):
    res = run(db, LEDGER.encode("utf-8"))
    data = rc.to_xlsx(res, now=NOW, filename="台账.csv")
    assert data == rc.to_xlsx(res, now=NOW, filename="台账.csv")
    wb = load_workbook(BytesIO(data))
    assert wb.sheetnames == ["汇总", "系统缺失", "台账缺失", "字段不一致", "无效行"]
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r[0]}
    assert summary["系统缺失（台账有、系统无）"] == 1 and summary["台账缺失（系统有、台账无）"] == 1
    assert summary["字段不一致（项）"] == 4 and summary["无效行"] == 3


def test_status_words():
    assert rc.status_of("已完成") == "已办结" and rc.status_of("在办") == "在办"
    assert rc.status_of("退单") == "已退回" and rc.status_of("待质检") == "待质检"
    assert rc.status_of("不知道") is None


def test_refusals():
    with pytest.raises(rc.LedgerError, match="工单编号"):
        rc.read_ledger("a.csv", "编号X,日期\n1,2026-01-01\n".encode())
    with pytest.raises(rc.LedgerError):
        rc.read_ledger("a.xlsx", b"PK\x03\x04 not really")
