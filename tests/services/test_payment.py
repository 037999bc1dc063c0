"""The payment view (dashboard.services.assessment.views) = domain.payment on the engine's deductions;
payment dates re-check the role and are audited."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from dashboard.services.assessment import payment_records, views
from dashboard.services.assessment.engine import month_result
from dashboard.services.assessment.signoff import AccessDenied, SignoffError
from domain.payment import instalments
from queries.payment import payment_dates
from queries.schema import audit_log, manual_items
from tests.support.assessment_fixture import ZERO_REQUIRED, load

NOW = datetime(2026, 3, 31, 12, 0, 0)


def test_instalments_with_recovery(engine):
    load(engine, required=ZERO_REQUIRED)
    with engine.begin() as conn:
        for m in ("2025-12", "2026-01", "2026-02", "2026-03"):
            conn.execute(manual_items.insert().values(month=m, item_type="一票否决", points="0", reason="x",
                                                      entered_by="t"))
    with engine.connect() as conn:
        pv = views.payment_view(conn, NOW)
        deductions = {month_result(conn, m, NOW).contract_month: month_result(conn, m, NOW).deduction
                      for m in ("2025-12", "2026-01", "2026-02", "2026-03")}
    assert list(pv.months["状态"]) == ["测算（未签认）"] * 4 + ["待考核"] * 8
    assert list(pv.months["考核扣款"][:4]) == [Decimal("213480.00")] * 4
    inst = instalments(Decimal("711600.00"), deductions)
    got = dict(zip(pv.instalments["期次"], pv.instalments["金额"], strict=True))
    assert got == {1: inst.first, 2: inst.second, 3: inst.third}
    assert got == {1: Decimal("4269600.00"), 2: Decimal("3558000.00"), 3: Decimal("0.00")}
    assert pv.totals["to_recover"] == Decimal("142320.00") == inst.to_recover
    assert pv.totals["total_deductions"] == Decimal("853920.00")
    assert pv.totals["contract_fee"] == Decimal("8539200.00")


def test_payment_dates_role_and_audit(engine):
    with engine.begin() as conn:
        with pytest.raises(AccessDenied):
            payment_records.save_dates(conn, instalment=1, due_on=date(2026, 1, 10), paid_on=None, note="",
                                       username="m", role="manager")
        with pytest.raises(SignoffError):
            payment_records.save_dates(conn, instalment=4, due_on=date(2026, 1, 10), paid_on=None, note="",
                                       username="r", role="reviewer")
        payment_records.save_dates(conn, instalment=1, due_on=date(2026, 1, 10), paid_on=None, note="a",
                                   username="r", role="reviewer")
        payment_records.save_dates(conn, instalment=1, due_on=date(2026, 1, 10), paid_on=date(2026, 1, 12),
                                   note="到账", username="r", role="reviewer")
    with engine.connect() as conn:
        df = payment_dates(conn)
        actions = [r.action for r in conn.execute(audit_log.select().order_by(audit_log.c.id))]
        pv = views.payment_view(conn, NOW)
    assert len(df) == 1 and df["paid_on"].iloc[0] == date(2026, 1, 12) and df["note"].iloc[0] == "到账"
    assert actions == ["access_denied", "payment_dates", "payment_dates"]
    assert pv.instalments["实付日期"].iloc[0] == date(2026, 1, 12)
