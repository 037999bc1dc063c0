"""The wall's own queries on a hand-built morning (both engines): hourly profile and rising topics."""
import pandas as pd
import pytest

from queries import wall
from tests.support.live_fixture import NOW, load, ticket


def test_hourly_profile_and_rising(engine):
    # Thursday 2026-01-15 10:30; previous Thursdays 01-08 and 01-01 (01-01 has no tickets)
    rows = [ticket("A1", "2026-01-15 09:10:00"), ticket("A2", "2026-01-15 09:50:00"),
            ticket("A3", "2026-01-15 10:29:00", street="新华街道", category_l1="住房"),
            ticket("A4", "2026-01-15 10:31:00"),                     # after now
            ticket("P1", "2026-01-08 09:05:00"), ticket("P2", "2026-01-08 14:00:00"),
            ticket("P3", "2026-01-14 09:00:00", street="新华街道")]
    load(engine, rows)
    with engine.connect() as conn:
        hp = wall.hourly_profile(conn, now=NOW)
        streets = wall.rising(conn, now=NOW, dimension="street")
        cats = wall.rising(conn, now=NOW, dimension="category")
    assert hp.loc[9, "today"] == 2 and hp.loc[10, "today"] == 1 and hp.loc[0, "today"] == 0
    assert pd.isna(hp.loc[11, "today"])
    assert hp.loc[9, "typical"] == 1.0 and hp.loc[14, "typical"] == 1.0 and hp.loc[10, "typical"] == 0.0
    # usual = same 00:00–10:30 window over the previous 7 days / 7: 中仓 had P1, 新华 had P3
    assert streets["key"].tolist() == ["中仓街道", "新华街道"]
    assert streets["today"].tolist() == [2, 1]
    assert streets["usual"].tolist() == pytest.approx([1 / 7, 1 / 7])
    assert set(cats["key"]) == {"城乡建设", "住房"}


def test_above_normal_needs_volume_and_significance(engine):
    """Thursday 10:30. Over the same 00:00–10:30 of the 7 days before: 西集镇 1 a day, 宋庄镇 10 a day,
    others none. Today 西集镇 12 (z = 11: flagged), 宋庄镇 15 (z ≈ 1.6: noise), 漷县镇 9 (under the
    minimum), 永顺镇 1 (a single ticket: never)."""
    rows = []
    for k in range(1, 8):
        day = f"2026-01-{15 - k:02d}"
        rows.append(ticket(f"X{k}", f"{day} 08:00:00", street="西集镇"))
        rows += [ticket(f"Y{k}-{i}", f"{day} 09:{i:02d}:00", street="宋庄镇") for i in range(10)]
    for street, n in (("西集镇", 12), ("宋庄镇", 15), ("漷县镇", 9), ("永顺镇", 1)):
        rows += [ticket(f"T-{street}-{i}", f"2026-01-15 10:{i:02d}:00", street=street) for i in range(n)]
    load(engine, rows)
    with engine.connect() as conn:
        flagged = wall.above_normal(conn, now=NOW, dimension="street")
        rising = wall.rising(conn, now=NOW, dimension="street", top=10)
    assert set(rising["key"]) == {"西集镇", "宋庄镇", "漷县镇", "永顺镇"}
    assert flagged["key"].tolist() == ["西集镇"]
    assert flagged["today"].tolist() == [12] and flagged["z"].tolist() == pytest.approx([11.0])
