"""/payment per allowed role: the contract figures, the instalment table and the dates form."""
import pytest

from domain.access import ROLES, can_open
from tests.support.apptest import app_as, errors


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
