"""The monthly assessment end to end (`kpi --json` and the engine) on SQLite and PostgreSQL, on the
hand-built December of tests/support/assessment_fixture.py: every count, point and amount by hand."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

import pytest

from dashboard.cli.main import main
from dashboard.services.assessment.engine import month_result
from domain.rules import Rules
from queries.schema import tickets
from tests.support.assessment_fixture import (
    EVENTS,
    EXPECTED,
    MANUAL,
    REPORTS,
    SHIFTS,
    SMALL_REQUIRED,
    STAFF,
    TICKETS,
    ZERO_REQUIRED,
    kpi,
    load,
    ts,
)


def pts(a: F | None, target: str, floor: str, w: int, lower=False) -> F:
    """An indicator's points worked out by hand: weight × the share of the way from floor to target."""
    if a is None:
        return F(w)
    t, f = F(target), F(floor)
    share = (f - a) / (f - t) if lower else (a - f) / (t - f)
    return w * min(max(share, F(0)), F(1))


SPECS = Rules.default().body["indicators"]


def test_month_by_hand(engine):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, shifts_=SHIFTS, reports_=REPORTS, manual=MANUAL,
         required=SMALL_REQUIRED)
    out = kpi(engine)
    assert set(out) == {"month", "indicators", "manual", "score", "payment_factor", "amount", "deduction",
                        "three_rates", "calendar_confirmed"}
    assert out["calendar_confirmed"] is True
    total = F(0)
    for key, (num, den) in EXPECTED.items():
        got = out["indicators"][key]
        assert (got["numerator"], got["denominator"]) == (num, den), key
        value = F(num, den)
        assert got["value"] == str((Decimal(num) / Decimal(den)).quantize(Decimal("0.000001"), ROUND_HALF_UP))
        spec = SPECS[key]
        p = pts(value, spec["target"], spec["floor"], spec["weight"], spec.get("lower_is_better", False))
        total += p
        assert F(got["points"]) == p, key
    assert total == 0   # every rate is below its floor (above the escape ceiling) in this month
    assert out["indicators"]["sign_on_time_rate"]["value"] == "0.625000"
    assert out["indicators"]["verify_on_time_rate"]["value"] == "0.333333"
    assert out["indicators"]["staffing_compliance"]["value"] == "0.521429"   # 73/140 = 0.5214285…
    # bonus 3 + 4 capped at 5, then deductions 2.5
    assert out["manual"]["bonus"] == "5.00" and out["manual"]["deductions"] == "2.50"
    assert out["score"] == "2.50"
    assert out["payment_factor"] == "0.70"
    assert out["amount"] == "498120.00" and out["deduction"] == "213480.00"


def test_later_now_completes_clocks(engine):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, required=SMALL_REQUIRED)
    out = kpi(engine, now="2025-12-26 00:00:00")
    ind = out["indicators"]
    assert (ind["qc_escape_rate"]["numerator"], ind["qc_escape_rate"]["denominator"]) == (2, 5)  # T2 city_qc
    # T6, T7, T8 (exists now, unsigned) late on sign and dispatch; T9 signed late (12-21)
    assert (ind["sign_on_time_rate"]["numerator"], ind["sign_on_time_rate"]["denominator"]) == (5, 10)
    assert (ind["dispatch_on_time_rate"]["numerator"], ind["dispatch_on_time_rate"]["denominator"]) == (3, 8)
    # T2's assignment of 12-19 13:00 has expired undone
    assert (ind["verify_on_time_rate"]["numerator"], ind["verify_on_time_rate"]["denominator"]) == (1, 4)


def test_january_events_complete_december_clocks(engine):
    load(engine, tickets_=[("T1", "2025-12-31 10:00:00")], events=[
        ("T1", "2025-12-31 10:10:00", "SIGN"), ("T1", "2025-12-31 10:20:00", "DISPATCH"),
        ("T1", "2025-12-31 20:00:00", "CLOSE"), ("T1", "2025-12-31 21:00:00", "VERIFY_ASSIGN"),
        ("T1", "2026-01-02 21:00:00", "VERIFY_DONE"), ("T1", "2026-01-03 09:00:00", "REOPEN", "city_qc")])
    ind = kpi(engine, now="2026-01-05 00:00:00")["indicators"]
    assert (ind["verify_on_time_rate"]["numerator"], ind["verify_on_time_rate"]["denominator"]) == (1, 1)
    assert (ind["qc_escape_rate"]["numerator"], ind["qc_escape_rate"]["denominator"]) == (1, 1)
    # seen from the end of December: the verification clock still runs, no escape yet
    ind = kpi(engine, now="2025-12-31 23:59:59")["indicators"]
    assert ind["verify_on_time_rate"]["denominator"] == 0 and ind["verify_on_time_rate"]["value"] is None
    assert ind["qc_escape_rate"]["numerator"] == 0




def test_score_band_and_money_end_to_end(engine):
    """92.5 indicator points − 2.51 = 89.99 → factor 0.9999 → 711,528.84 paid, 71.16 deducted."""
    tks = [(f"K{i:02d}", "2025-12-01 08:00:00") for i in range(10)]
    evs = [(t[0], "2025-12-01 08:10:00", "SIGN") for t in tks] + \
          [(t[0], "2025-12-01 08:20:00", "DISPATCH") for t in tks] + [("K00", "2025-12-02 08:00:00", "REDISPATCH")]
    load(engine, tickets_=tks, events=evs, manual=[("扣分", "2.51", "有效投诉")], required=ZERO_REQUIRED)
    out = kpi(engine, now="2025-12-31 23:59:59")
    acc = out["indicators"]["dispatch_accuracy"]
    assert (acc["numerator"], acc["denominator"], acc["value"]) == (9, 10, "0.900000")
    assert F(acc["points"]) == F(15, 2)
    assert out["indicators"]["staffing_compliance"]["denominator"] == 7 * 31
    assert out["indicators"]["report_on_time_rate"]["value"] is None
    assert out["indicators"]["report_on_time_rate"]["points"] == "10.000000"
    assert (out["score"], out["payment_factor"], out["amount"], out["deduction"]) == \
        ("89.99", "0.9999", "711528.84", "71.16")


def test_veto_and_engine_fields(engine):
    load(engine, manual=[("一票否决", "0", "重大安全事故"), ("加分", "5", "x")], required=ZERO_REQUIRED)
    with engine.connect() as conn:
        r = month_result(conn, "2025-12", datetime(2025, 12, 31, 23, 59, 59))
    assert r.veto and str(r.score) == "0.00" and r.rectify and str(r.amount) == "498120.00"
    assert r.contract_month == 1 and r.rules_version_id is not None
    assert r.indicator("sign_on_time_rate").points_lost == 0


def test_three_rates_period(engine):
    with engine.begin() as conn:
        conn.execute(tickets.insert(), [
            {"ticket_no": "C1", "received_at": ts("2025-11-19 00:00:00"), "callback_valid": True, "contacted": True,
             "resolved": True, "satisfaction": "满意"},
            {"ticket_no": "C2", "received_at": ts("2025-12-18 23:59:59"), "callback_valid": True, "contacted": True,
             "resolved": False, "satisfaction": "基本满意"},
            {"ticket_no": "C3", "received_at": ts("2025-12-19 00:00:00"), "callback_valid": True, "contacted": True,
             "resolved": True, "satisfaction": "满意"},
        ])
    t = kpi(engine, now="2025-12-31 00:00:00")["three_rates"]
    assert t["period_start"] == "2025-11-19 00:00:00" and t["period_end"] == "2025-12-18 23:59:59"
    assert t["population"] == 2
    assert (t["response_rate"], t["resolution_rate"], t["satisfaction_rate"]) == ("1.000000", "0.500000", "0.950000")
    # 100 × (0.1 + 0.25 + 0.38) = 73
    assert t["composite"] == "73.000000"


@pytest.mark.parametrize("argv, message", [
    (["--month", "2025-13"], "月份格式"), (["--month", "2025-12", "--now", "yesterday"], "--now"),
])
def test_bad_arguments(sqlite_engine, capsys, argv, message):
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kpi", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_text_output(sqlite_engine, capsys):
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kpi", "--month", "2025-12", "--now", "2025-12-10 00:00:00"]) == 0
    out = capsys.readouterr().out
    assert "签收及时率" in out and "考核得分" in out and "付款系数" in out
