"""The texts that state a rule, built from the rules: percent of a share, time limits, the payment
band sentence and the figures the Rules derive for pages (full payment, 整改 line, head count)."""
import copy
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.formatting import equipment_text, limit_text, number_text, share_text
from domain.payment import bands_text
from domain.rules import DEFAULT_RULES, Rules

DEFAULT_BANDS = "≥ 90 分 1.00；80–90 分 1 − (90 − 得分) × 0.01；70–80 分 0.90 − (80 − 得分) × 0.02；< 70 分 0.70 并需整改"


@pytest.mark.parametrize("share, text", [
    (Decimal("0.2"), "20%"), ("0.25", "25%"), (Decimal("0.10"), "10%"), (Fraction(1, 2), "50%"),
    (Decimal("0.125"), "12.5%"), (Decimal("1"), "100%"),
])
def test_share_text(share, text):
    assert share_text(share) == text


@pytest.mark.parametrize("seconds, text", [
    (30 * 60, "30 分钟"), (2 * 3600, "2 小时"), (24 * 3600, "24 小时"), (48 * 3600, "48 小时"),
    (72 * 3600, "3 天"), (7 * 86400, "7 天"), (15 * 86400, "15 天"), (36 * 3600, "36 小时"),
    (90 * 60, "90 分钟"), (45, "45 秒"),
])
def test_limit_text(seconds, text):
    assert limit_text(seconds) == text


def test_number_text_has_no_exponent_or_needless_zeros():
    assert [number_text(x) for x in (Decimal("90"), Decimal("5"), Decimal("92.50"), "0.010")] == \
        ["90", "5", "92.5", "0.01"]


def test_default_bands_sentence_is_the_contract_wording():
    assert bands_text(Rules.default().payment_bands) == DEFAULT_BANDS
    assert bands_text(list(reversed(DEFAULT_RULES["payment"]["bands"]))) == DEFAULT_BANDS   # order-free


def test_changed_bands_sentence():
    bands = [{"min": "60", "base": "0.85", "anchor": "85", "slope": "0.015", "rectify": False},
             {"min": "92.5", "base": "1.00", "anchor": "92.5", "slope": "0", "rectify": False},
             {"min": "0", "base": "0.5", "anchor": "0", "slope": "0", "rectify": True}]
    assert bands_text(bands) == "≥ 92.5 分 1.00；60–92.5 分 0.85 − (85 − 得分) × 0.015；< 60 分 0.50 并需整改"


def test_rules_figures_for_pages_defaults():
    r = Rules.default()
    assert (r.full_payment_from, r.rectify_below, r.bonus_cap) == (90, 70, 5)
    assert r.contract_headcount == 80 and r.contract_start == "2025-12"
    assert equipment_text(r.equipment_required) == "电脑 60 台、多功能一体机 6 台"
    assert r.three_rates_weights == {"response": Decimal("0.10"), "resolution": Decimal("0.50"),
                                     "satisfaction": Decimal("0.40")}
    assert r.shift_minimum == {"派单专员": 4, "退单专员": 1, "质检专员": 3, "协查专员": 2, "业务主管": 1}


def test_rules_figures_follow_a_changed_version():
    body = copy.deepcopy(DEFAULT_RULES)
    body["payment"]["bands"] = [{"min": "95", "base": "1.00", "anchor": "95", "slope": "0", "rectify": False},
                                {"min": "65", "base": "1.00", "anchor": "95", "slope": "0.01", "rectify": False},
                                {"min": "50", "base": "0.70", "anchor": "0", "slope": "0", "rectify": True},
                                {"min": "0", "base": "0.50", "anchor": "0", "slope": "0", "rectify": True}]
    body["staffing"]["required"]["质检专员"] = 10
    r = Rules.from_json(Rules(body).to_json())
    assert (r.full_payment_from, r.rectify_below) == (95, 65)
    assert r.contract_headcount == 74


def test_a_stored_version_without_equipment_takes_the_default():
    body = copy.deepcopy(DEFAULT_RULES)
    del body["equipment"]
    assert Rules.from_json(Rules(body).to_json()).equipment_required == {"电脑": 60, "多功能一体机": 6}
