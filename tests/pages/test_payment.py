"""/payment per allowed role: the contract figures, the instalment table and the dates form."""
from datetime import date

import pytest

from dashboard.services.assessment import signoff
from dashboard.services.demo import generate
from domain.access import ROLES, can_open
from tests.support.app_database import APP_NOW
from tests.support.apptest import app_as, errors
from tests.support.pages_db import fresh_app_db


@pytest.mark.parametrize("role", [r for r in ROLES if can_open(r, "payment")])
def test_payment_renders(app_db, role):
    at = app_as(role, "pages/payment.py")
    assert not errors(at), errors(at)
    labels = {m.label for m in at.metric}
    assert {"合同年度服务费（元）", "尾款（元）", "应追回金额（元）"} <= labels
    assert next(m for m in at.metric if m.label == "合同年度服务费（元）").value == "8,539,200.00"
    assert len(at.dataframe) == 2
    has_form = any(b.label == "保存" for b in at.button)
    assert has_form == (role in ("reviewer", "admin"))


def test_assessed_months_count_signed_off_months_only(app_db, tmp_path):
    """已考核 means signed off: with 2025-12 frozen and 2026-01 only confirmed by the vendor (not frozen,
    still a live estimate), 已考核月份 reads 1 / 12; the deductions sum over both, the 已测算月份."""
    with fresh_app_db(tmp_path / "signed.db") as eng:
        generate(eng, days=20, tickets_per_day=10, seed=5, end=date(2026, 1, 15), now=APP_NOW)
        with eng.begin() as conn:
            signoff.vendor_confirm(conn, "2025-12", "u_manager", "manager", now=APP_NOW)
            signoff.approve(conn, "2025-12", "u_reviewer", "reviewer", now=APP_NOW)
            signoff.vendor_confirm(conn, "2026-01", "u_manager", "manager", now=APP_NOW)
            assert signoff.frozen_months(conn) == {"2025-12"}
        at = app_as("reviewer", "pages/payment.py")
        assert not errors(at), errors(at)
        tiles = {m.label: m.proto for m in at.metric}
        assert tiles["已考核月份"].body == "1 / 12"
        assert "实时测算（未签认、草稿）1 个月" in tiles["已考核月份"].help
        assert tiles["考核扣款合计（元）"].help.startswith("已测算月份（已签认冻结的 1 个月与未签认的实时测算 1 个月）")
        months = at.dataframe[0].value.set_index("月份")
        assert list(months.loc[["2025-12", "2026-01"], "状态"]) == ["已冻结", "测算（未签认）"]
