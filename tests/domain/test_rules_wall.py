"""The wall's colour thresholds in the rules: defaults, an older version without them, and the
validation that refuses unusable ones (the admin's rules editor shows its reasons)."""
from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from domain.rules import DEFAULT_RULES, Rules, merge_defaults, validation_errors


def test_defaults():
    r = Rules.default()
    assert (r.overdue_red_from, r.at_risk_amber_from) == (1, 1)
    assert r.composite_bands == (Decimal("90"), Decimal("80"))
    assert validation_errors(r.body) == []


def test_a_version_stored_before_the_keys_reads_the_defaults():
    body = copy.deepcopy(DEFAULT_RULES)
    del body["wall"]
    r = Rules.from_json(json.dumps(body))
    assert r.overdue_red_from == 1 and r.composite_bands == (Decimal("90"), Decimal("80"))


def test_a_version_sets_them():
    r = Rules(merge_defaults({"wall": {"overdue_red_from": 10, "composite_green_from": "92.5"}}))
    assert (r.overdue_red_from, r.at_risk_amber_from) == (10, 1)
    assert r.composite_bands == (Decimal("92.5"), Decimal("80"))
    assert validation_errors(r.body) == []


@pytest.mark.parametrize("wall, fragment", [
    ({"overdue_red_from": 0}, "wall.overdue_red_from"),
    ({"overdue_red_from": "3"}, "wall.overdue_red_from"),
    ({"overdue_red_from": True}, "wall.overdue_red_from"),
    ({"at_risk_amber_from": 1.5}, "wall.at_risk_amber_from"),
    ({"composite_green_from": "九十"}, "必须是数字"),
    ({"composite_green_from": "NaN"}, "必须是数字"),                    # parses, but is no number
    ({"composite_red_below": "sNaN"}, "必须是数字"),
    ({"composite_green_from": "Infinity"}, "必须是数字"),
    ({"composite_red_below": "91"}, "标红线"),                          # above the green line
    ({"composite_green_from": "101", "composite_red_below": "80"}, "≤ 100"),
    ({"composite_red_below": "-1"}, "0 ≤"),
])
def test_unusable_thresholds_are_refused(wall, fragment):
    errors = validation_errors(merge_defaults({"wall": wall}))
    assert len(errors) == 1 and fragment in errors[0], errors
