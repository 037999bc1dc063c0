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
