"""The 数据接入 section of /admin (each feed's runs and its rejects, downloadable and formula-safe)
and the freshness badge that shows a feed's last successful pull, amber then red when it stops."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.infra.db import make_engine
from dashboard.services.exports.safe import to_csv_bytes
from dashboard.web import live
from queries.schema import feed_rejects, feed_runs, feeds
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors


@pytest.fixture
def feed_db(app_db, tmp_path, monkeypatch):
    """A copy of the page-test database with one feed (its runs and one reject) as HOTLINE_DB_URL."""
    path = tmp_path / "copy.db"
    src, dst = sqlite3.connect(sa.engine.make_url(app_db).database), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    url = f"sqlite:///{path}"
    monkeypatch.setenv("HOTLINE_DB_URL", url)
    st.cache_data.clear()
    live.last_good.clear()
    yield make_engine(url)
    st.cache_data.clear()
    live.last_good.clear()


def add_feed(engine, last_success_minutes_ago: int) -> None:
    last = APP_NOW - timedelta(minutes=last_success_minutes_ago)
    with engine.begin() as conn:
        conn.execute(feeds.insert().values(name="ops", source="mysql+pymysql://reader:***@10.0.0.5/gongdan",
                                           every_seconds=60, created_at=APP_NOW - timedelta(days=1), last_success_at=last))
        ok = conn.execute(feed_runs.insert().values(feed="ops", kind="tickets", started_at=last - timedelta(seconds=3),
                                                    finished_at=last, status="ok", rows_pulled=1234, rejects=1,
                                                    lag_seconds=42)).inserted_primary_key[0]
        conn.execute(feed_runs.insert().values(feed="ops", kind="tickets", started_at=last + timedelta(minutes=1),
                                               finished_at=last + timedelta(minutes=1), status="failed",
                                               error="数据源查询失败（tickets）：Can't connect to MySQL server"))
        conn.execute(feed_rejects.insert().values(feed="ops", kind="tickets", run_id=ok, at=last, row_key="=1+1",
                                                  watermark="2026-01-15 09:00:00", reason='诉求类型：不允许的值 "7"',
                                                  row_json='{"标题": "=HYPERLINK(1)"}'))


def test_admin_shows_each_feeds_runs_and_rejects(feed_db):
    add_feed(feed_db, last_success_minutes_ago=2)
    at = app_as("admin", "pages/admin.py")
    assert not errors(at), errors(at)
    tab = next(t for t in at.tabs if t.label == "数据接入")
    # st.badge is Markdown with a colour directive
    assert any(":green-badge[" in m.value and "最近成功拉取 2026-01-15 10:28:00" in m.value for m in tab.markdown)
    runs, rejects = tab.dataframe[0].value, tab.dataframe[1].value
    assert runs["状态"].tolist() == ["失败", "成功"] and runs["行数"].tolist() == ["0", "1,234"]
    assert runs["错误"].iloc[0].startswith("数据源查询失败") and runs["滞后（秒）"].tolist() == ["", "42"]
    assert rejects["原因"].tolist() == ['诉求类型：不允许的值 "7"'] and rejects["关键字段"].tolist() == ["=1+1"]
    # the download neutralises formulas in the row's cells
    assert ",'=1+1," in to_csv_bytes(rejects).decode("utf-8-sig")
    assert [b.label for b in tab.get("download_button")] == ["导出 Excel", "导出 CSV"]


def test_admin_without_feeds_says_so(feed_db):
    at = app_as("admin", "pages/admin.py")
    tab = next(t for t in at.tabs if t.label == "数据接入")
    assert any("尚未启用数据接入" in i.value for i in tab.info)


# the feed pulls every 60 s: late after 3 minutes without a success (FEED_LATE_FACTOR), so a source
# down for ten minutes is amber although ten minutes is within the rules' amber minutes (30)
@pytest.mark.parametrize(("minutes", "color"), [(2, "green"), (3, "green"), (4, "orange"), (10, "orange"),
                                                (40, "orange"), (300, "red")])
def test_freshness_badge_is_the_feeds_last_pull(feed_db, minutes, color):
    add_feed(feed_db, last_success_minutes_ago=minutes)
    at = app_as("leader", "pages/overview.py")
    assert not errors(at), errors(at)
    pulled = APP_NOW - timedelta(minutes=minutes)
    badges = [m.value for m in at.markdown if "数据截至" in m.value]
    assert len(badges) == 1
    assert f":{color}-badge[" in badges[0] and f"数据截至 {pulled:%m-%d %H:%M}" in badges[0]


def test_the_wall_badge_turns_amber_while_the_feed_is_late(feed_db):
    add_feed(feed_db, last_success_minutes_ago=10)
    at = app_as("display", "pages/wall.py")
    assert not errors(at), errors(at)
    badges = [m.value for m in at.markdown if "数据截至" in m.value]
    assert len(badges) == 1 and ":orange-badge[" in badges[0] and "（已 10 分钟未更新）" in badges[0]
