"""Import pipeline: the six import files of one month, bad files, encodings, idempotence, frozen
months, and real exports through their mappings."""
from __future__ import annotations

import io
import random
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from dashboard.services import ingest
from dashboard.services.ingest.frozen import frozen_months
from queries.schema import import_log, manual_items, month_signoffs, reports, shifts, staff, ticket_events, ticket_facts, tickets
from tests.support.december_files import cli, count, import_month
from tests.support.paths import FIXTURES, MAPPINGS

FIX = FIXTURES


def test_month_imports_and_second_import_changes_nothing(engine, capsys):
    import_month(engine)
    assert [count(engine, t) for t in (staff, tickets, shifts, reports, manual_items)] == [4, 13, 4, 3, 2]
    # 11 event rows + derived SIGN/DISPATCH/CLOSE from the tickets' own columns
    assert count(engine, ticket_events) == 11 + 7 + 6 + 3
    assert count(engine, ticket_facts) == 13
    with engine.connect() as c:
        t = c.execute(sa.select(tickets).where(tickets.c.ticket_no == "T001")).mappings().one()
        assert t["content"] == " 楼道灯坏了，\n多次反映无人修 "            # citizen text verbatim
        t2 = c.execute(sa.select(tickets).where(tickets.c.ticket_no == "T002")).mappings().one()
        assert t2["street"] == "于家务回族乡" and t2["in_assessment"] is True and t2["callback_valid"] is True
        t6 = c.execute(sa.select(tickets.c.received_at).where(tickets.c.ticket_no == "T006")).scalar_one()
        assert str(t6) == "2025-12-13 12:00:00"                        # +00:00 → Beijing
        t3 = c.execute(sa.select(tickets.c.received_at).where(tickets.c.ticket_no == "T003")).scalar_one()
        assert str(t3) == "2025-12-12 12:00:00"                        # 12:00:00 PM
        assert c.execute(sa.select(staff.c.years_experience).where(staff.c.staff_no == "P002")).scalar_one() == "2.5"
        assert c.execute(sa.select(manual_items.c.points).where(manual_items.c.item_type == "加分")).scalar_one() == "1.5"
        ev = c.execute(sa.select(ticket_events.c.action).where(ticket_events.c.ticket_no == "T009")
                       .order_by(ticket_events.c.at)).scalars().all()
        assert ev == ["SIGN", "RETURN_REQUEST", "RETURN_APPROVED"]
        logs = c.execute(sa.select(import_log.c.status)).scalars().all()
        assert logs == ["ok"] * 6
    before = [count(engine, t) for t in (staff, tickets, ticket_events, shifts, reports, manual_items)]
    capsys.readouterr()
    import_month(engine)
    out = capsys.readouterr().out
    assert "新增 0，更新 0，未变 13" in out and "未变 11" in out and "未变 2" in out
    assert [count(engine, t) for t in (staff, tickets, ticket_events, shifts, reports, manual_items)] == before


def test_bad_timestamp_refuses_the_file(sqlite_engine, tmp_path, capsys):
    text = (FIX / "dec_tickets.csv").read_text(encoding="utf-8").replace("2025/12/1 9:00:00", "2025-13-45 99:00")
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    assert cli(sqlite_engine, "import", "tickets", str(f)) == 1
    err = capsys.readouterr().err
    assert '第3行 接收时间：无法识别的时间 "2025-13-45 99:00"' in err
    assert "Traceback" not in err
    assert count(sqlite_engine, tickets) == 0 and count(sqlite_engine, ticket_events) == 0
    with sqlite_engine.connect() as c:
        assert c.execute(sa.select(import_log.c.status)).scalars().all() == ["refused"]


def test_quarantine_keeps_valid_rows(sqlite_engine, tmp_path, capsys):
    text = (FIX / "dec_tickets.csv").read_text(encoding="utf-8").replace("T005,2025-12-15 10:00,举报",
                                                                         "T005,2025-12-15 10:00,吐槽")
    f = tmp_path / "q.csv"
    f.write_text(text, encoding="utf-8")
    assert cli(sqlite_engine, "import", "tickets", str(f), "--quarantine") == 0
    assert count(sqlite_engine, tickets) == 12
    rej = pd.read_csv(tmp_path / "q.csv.rejects.csv", dtype=str, encoding="utf-8-sig")
    assert list(rej["行号"]) == ["6"] and "诉求类型" in rej["原因"][0] and "吐槽" in rej["原因"][0]


def test_missing_required_column_is_named(sqlite_engine, tmp_path, capsys):
    f = tmp_path / "m.csv"
    f.write_text("工单编号,标题\nX1,无接收时间\n", encoding="utf-8")
    assert cli(sqlite_engine, "import", "tickets", str(f)) == 1
    assert "缺少必填列：接收时间" in capsys.readouterr().err


@pytest.mark.parametrize("name, data, words", [
    ("junk.xlsx", random.Random(7).randbytes(3000), "不是有效的 XLSX"),
    ("empty.csv", b"", "文件为空"),
    ("header.csv", "工单编号,接收时间\n".encode(), "没有数据行"),
    ("bin.csv", b"\x00\x01\x02\xff" * 500, "不是可识别"),
], ids=["random-binary-xlsx", "empty-csv", "header-only-csv", "binary-csv"])
def test_unreadable_files_one_message(sqlite_engine, tmp_path, capsys, name, data, words):
    f = tmp_path / name
    f.write_bytes(data)
    assert cli(sqlite_engine, "import", "tickets", str(f)) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_encodings_import_the_same_rows(engine, tmp_path):
    text = (FIX / "dec_tickets.csv").read_text(encoding="utf-8")
    gb, bom = tmp_path / "gb.csv", tmp_path / "bom.csv"
    gb.write_bytes(text.encode("gb18030"))
    bom.write_bytes(text.encode("utf-8-sig"))
    r1 = ingest.run_import(engine, "tickets", "gb.csv", gb.read_bytes(), username="t")
    assert (r1.status, r1.inserted) == ("ok", 13)
    with engine.connect() as c:
        first = c.execute(sa.select(tickets).order_by(tickets.c.ticket_no)).mappings().all()
    r2 = ingest.run_import(engine, "tickets", "bom.csv", bom.read_bytes(), username="t")
    assert (r2.inserted, r2.updated, r2.unchanged) == (0, 0, 13)
    with engine.connect() as c:
        assert c.execute(sa.select(tickets).order_by(tickets.c.ticket_no)).mappings().all() == first
    assert first[0]["title"] == "物业不作为"


def test_xlsx_with_date_cells_serials_and_english_headers(sqlite_engine):
    wb = Workbook()
    ws = wb.active
    ws.append(["ticket_no", "received_at", "Deadline_At", "备注"])
    ws.append([20251201, datetime(2025, 12, 1, 8, 0, 0), 46000.5, "x"])
    ws.append(["  T-2  ", "2025-12-01 09:00", None, "y"])
    buf = io.BytesIO()
    wb.save(buf)
    res = ingest.run_import(sqlite_engine, "tickets", "e.xlsx", buf.getvalue(), username="t")
    assert res.status == "ok", res.rejects
    assert res.unknown_columns == ["备注"]
    with sqlite_engine.connect() as c:
        rows = dict(c.execute(sa.select(tickets.c.ticket_no, tickets.c.deadline_at)).tuples().all())
    assert str(rows["20251201"]) == "2025-12-09 12:00:00" and rows["T-2"] is None


def test_events_for_unknown_tickets_and_shifts_for_unknown_staff(sqlite_engine):
    ev = "工单编号,操作时间,操作,工号\nNOPE,2025-12-01 08:00:00,签收,P1\n".encode()
    r = ingest.run_import(sqlite_engine, "events", "e.csv", ev, username="t")
    assert r.status == "refused" and "NOPE" in r.rejects["原因"][0] and r.rejects["行号"][0] == 2
    sh = "工号,日期,班次,是否到岗\nP9,2025-12-01,早班,是\nP9,2025-12-01,晚班,是\n".encode()
    r = ingest.run_import(sqlite_engine, "shifts", "s.csv", sh, username="t")
    assert r.status == "refused"
    assert list(r.rejects["列"]) == ["工号", "工号", "班次"]
    assert count(sqlite_engine, ticket_events) == 0 and count(sqlite_engine, shifts) == 0


def test_frozen_month_is_refused(engine):
    with engine.begin() as c:
        c.execute(month_signoffs.insert().values(month="2025-11", state="reviewer_approved", frozen=True))
        c.execute(month_signoffs.insert().values(month="2025-12", state="draft", frozen=False))
        assert frozen_months(c) == {"2025-11"}
    r = ingest.run_import(engine, "tickets", "t.csv", (FIX / "dec_tickets.csv").read_bytes(), username="t")
    assert r.status == "refused" and r.rejects.values.tolist() == [[13, "接收时间", "所属月份 2025-11 已签核冻结，不能修改"]]
    r = ingest.run_import(engine, "tickets", "t.csv", (FIX / "dec_tickets.csv").read_bytes(), username="t",
                          quarantine=True)
    assert (r.status, r.inserted, r.rejected) == ("partial", 12, 1)


def test_preview_reports_columns_and_problems():
    data = "工单编号,接收时间,满意度,来源\nA1,2025-12-01 08:00,很满意,微信\n".encode()
    pv = ingest.preview("tickets", "p.csv", data)
    assert pv.rows_total == 1 and pv.unknown_columns == ["来源"]
    assert pv.recognised == {"工单编号": "工单编号", "接收时间": "接收时间", "满意度": "满意度"}
    assert pv.errors.values.tolist() == [[2, "满意度", '不允许的值 "很满意"（可选：满意/基本满意/不满意）']]
    assert not pv.ok
    assert "不是有效的 XLSX" in ingest.preview("tickets", "x.xlsx", b"not a zip at all").message


def test_nyc_311_subset_through_mapping(engine, tmp_path, capsys):
    f = FIX / "nyc_311_subset.csv"
    m = str(MAPPINGS / "nyc_311.yaml")
    assert cli(engine, "import", "tickets", str(f), "--mapping", m) == 1
    err = capsys.readouterr().err
    assert err.count("早于接收时间") == 10 and count(engine, tickets) == 0
    rej = tmp_path / "r.csv"
    assert cli(engine, "import", "tickets", str(f), "--mapping", m, "--quarantine", "--rejects", str(rej)) == 0
    out = capsys.readouterr().out
    assert "新增 50" in out and "拒绝 10" in out and "被反映街乡镇" in out and "已忽略未识别的列" in out
    assert len(pd.read_csv(rej, dtype=str, encoding="utf-8-sig")) == 10
    with engine.connect() as c:
        t = c.execute(sa.select(tickets).where(tickets.c.ticket_no == "39573567")).mappings().one()
    # 06/26/2018 10:58:54 AM New York (EDT, UTC−4) = 22:58:54 Beijing
    assert str(t["received_at"]) == "2018-06-26 22:58:54" and str(t["deadline_at"]) == "2018-06-27 06:58:54"
    assert t["unit"] == "New York City Police Department" and t["street"] == "QUEENS"
    assert cli(engine, "import", "tickets", str(f), "--mapping", m, "--quarantine", "--rejects", str(rej)) == 0
    assert "新增 0，更新 0，未变 50" in capsys.readouterr().out


def test_wenzheng_subset_through_mapping(engine, capsys):
    f = FIX / "wenzheng_subset.xlsx"
    assert cli(engine, "import", "tickets", str(f), "--mapping", str(MAPPINGS / "wenzheng.yaml")) == 0
    out = capsys.readouterr().out
    assert "新增 59" in out and "留言用户、答复意见" in out
    with engine.connect() as c:
        got = {r.ticket_no: r for r in c.execute(sa.select(tickets))}
        closes = dict(c.execute(sa.select(ticket_events.c.ticket_no, ticket_events.c.at)
                                .where(ticket_events.c.action == "CLOSE")).tuples().all())
    # the one raw Excel serial cell (43563.3592…) is 2019-04-08 08:37:20
    assert any(str(r.received_at) == "2019-04-08 08:37:20" for r in got.values())
    assert all(r.content.startswith("\n\t") for r in got.values())   # verbatim, leading whitespace kept
    assert len(closes) == 59 and "2018-04-24 00:00:00" in {str(v) for v in closes.values()}
