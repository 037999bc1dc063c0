"""The wall page per role and its query options; its 三率 and backlog tiles agree with the other pages,
`kpi` and the raw tickets."""
import copy
import re
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from dashboard.infra.db import make_engine
from dashboard.services.assessment.engine import month_result
from dashboard.services.rankings import composite_text
from dashboard.web import live, wall_ticker, wall_tones, wall_trends
from dashboard.web.reads import wall as wall_reads
from domain.access import ROLES, can_open
from domain.formatting import pct
from domain.rules import DEFAULT_RULES, Rules
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


def _kiosk_layout(at) -> bool:
    """True when app.py drew the wall in kiosk layout: its style hiding the sidebar, header and toolbar
    is on the page, and no menu (the sidebar's sign-out button) was drawn."""
    hidden = any("[data-testid='stSidebar']" in h.proto.body and "display:none" in h.proto.body
                 for h in at.get("html"))
    menu = any(b.label == "退出登录" for b in at.sidebar.button)
    assert hidden != menu, (hidden, menu)
    return hidden


@pytest.mark.parametrize("role, page, kiosk", [
    ("display", None, True),                  # the wall account opening / (no ?kiosk=1)
    ("display", "pages/wall.py", True),       # … or /wall
    ("manager", "pages/wall.py", False),      # the manager's wall keeps the menu: the check can fail
])
def test_display_account_opens_the_wall_in_kiosk_layout(app_db, through_app, role, page, kiosk):
    """The wall account needs no ?kiosk=1: opening / it lands on the wall, without the menu, and the
    top row leads with 超期, 即将超期, 三率综合成绩 and 本月考核预估分. Run through app.py (through_app),
    which decides the layout."""
    at = app_as(role, page)
    assert not errors(at), errors(at)
    assert [m.label for m in at.metric][:4] == ["超期", "即将超期", "三率综合成绩", "本月考核预估分"]
    assert _kiosk_layout(at) is kiosk



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


def _rules(**wall) -> Rules:
    body = copy.deepcopy(DEFAULT_RULES)
    body["wall"].update(wall)
    return Rules(body)


@pytest.mark.parametrize("overdue, tone", [(None, "plain"), (0, "green"), (1, "red"), (250, "red")])
def test_overdue_tone_of_the_default_rules(overdue, tone):
    assert wall_tones.overdue_tone(overdue, Rules.default()) == tone


@pytest.mark.parametrize("overdue, tone", [(0, "green"), (1, "amber"), (4, "amber"), (5, "red"), (6, "red")])
def test_overdue_tone_follows_the_rules(overdue, tone):
    rules = _rules(overdue_red_from=5)
    assert wall_tones.overdue_tone(overdue, rules) == tone
    assert "1 件起为黄色，5 件起为红色" in wall_tones.overdue_tone_text(rules)


@pytest.mark.parametrize("at_risk, amber_from, tone", [(None, 1, "plain"), (0, 1, "plain"), (1, 1, "amber"),
                                                       (2, 3, "plain"), (3, 3, "amber")])
def test_at_risk_tone_follows_the_rules(at_risk, amber_from, tone):
    assert wall_tones.at_risk_tone(at_risk, _rules(at_risk_amber_from=amber_from)) == tone


@pytest.mark.parametrize("composite, tone", [
    (None, "plain"),
    (Fraction(95), "green"),
    (Fraction(90), "green"),                       # the green line itself
    (Fraction(899999, 10000), "green"),            # 89.9999 is shown as 90.00: the colour agrees with the figure
    (Fraction(8999, 100), "amber"),
    (Fraction(80), "amber"),                       # the red line is not red
    (Fraction(7999, 100), "red"),
])
def test_composite_tone_of_the_default_bands(composite, tone):
    assert wall_tones.composite_tone(composite, Rules.default()) == tone


def test_composite_tone_follows_the_rules():
    rules = _rules(composite_green_from="95", composite_red_below="92.5")
    assert [wall_tones.composite_tone(Fraction(x), rules) for x in (96, 94, 92)] == ["green", "amber", "red"]
    assert wall_tones.composite_tone_text(rules) == "95 分及以上为绿色，低于 92.5 分为红色，其间为黄色"


@pytest.mark.parametrize("score, tone", [(None, "plain"), (Decimal("90.00"), "green"), (Decimal("89.99"), "amber"),
                                         (Decimal("70.00"), "amber"), (Decimal("69.99"), "red")])
def test_estimate_tone_uses_the_payment_bands(score, tone):
    assert wall_tones.estimate_tone(score, Rules.default()) == tone


def test_wall_top_row_is_coloured_by_the_rules(app_db):
    """The page wires each top tile to its tone: the tiles' containers carry the tone the rules give
    their figures, and the 三率 tile says its period is still running."""
    at = app_as("display", "pages/wall.py")
    assert not errors(at), errors(at)
    tiles = {m.label: m for m in at.metric}
    rules = Rules.default()
    overdue = int(tiles["超期"].value.replace(",", ""))
    composite = tiles["三率综合成绩"].value
    expected = [wall_tones.overdue_tone(overdue, rules),
                wall_tones.at_risk_tone(int(tiles["即将超期"].value.replace(",", "")), rules),
                wall_tones.composite_tone(None if composite == "—" else Fraction(composite), rules)]
    keys = sorted((k for k in _container_keys(at) if re.search(r"-wall-top-[012]$", k)), key=lambda k: k[-1])
    assert [k.split("-")[2] for k in keys] == expected
    # the fixture's figures and the default rules' colours, by hand: 2 overdue (red from 1), none at
    # risk (plain), 三率 88.63 (amber between the red line 80 and the green line 90)
    assert (overdue, tiles["即将超期"].value, composite) == (2, "0", "88.63")
    assert expected == ["red", "plain", "amber"]
    assert " · 进行中 · 有效回访 " in tiles["三率综合成绩"].proto.delta
    assert "90 分及以上为绿色" in tiles["三率综合成绩"].proto.help


def _container_keys(at) -> list[str]:
    """The keys of the wall's tone containers (wall-tone-<tone>-<row>-<n>) on the page."""
    keys, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", {})
        stack.extend(children.values() if isinstance(children, dict) else children)
        block_id = str(getattr(getattr(node, "proto", None), "id", ""))
        if "-wall-tone-" in block_id:
            keys.append(block_id[block_id.index("wall-tone-"):])
    return keys
