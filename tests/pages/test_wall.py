"""The wall page per role and its query options; its 三率 and backlog tiles agree with the other pages,
`kpi` and the raw tickets."""

import pytest

from dashboard.infra.db import make_engine
from dashboard.services.assessment.engine import month_result
from dashboard.services.rankings import composite_text
from domain.access import ROLES, can_open
from domain.formatting import pct
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.raw_rows import assessment_period, callback_counts, read_tickets

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
    now = APP_NOW
    eng = make_engine(app_db)
    with eng.connect() as conn:
        cli = month_result(conn, "2026-01", now).three_rates
    expected = {"响应率": pct(cli.response_rate), "解决率": pct(cli.resolution_rate), "满意率": pct(cli.satisfaction_rate)}
    wall_tiles = {m.label: m.value for m in app_as("leader", "pages/wall.py").metric}
    page_tiles = {m.label: m.value for m in app_as("leader", "pages/three_rates.py").metric}
    for label, value in expected.items():
        assert wall_tiles[label] == value == page_tiles[label]
    assert wall_tiles["三率综合成绩"] == composite_text(cli.composite) == page_tiles["综合成绩"]
    with eng.connect() as conn:
        tickets = read_tickets(conn, ["received_at", "in_assessment", "callback_valid", "contacted", "resolved",
                                      "satisfaction"])
    assert [cli.population, cli.contacted, cli.resolved, cli.satisfied, cli.basic_satisfied] == \
        callback_counts(tickets, *assessment_period("2026-01"))
    assert cli.population > 0


def test_wall_backlog_tiles_agree_with_backlog_and_overview_pages(app_db):
    wall_tiles = {m.label.replace(":red[", "").replace(":orange[", "").rstrip("]"): m.value
                  for m in app_as("admin", "pages/wall.py").metric}
    backlog_tiles = {m.label: m.value for m in app_as("admin", "pages/backlog.py").metric}
    overview_tiles = {m.label: m.value for m in app_as("admin", "pages/overview.py").metric}
    for label in ("在办积压", "超期", "即将超期"):
        assert wall_tiles[label] == backlog_tiles[label] == overview_tiles[label]
    assert wall_tiles["今日受理"] == overview_tiles["今日受理"]


def test_display_account_opens_the_wall_in_kiosk_layout(app_db):
    """The wall account needs no ?kiosk=1: no menu is drawn for it, and the top row leads with
    超期, 即将超期, 三率综合成绩 and 本月考核预估分."""
    at = app_as("display", "pages/wall.py")
    assert not errors(at), errors(at)
    assert not at.sidebar.children or not any(b.label == "退出登录" for b in at.sidebar.button)
    assert [m.label for m in at.metric][:4] == ["超期", "即将超期", "三率综合成绩", "本月考核预估分"]

