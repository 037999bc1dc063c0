"""Repeats derived at import (file and mapping), kept current on upserts, rebuilt; the caller's
number never in clear; the `tickets` export's repeat columns. Both engines, hand-worked answers."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.infra import settings
from dashboard.services import ingest, repeats
from queries.schema import import_log, metadata, tickets
from tests.support.december_files import cli
from tests.support.paths import FIXTURES

KEY = "repeat-test-key-" + "k" * 32

# 重复来源工单 of every fixture ticket, worked out by hand (docs/repeats.md)
EXPECTED = {
    "C1": None,
    "C2": "C1",       # same caller written another way, exactly 30 days later
    "C3": None,       # 30 days and 1 second after C2
    "M1": None,
    "R019": "M1",     # same time as R020 but the smaller number: the earlier one
    "R020": "R019",
    "A1": None,
    "A2": "A1",       # same address after normalising, same 二级分类
    "A3": None,       # both have 二级分类 and they differ
    "A4": "A3",       # A4 has no 二级分类: equal 一级分类 decides; A3 is the latest
    "A5": None,       # blank category matches nothing
    "S1": None,
    "S2": None,       # "3号楼" is too short to count
    "F1": None,
    "F2": "F1",       # same caller, mapping file
    "F3": "F2",       # other caller, same address and 一级分类
}
CLEAR_NUMBERS = ["+86 10 6123 4567", "861061234567", "(010) 6123-4567", "01061234567", "1061234567", "61234567",
                 "13800138000", "138-0013-8000", "008613800138000", "139 1111 2222", "13911112222",
                 "139-1111-2222", "010 8888 9999", "01088889999", "88889999"]


@pytest.fixture
def pii_key(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "PII_KEY_FILE", tmp_path / "no-key-file")
    monkeypatch.setenv("HOTLINE_PII_KEY", KEY)


def _import_fixtures(engine) -> None:
    assert cli(engine, "import", "tickets", str(FIXTURES / "repeat_tickets.csv")) == 0
    assert cli(engine, "import", "tickets", str(FIXTURES / "repeat_foreign.csv"),
               "--mapping", str(FIXTURES / "repeat_foreign.yaml")) == 0


def _sources(engine) -> dict:
    with engine.connect() as c:
        return dict(c.execute(sa.select(tickets.c.ticket_no, tickets.c.repeat_source_no)).all())


def test_repeat_rule_at_import(engine, pii_key):
    _import_fixtures(engine)
    assert _sources(engine) == EXPECTED
    with engine.connect() as c:
        rows = dict(c.execute(sa.select(tickets.c.ticket_no, tickets.c.caller_last4)).all())
        hashes = dict(c.execute(sa.select(tickets.c.ticket_no, tickets.c.caller_hash)).all())
    assert rows["C1"] == rows["C2"] == rows["C3"] == "4567" and rows["A1"] is None
    assert hashes["C1"] == hashes["C2"] == hashes["C3"] and len(hashes["C1"]) == 64
    assert hashes["M1"] == hashes["R019"] == hashes["R020"] != hashes["C1"]


def test_second_import_changes_nothing_and_rebuild_agrees(engine, pii_key):
    _import_fixtures(engine)
    res = ingest.run_import(engine, "tickets", "again.csv", (FIXTURES / "repeat_tickets.csv").read_bytes())
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 13)
    with engine.begin() as c:
        c.execute(tickets.update().values(repeat_source_no=None, address_key=None))
        assert repeats.rebuild(c) == sum(1 for v in EXPECTED.values() if v)
    assert _sources(engine) == EXPECTED


def test_upsert_rederives_the_tickets_after_it(engine, pii_key):
    _import_fixtures(engine)
    # A2 moves to another address: no repeat any more. A6 arrives: A4 (no 二级分类, equal 一级分类)
    # is the latest earlier ticket of that address it matches
    data = ("工单编号,接收时间,一级分类,二级分类,诉求地址\n"
            "A2,2025-12-11 09:00:00,城乡建设,供暖,通州区台湖镇某某小区9号楼\n"
            "A6,2025-12-20 09:00:00,城乡建设,供暖,通州区梨园镇云景里3号楼\n").encode()
    res = ingest.run_import(engine, "tickets", "move.csv", data)
    assert res.ok, res.message
    got = _sources(engine)
    assert got["A2"] is None and got["A6"] == "A4" and got["A4"] == "A3"
    # C1 received one day earlier: C2 is 31 days after it, no repeat any more
    data = "工单编号,接收时间\nC1,2025-10-31 10:00:00\n".encode()
    assert ingest.run_import(engine, "tickets", "c1.csv", data).ok
    got = _sources(engine)
    assert got["C2"] is None and got["C3"] is None and got["A4"] == "A3"


def test_phone_column_refused_without_a_key(engine, monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "PII_KEY_FILE", tmp_path / "no-key-file")
    monkeypatch.delenv("HOTLINE_PII_KEY", raising=False)
    res = ingest.run_import(engine, "tickets", "t.csv", (FIXTURES / "repeat_tickets.csv").read_bytes())
    assert res.status == "refused" and "HOTLINE_PII_KEY" in res.message and "未写入任何数据" in res.message
    monkeypatch.setenv("HOTLINE_PII_KEY", "short-key")
    res = ingest.run_import(engine, "tickets", "t.csv", (FIXTURES / "repeat_tickets.csv").read_bytes())
    assert res.status == "refused" and "至少 32 字节" in res.message
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(tickets)).scalar_one() == 0
    # a blank number column needs no key
    data = "工单编号,接收时间,来电号码\nB1,2025-12-01 08:00:00,\n".encode()
    assert ingest.run_import(engine, "tickets", "b.csv", data).ok


def test_preview_and_rejected_rows_show_the_number_masked(sqlite_engine, pii_key):
    data = ("工单编号,接收时间,来电号码\nP1,2025-12-01 08:00:00,13800138000\nP2,bad time,(010) 6123-4567\n").encode()
    pv = ingest.preview("tickets", "p.csv", data)
    assert list(pv.head["来电号码"]) == ["****8000", "****4567"]
    res = ingest.run_import(sqlite_engine, "tickets", "p.csv", data, quarantine=True)
    assert res.status == "partial" and list(res.rejected_rows["来电号码"]) == ["****4567"]


def test_export_has_repeat_columns(engine, pii_key, tmp_path):
    _import_fixtures(engine)
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"t.{suffix}"
        assert cli(engine, "tickets", "--now", "2026-01-31 00:00:00", "--out", str(out)) == 0
        df = (pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig") if suffix == "csv"
              else pd.read_excel(out, dtype=str, keep_default_na=False))
        assert list(df.columns) == ["工单编号", "接收时间", "截止时间", "办结时间", "状态", "是否超期", "是否重复", "重复来源工单"]
        got = {r.工单编号: (r.是否重复, r.重复来源工单) for r in df.itertuples()}
        assert got == {no: ("是", src) if src else ("否", "") for no, src in EXPECTED.items()}


def _all_text_of_xlsx(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _database_bytes(engine) -> bytes:
    if engine.dialect.name == "sqlite":
        engine.dispose()      # the log's pages copied into the file
        path = engine.url.database
        out = open(path, "rb").read()
        for extra in ("-wal", "-journal"):
            try:
                out += open(path + extra, "rb").read()
            except OSError:
                pass
        return out
    with engine.connect() as c:    # PostgreSQL: every stored value of every table, as text
        return "".join(str(tuple(r)) for t in metadata.sorted_tables for r in c.execute(sa.select(t))).encode()


def test_no_clear_number_anywhere(engine, pii_key, tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("HOTLINE_LOG_LEVEL", "debug")
    _import_fixtures(engine)
    bad = ("工单编号,接收时间,来电号码\nX1,not a time,139 1111 2222\n").encode()
    assert ingest.run_import(engine, "tickets", "bad.csv", bad).status == "refused"
    files = []
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"tickets.{suffix}"
        assert cli(engine, "tickets", "--now", "2026-01-31 00:00:00", "--out", str(out)) == 0
        files.append(out)
    for kind in ("daily", "weekly", "monthly", "standup"):
        out = tmp_path / f"{kind}.xlsx"
        assert cli(engine, "report", kind, "--date", "2025-12-15", "--now", "2026-01-31 00:00:00", "--out", str(out)) == 0
        files.append(out)
    texts = {"database": _database_bytes(engine).decode("utf-8", "replace")}
    captured = capfd.readouterr()
    texts["logs"] = captured.out + captured.err
    with engine.connect() as c:
        texts["import_log"] = " ".join(c.execute(sa.select(import_log.c.message)).scalars().all())
    for f in files:
        data = f.read_bytes()
        texts[f.name] = _all_text_of_xlsx(data) if f.suffix == ".xlsx" else data.decode("utf-8-sig")
    assert "C2" in texts["tickets.csv"] and "4567" in texts["database"]      # the search looks at real content
    for where, text in texts.items():
        for number in CLEAR_NUMBERS:
            assert number not in text, (where, number)


def test_weekly_report_repeat_sheet(engine, pii_key):
    from openpyxl import load_workbook

    from dashboard.services.reports import periodic

    _import_fixtures(engine)
    with engine.connect() as c:
        data = periodic.build_weekly(c, day=datetime(2025, 12, 10).date(), now=datetime(2026, 1, 31))
    ws = load_workbook(io.BytesIO(data))["重复诉求"]
    rows = [r[:5] for r in ws.iter_rows(values_only=True) if r[0] in ("合计", "街乡镇", "承办单位", "分类", "反复出现的问题")]
    # the week 12-08 – 12-14: A1–A5, repeats A2 (供暖, 区城管委) and A4 (一级分类 城乡建设, 梨园镇)
    assert [r[0] for r in rows] == ["合计", "街乡镇", "承办单位", "承办单位", "分类", "分类", "反复出现的问题", "反复出现的问题"]
    # equal repeat counts: their order follows the database's collation
    assert sorted(r[:4] for r in rows) == sorted([
        ("合计", "全区", 5, 2), ("街乡镇", "梨园镇", 5, 2),
        ("承办单位", "区城管委", 2, 1), ("承办单位", "梨园镇", 3, 1),
        ("分类", "城乡建设", 1, 1), ("分类", "供暖", 2, 1),
        ("反复出现的问题", "通州区梨园镇云景里3号楼（供暖）", 2, 1),
        ("反复出现的问题", "通州区梨园镇云景里（3号楼）（城乡建设）", 1, 1)])
    assert rows[6][1] == "通州区梨园镇云景里3号楼（供暖）"       # more tickets first among equal repeats
    assert float(rows[0][4]) == 0.4
