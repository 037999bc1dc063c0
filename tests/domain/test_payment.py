"""Payment by score: the factor bands, the month's amount and deduction (half-up to the fen), contract
months and the three instalments, with the recovery of an overdrawn remainder."""
from decimal import Decimal

import pytest

from domain.payment import fmt_factor, instalments, month_index, month_payment, payment_factor
from domain.rules import Rules

BANDS = Rules.default().body["payment"]["bands"]
FEE = Decimal("711600.00")


@pytest.mark.parametrize("score, factor, rectify, amount, deduction", [
    ("100.00", "1.00", False, "711600.00", "0.00"),
    ("90.00", "1.00", False, "711600.00", "0.00"),
    ("89.99", "0.9999", False, "711528.84", "71.16"),
    ("85.00", "0.95", False, "676020.00", "35580.00"),
    ("80.00", "0.90", False, "640440.00", "71160.00"),
    ("79.99", "0.8998", False, "640297.68", "71302.32"),
    ("70.00", "0.70", False, "498120.00", "213480.00"),
    ("69.99", "0.70", True, "498120.00", "213480.00"),
    ("0.00", "0.70", True, "498120.00", "213480.00"),
])
def test_payment_bands(score, factor, rectify, amount, deduction):
    f = payment_factor(Decimal(score), BANDS)
    assert fmt_factor(f.factor) == factor and f.rectify is rectify
    p = month_payment(FEE, f.factor)
    assert (str(p.amount), str(p.deduction)) == (amount, deduction)


def test_amount_half_up_to_the_fen():
    # 711600 × 0.99985 = 711493.2626... ; 711600 × 0.123455 = 87850.578 → 87850.58
    assert str(month_payment(FEE, Decimal("0.123455")).amount) == "87850.58"
    assert str(month_payment(Decimal("0.25"), Decimal("0.5")).amount) == "0.13"  # 0.125 → 0.13


def test_contract_months():
    assert month_index("2025-12", "2025-12") == 1
    assert month_index("2026-05", "2025-12") == 6
    assert month_index("2026-11", "2025-12") == 12


def test_instalments():
    i = instalments(FEE, {})
    assert (str(i.first), str(i.second), str(i.third), str(i.to_recover)) == \
        ("4269600.00", "3558000.00", "711600.00", "0.00")
    i = instalments(FEE, {1: Decimal("71.16"), 7: Decimal("35580.00"), 13: Decimal("999")})
    assert str(i.third) == "675948.84" and str(i.total_deductions) == "35651.16"
    i = instalments(FEE, {m: Decimal("213480.00") for m in range(1, 13)})
    assert str(i.third) == "0.00" and str(i.to_recover) == str(Decimal("213480.00") * 12 - FEE)


def test_band_margin_names_the_edge_and_the_money_of_a_point_below():
    from decimal import Decimal as D

    from domain.payment import band_margin
    from domain.rules import Rules
    rules = Rules.default()
    m = band_margin(D("90.70"), rules.payment_bands, rules.monthly_fee)
    assert (m.edge, m.margin, m.point_below) == (D("90"), D("0.70"), D("7116.00"))   # 711,600 × 0.01
    m = band_margin(D("85.00"), rules.payment_bands, rules.monthly_fee)
    assert (m.edge, m.margin, m.point_below) == (D("80"), D("5.00"), D("14232.00"))   # 0.90 → 0.88
    assert band_margin(D("60"), rules.payment_bands, rules.monthly_fee) is None


def test_next_band_up():
    from decimal import Decimal as D

    from domain.payment import next_band_up
    from domain.rules import Rules
    rules = Rules.default()
    up = next_band_up(D("89.79"), rules.payment_bands, rules.monthly_fee)
    assert (up.edge, up.margin, up.point_below) == (D("90"), D("0.21"), D("1494.36"))   # the month's deduction
    assert next_band_up(D("90.70"), rules.payment_bands, rules.monthly_fee) is None
