"""The wall: last-good-figures store, rotation index, its own queries (both engines), and the page per role."""
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy.exc as sa_exc

from dashboard.web import live
from domain.access import ROLES, can_open
from queries import wall
from tests.support.apptest import app_as, errors
from tests.support.live_fixture import NOW, load, ticket


def _down(*_a, **_k):
    raise sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_live_keeps_last_good_value_and_recovers():
    live.forget("t:")
    clock = iter([datetime(2026, 1, 15, 10, 0), datetime(2026, 1, 15, 10, 2)]).__next__
    first = live.fetch("t:totals", lambda: {"open": 7}, clock=clock)
    assert first.ok and first.value == {"open": 7}
    down = live.fetch("t:totals", _down, clock=clock)
    assert not down.ok and down.value == {"open": 7} and down.read_at == datetime(2026, 1, 15, 10, 0)
    assert "connection refused" in down.error
    back = live.fetch("t:totals", lambda: {"open": 9}, clock=clock)
    assert back.ok and back.value == {"open": 9} and back.read_at == datetime(2026, 1, 15, 10, 2)


def test_live_without_history_gives_none_and_bugs_still_raise():
    live.forget("t:")
    got = live.fetch("t:never", _down)
    assert got.value is None and not got.ok and got.read_at is None
    with pytest.raises(ZeroDivisionError):
        live.fetch("t:bug", lambda: 1 / 0)


def test_board_reports_failure():
    live.forget("t:")
    b = live.Board(prefix="t:")
    assert b.get("a", lambda: 1) == 1 and not b.failed
    b2 = live.Board(prefix="t:")
    assert b2.get("a", _down) == 1 and b2.failed and not b2.missing
    assert b2.get("b", _down) is None and b2.missing


@pytest.mark.parametrize("epoch, index", [(0, 0), (29.9, 0), (30, 1), (95, 3), (120, 0)])
def test_screen_index_follows_the_clock(epoch, index):
    assert live.screen_index(30, 4, epoch) == index
    assert live.screen_index(0, 4, epoch) == 0


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


WALL_ROLES = [r for r in ROLES if can_open(r, "wall")]


@pytest.mark.parametrize("role", WALL_ROLES)
def test_wall_renders_for_allowed_roles(app_db, role):
    at = app_as(role, "pages/wall.py")
    assert not errors(at), errors(at)
    labels = " ".join(m.label for m in at.metric)
    for name in ("今日受理", "在办积压", "超期", "即将超期", "本月考核预估分", "响应率", "解决率", "满意率", "综合成绩"):
        assert name in labels
    assert any("数据截至" in str(getattr(e, "value", "")) or "数据截至" in str(e) for e in at.get("badge")) or \
        any("数据截至" in md.value for md in at.markdown)


@pytest.mark.parametrize("query", [{"rotate": "15", "kiosk": "1"}, {"refresh": "abc"}, {"refresh": "5", "rotate": "-3"}])
def test_wall_query_options(app_db, query):
    at = app_as("display", "pages/wall.py", query=query)
    assert not errors(at), errors(at)
    assert at.metric


def test_wall_page_and_cli_agree(app_db):
    """The 三率 tiles of the wall and of /three-rates, and `kpi`'s three_rates, for one `now`."""
    from dashboard.infra.db import make_engine
    from dashboard.services.assessment.engine import month_result
    from dashboard.services.rankings import composite_text
    from domain.formatting import pct

    now = datetime(2026, 1, 15, 10, 30)
    eng = make_engine(app_db)
    with eng.connect() as conn:
        cli = month_result(conn, "2026-01", now).three_rates
    expected = {"响应率": pct(cli.response_rate), "解决率": pct(cli.resolution_rate), "满意率": pct(cli.satisfaction_rate)}
    wall_tiles = {m.label: m.value for m in app_as("leader", "pages/wall.py").metric}
    page_tiles = {m.label: m.value for m in app_as("leader", "pages/three_rates.py").metric}
    for label, value in expected.items():
        assert wall_tiles[label] == value == page_tiles[label]
    assert wall_tiles["三率综合成绩"] == composite_text(cli.composite) == page_tiles["综合成绩"]
    assert cli.population > 0


def test_wall_backlog_tiles_agree_with_backlog_and_overview_pages(app_db):
    wall_tiles = {m.label.replace(":red[", "").replace(":orange[", "").rstrip("]"): m.value
                  for m in app_as("admin", "pages/wall.py").metric}
    backlog_tiles = {m.label: m.value for m in app_as("admin", "pages/backlog.py").metric}
    overview_tiles = {m.label: m.value for m in app_as("admin", "pages/overview.py").metric}
    for label in ("在办积压", "超期", "即将超期"):
        assert wall_tiles[label] == backlog_tiles[label] == overview_tiles[label]
    assert wall_tiles["今日受理"] == overview_tiles["今日受理"]
