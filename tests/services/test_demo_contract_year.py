"""The demo without --days covers the contract year so far: from the first day of the contract
(the rules' contract_start, 2025-12) up to --end, so every contract month on 付款核算 has data."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from dashboard.cli import main as cli
from dashboard.services.assessment import views
from dashboard.services.demo import generate, generator
from dashboard.services.demo.generator import DemoError


def test_default_window_starts_at_the_contract_start(sqlite_engine):
    result = generate(sqlite_engine, tickets_per_day=8, end=date(2026, 2, 3), now=datetime(2026, 2, 3, 18, 0))
    assert (result.start, result.end) == (date(2025, 12, 1), date(2026, 2, 3))
    with sqlite_engine.connect() as conn:
        pv = views.payment_view(conn, datetime(2026, 2, 3, 18, 0))
    months = pv.months.set_index("月份")
    for m in ("2025-12", "2026-01", "2026-02"):
        assert months.loc[m, "状态"] == views.LIVE_LABEL, m
        assert months.loc[m, "考核得分"] is not None
    assert pv.totals["computed_months"] == 3 and pv.totals["no_data_months"] == 0


def test_default_tickets_per_day_depends_on_the_window(sqlite_engine, monkeypatch):
    seen = []
    monkeypatch.setattr(generator, "generate_into", lambda conn, **kw: seen.append(kw) or None)
    generate(sqlite_engine, end=date(2026, 1, 5), now=datetime(2026, 1, 5, 12, 0))
    generate(sqlite_engine, days=7, end=date(2026, 1, 5), now=datetime(2026, 1, 5, 12, 0))
    assert [(kw["days"], kw["tickets_per_day"]) for kw in seen] == [(36, 1000), (7, 1500)]


def test_an_end_before_the_contract_needs_days(sqlite_engine):
    with pytest.raises(DemoError, match="早于合同开始日期 2025-12-01"):
        generate(sqlite_engine, tickets_per_day=5, end=date(2025, 11, 20), now=datetime(2025, 11, 20, 12, 0))
    assert generate(sqlite_engine, days=2, tickets_per_day=5, end=date(2025, 11, 20),
                    now=datetime(2025, 11, 20, 12, 0)).start == date(2025, 11, 19)


def test_cli_without_days(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)   # the command may write data/.pii_key under the working directory
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert cli.main(["--db", url, "demo", "--tickets-per-day", "5", "--end", "2025-12-03", "--no-users"]) == 0
    assert "演示数据已生成：2025-12-01 至 2025-12-03" in capsys.readouterr().out
