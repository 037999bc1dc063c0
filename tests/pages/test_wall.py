"""The wall page per role and its query options; its 三率 and backlog tiles agree with the other pages,
`kpi` and the raw tickets."""
import re
from datetime import datetime
from fractions import Fraction

import pandas as pd
import pytest

from dashboard.infra.db import make_engine
from dashboard.services.assessment.engine import month_result
from dashboard.services.rankings import composite_text
from dashboard.web import live, wall_ticker, wall_trends
from dashboard.web.reads import wall as wall_reads
from domain.access import ROLES, can_open
from domain.formatting import pct
from domain.three_rates import Period, ThreeRates
from queries.wall import SNAPSHOT_DAYS
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
def test_wall_query_options(app_db, query, monkeypatch):
    # the rotating screen is taken from the clock: pin it to the first (with tiles), not the 热点 one
    monkeypatch.setattr(live, "screen_index", lambda *_: 0)
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



def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def test_trend_lines_end_on_their_tiles_figures(app_db):
    """The backlog tiles carry the 13 day-ends then now, 今日受理 its running total hour by hour (the
    running hour is no dip), each ending on the tile's number. The page data has six days, one
    assessment period and one month: the 三率 and 考核 tiles have no earlier point, so no line."""
    at = app_as("display", "pages/wall.py")
    assert not errors(at), errors(at)
    tiles = {m.label: m for m in at.metric}
    for label in ("超期", "即将超期", "在办积压", "今日受理"):
        line = list(tiles[label].proto.chart_data)
        assert len(line) >= 2, label
        assert line[-1] == _number(tiles[label].value), label
    for label in ("超期", "即将超期", "在办积压"):
        assert len(tiles[label].proto.chart_data) == SNAPSHOT_DAYS
    intake = list(tiles["今日受理"].proto.chart_data)
    assert intake == sorted(intake) and len(intake) == APP_NOW.hour + 1
    for label in ("三率综合成绩", "本月考核预估分", "响应率", "解决率", "满意率"):
        assert not tiles[label].proto.chart_data, label


class _Reads:
    def __init__(self, answers):
        self.answers = answers

    def get(self, key, fn, *args):
        return self.answers[key]


def test_period_lines_take_earlier_periods_then_the_tiles_figure():
    period = Period(datetime(2026, 2, 26), datetime(2026, 3, 25, 23, 59, 59), "2026-03")
    rates = ThreeRates(population=10, contacted=9, resolved=8, satisfied=7, basic_satisfied=0,
                       response_rate=Fraction(9, 10), resolution_rate=Fraction(8, 10),
                       satisfaction_rate=Fraction(7, 10), composite=Fraction(163, 2))
    trend = pd.DataFrame({"period": ["2025-12", "2026-01", "2026-02", "2026-03"],
                          "response_rate": [95.0, None, 91.0, 50.0], "resolution_rate": [80.0, 81.0, 82.0, 1.0],
                          "satisfaction_rate": [70.0, 71.0, 72.0, 1.0], "composite": [88.0, 87.0, 86.0, 1.0]})
    lines = wall_trends.rates_lines(_Reads({"rates_trend": trend}), datetime(2026, 3, 3), period, rates)
    assert lines["composite"] == [88.0, 87.0, 86.0, 81.5]          # the running period: the tile's figure
    assert lines["response_rate"] == [95.0, 91.0, 90.0]           # a period without 回访 has no point
    assert lines["satisfaction_rate"][-1] == pytest.approx(70.0)
    assert wall_trends.score_line(_Reads({"earlier_scores": [90.5]}), "2026-03", 92.25) == [90.5, 92.25]
    assert wall_trends.score_line(_Reads({"earlier_scores": []}), "2026-03", 92.25) is None
    assert wall_trends.score_line(_Reads({"earlier_scores": [90.5]}), "2026-03", None) is None


def test_ticker_along_the_bottom_escapes_and_shows_no_caller(app_db):
    at = app_as("display", "pages/wall.py")
    bodies = [h.proto.body for h in at.get("html") if "wall-ticker" in h.proto.body]
    assert len(bodies) == 1
    body = bodies[0]
    assert "超期" in body and "wall-ticker-track" in body and "<script" not in body
    assert not re.search(r"1[3-9]\d{9}", body)        # never a phone number


def test_ticker_html_escapes_every_value():
    evil = "<script>alert(1)</script>"
    df = pd.DataFrame([{"ticket_no": evil, "street": evil, "unit": "<b>x</b>", "category": "&<>\"'", "urgency": "一般",
                        "overdue": True, "seconds": 90_000},
                       {"ticket_no": "T2", "street": None, "unit": None, "category": None, "urgency": "紧急",
                        "overdue": False, "seconds": 3_900}])
    out = wall_ticker.ticker_html(df, now_epoch=1_000_000.0)
    assert "<script" not in out and "<b>" not in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2 and "&lt;b&gt;x&lt;/b&gt;" in out
    assert "超期 1 天 1 小时" in out and "紧急 · 剩余 1 小时 05 分 · 工单T2" in out
    assert "None" not in out and "nan" not in out
    assert "animation-delay:-" in out and "<script" not in wall_ticker.ticker_html(None, 0)
    assert wall_ticker.NOTHING in wall_ticker.ticker_html(df.iloc[0:0], 0)


def test_ticker_on_the_page_escapes_imported_text(app_db, monkeypatch):
    """A ticket whose 街乡镇, unit and category carry markup reaches the wall as text, never as HTML."""
    evil = pd.DataFrame([{"ticket_no": "X<script>alert(1)</script>", "street": "<script>alert(2)</script>",
                          "unit": "<img src=x onerror=alert(3)>", "category": "<b>类</b>", "urgency": "紧急",
                          "overdue": True, "seconds": 7_200}])
    monkeypatch.setattr(wall_reads, "urgent_ticker", lambda now: evil)
    try:
        at = app_as("display", "pages/wall.py")
    finally:
        live.forget("wall:ticker")     # the outage tests must not find this list as the last good one
    assert not errors(at), errors(at)
    body = next(h.proto.body for h in at.get("html") if "wall-ticker-track" in h.proto.body)
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "工单X&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img src=x onerror=alert(3)&gt;" in body
    assert "超期 2 小时 00 分" in body
