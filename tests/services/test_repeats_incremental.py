"""A tickets file derives only the stretch its moved points touch (new tickets, stored tickets
whose time, caller, address or categories change) and the latest earlier ticket of each key:
after every file of a random sequence the stored sources equal the rule applied to every stored
ticket at once. Both engines."""
from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.infra import settings
from dashboard.services import ingest
from domain.repeats import RepeatKeys, repeat_sources
from queries.schema import tickets

KEY = "repeat-incremental-key-" + "k" * 32
HEADER = ["工单编号", "接收时间", "来电号码", "一级分类", "二级分类", "诉求地址", "标题", "被反映街乡镇", "承办单位"]
ADDRESSES = ["通州区梨园镇云景里3号楼", "通州区永顺镇新华里5号院", "通州区台湖镇某某小区9号楼", "短地址", ""]
CATEGORIES = [("城乡建设", "供暖"), ("城乡建设", "物业"), ("城乡建设", ""), ("交通运输", ""), ("", "")]
PHONES = ["13800138000", "138 0013 8000", "13911112222", "01061234567", ""]
FIRST_DAY = datetime(2025, 9, 1, 8)


@pytest.fixture
def pii_key(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "PII_KEY_FILE", tmp_path / "no-key-file")
    monkeypatch.setenv("HOTLINE_PII_KEY", KEY)


def _ticket(rnd: random.Random, no: str) -> dict:
    # whole hours over 100 days: equal times, the 30-day edge and both sides of it all occur
    at = FIRST_DAY + timedelta(hours=rnd.randrange(100 * 24) // 6 * 6)
    l1, l2 = rnd.choice(CATEGORIES)
    return {"工单编号": no, "接收时间": f"{at:%Y-%m-%d %H:%M:%S}", "来电号码": rnd.choice(PHONES), "一级分类": l1,
            "二级分类": l2, "诉求地址": rnd.choice(ADDRESSES), "标题": "诉求", "被反映街乡镇": "梨园镇", "承办单位": "梨园镇"}


def _file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=HEADER)
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


def _stored_and_expected(engine) -> tuple[dict, dict]:
    cols = [tickets.c[c] for c in ("ticket_no", "received_at", "caller_hash", "address_key", "category_l1",
                                   "category_l2", "repeat_source_no")]
    with engine.connect() as c:
        rows = c.execute(sa.select(*cols)).all()
    stored = {r[0]: r[6] for r in rows}
    expected = dict(repeat_sources(RepeatKeys(*r[:6]) for r in rows))
    return stored, expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_file_leaves_the_sources_the_whole_rule_gives(engine, pii_key, seed):
    rnd = random.Random(seed)
    known: dict[str, dict] = {}
    repeats_seen = 0
    for step in range(8):
        rows = []
        for i in range(rnd.randrange(10, 40)):
            if known and rnd.random() < 0.5:
                row = dict(known[rnd.choice(sorted(known))])
                change = rnd.randrange(4)
                if change == 0:          # moved in time
                    row["接收时间"] = _ticket(rnd, row["工单编号"])["接收时间"]
                elif change == 1:        # another caller or address
                    row["来电号码" if rnd.random() < 0.5 else "诉求地址"] = rnd.choice(PHONES + ADDRESSES)
                elif change == 2:        # another category
                    row["一级分类"], row["二级分类"] = rnd.choice(CATEGORIES)
                else:                    # a change the rule does not look at
                    row["标题"] = f"诉求（第 {step} 次更新）"
            else:
                row = _ticket(rnd, f"T{step:02d}{i:03d}")
            rows = [r for r in rows if r["工单编号"] != row["工单编号"]] + [row]
        res = ingest.run_import(engine, "tickets", f"step{step}.csv", _file(rows))
        assert res.ok, res.message
        known.update({r["工单编号"]: r for r in rows})
        stored, expected = _stored_and_expected(engine)
        assert stored == expected, f"after file {step}"
        repeats_seen = sum(1 for v in stored.values() if v)
    assert repeats_seen >= 10        # the sequence exercised the rule, not only empty sources


def test_an_older_match_is_found_behind_a_recent_ticket_that_does_not_match(engine, pii_key):
    # T (二级分类 燃气) repeats S (same address, same 一级分类, no 二级分类) ten days before it;
    # X, hours before T at the same address and 一级分类, has another 二级分类: it repeats S too
    # but is no match for T
    older = ("工单编号,接收时间,一级分类,二级分类,诉求地址\n"
             "S,2025-12-01 09:00:00,城乡建设,,通州区梨园镇云景里3号楼\n"
             "X,2025-12-11 06:00:00,城乡建设,供暖,通州区梨园镇云景里3号楼\n").encode()
    assert ingest.run_import(engine, "tickets", "older.csv", older).ok
    new = "工单编号,接收时间,一级分类,二级分类,诉求地址\nT,2025-12-11 09:00:00,城乡建设,燃气,通州区梨园镇云景里3号楼\n"
    assert ingest.run_import(engine, "tickets", "new.csv", new.encode()).ok
    stored, expected = _stored_and_expected(engine)
    assert stored == expected == {"S": None, "X": "S", "T": "S"}
