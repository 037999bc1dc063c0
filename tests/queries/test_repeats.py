"""queries.repeats on both engines, against the hand-worked repeat fixture (tests/services/test_repeats.py)."""
from __future__ import annotations

from datetime import datetime

import pytest

from queries import repeats
from tests.services.test_repeats import EXPECTED, _import_fixtures, pii_key  # noqa: F401 - fixture

DEC = (datetime(2025, 12, 1), datetime(2026, 1, 1))


def test_totals_and_counts(engine, pii_key):  # noqa: F811
    _import_fixtures(engine)
    with engine.connect() as c:
        # December: C2 C3 M1 R019 R020 A1–A5 S1 S2 F1–F3 = 15 tickets; repeats C2 R019 R020 A2 A4 F2 F3
        assert repeats.repeat_totals(c, start=DEC[0], end=DEC[1]) == {"tickets": 15, "repeats": 7}
        assert repeats.repeat_totals(c, start=DEC[0], end=DEC[1], now=datetime(2025, 12, 12, 9)) == \
            {"tickets": 7, "repeats": 4}   # C2 M1 R019 R020 A1 A2 A3 (at the second)
        street = repeats.repeat_counts(c, start=DEC[0], end=DEC[1], by="street")
        assert {r.key: (r.tickets, r.repeats) for r in street.itertuples()} == \
            {"梨园镇": (9, 3), "永顺镇": (3, 2), "未填写": (3, 2)}
        assert list(street.columns) == ["key", "tickets", "repeats"]
        unit = repeats.repeat_counts(c, start=DEC[0], end=DEC[1], by="unit")
        assert {r.key: (r.tickets, r.repeats) for r in unit.itertuples()} == \
            {"梨园镇": (7, 2), "永顺镇": (2, 2), "区交通局": (1, 0), "区城管委": (2, 1), "未填写": (3, 2)}
        cat = repeats.repeat_counts(c, start=DEC[0], end=DEC[1], by="category", limit=2)
        # 未分类: C2 C3 R019 R020 A5 = 5 with 3 repeats; 噪音扰民 3 with 2; 供暖 A1 A2 S1 S2 = 4 with 1
        assert [(r.key, r.tickets, r.repeats) for r in cat.itertuples()] == [("未分类", 5, 3), ("噪音扰民", 3, 2)]
        with pytest.raises(ValueError):
            repeats.repeat_counts(c, start=DEC[0], end=DEC[1], by="caller")


def test_top_repeated(engine, pii_key):  # noqa: F811
    _import_fixtures(engine)
    with engine.connect() as c:
        top = repeats.top_repeated(c, month="2025-12")
    got = [(r.address, r.category, r.tickets, r.repeats, r.latest_ticket_no) for r in top.itertuples()]
    # 玉桥东里5号院 噪音扰民: F1 F2 F3 (F2 by caller, F3 by address); 云景里3号楼 供暖: A1 A2;
    # 云景里 城乡建设 (A4, 一级分类 only): A4
    assert got[0] == ("通州区玉桥街道玉桥东里5号院", "噪音扰民", 3, 2, "F3")
    assert sorted(got[1:]) == [("通州区梨园镇云景里3号楼", "供暖", 2, 1, "A2"),
                               ("通州区梨园镇云景里（3号楼）", "城乡建设", 1, 1, "A4")]
    assert list(top.columns) == repeats.TOP_REPEATED_COLUMNS


def test_chain_and_open_repeats(engine, pii_key):  # noqa: F811
    _import_fixtures(engine)
    with engine.connect() as c:
        chain = repeats.repeat_chain(c, "R020")
        assert list(chain["ticket_no"]) == ["R020", "R019", "M1"] and list(chain["step"]) == [0, 1, 2]
        assert list(chain["caller_last4"]) == ["8000"] * 3
        assert list(repeats.repeat_chain(c, "A1")["ticket_no"]) == ["A1"]
        assert repeats.repeat_chain(c, "NOPE").empty
        assert list(repeats.repeat_chain(c, "R020", max_steps=1)["ticket_no"]) == ["R020", "R019"]
        # the fixture's tickets have no events: all open (待签收)
        df, total = repeats.open_repeats(c, now=datetime(2026, 1, 31), limit=3)
    assert total == sum(1 for v in EXPECTED.values() if v) and len(df) == 3
