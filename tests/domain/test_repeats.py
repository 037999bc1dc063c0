"""The repeat rule and the caller's number, clause by clause, with hand-worked answers."""
import hashlib
import hmac
from datetime import datetime, timedelta

import pytest

from domain.repeats import (
    RepeatKeys,
    caller_hash,
    caller_hasher,
    is_repeat,
    last_digits,
    masked,
    normalise_address,
    normalise_phone,
    repeat_sources,
    same_category,
)

KEY = b"k" * 32


@pytest.mark.parametrize("text", ["+86 10 6123 4567", "861061234567", "(010) 6123-4567", "008610 6123 4567",
                                  "０１０－６１２３４５６７", "10 6123 4567"])
def test_one_landline_however_written(text):
    assert normalise_phone(text) == "01061234567"


@pytest.mark.parametrize("text", ["13800138000", "+86 138 0013 8000", "8613800138000", "008613800138000",
                                  "138-0013-8000", "１３８００１３８０００"])
def test_one_mobile_however_written(text):
    assert normalise_phone(text) == "13800138000"


def test_phone_edge_cases():
    assert normalise_phone("") == "" and normalise_phone(None) == "" and normalise_phone("无") == ""
    assert normalise_phone("86123") == "086123"              # not longer than 11 digits: 86 stays
    assert normalise_phone("0086") == "0086"
    assert normalise_phone("6123 4567") == "061234567"
    assert normalise_phone("12345") == "012345"               # not 11 digits: not a mobile


def test_mobile_numbers_as_written_and_their_look_alikes():
    assert normalise_phone("13912345678") == "13912345678"          # the fast path: as written
    assert normalise_phone("23912345678") == "023912345678"         # 11 digits, not a mobile: trunk 0
    assert normalise_phone("１３９１２３４５６７８") == "13912345678"   # full-width digits: NFKC first
    assert normalise_phone("139 1234 5678") == "13912345678"


def test_removed_once_then_trunk_zero():
    # 86 86 10 6123 4567 → one 86 removed → 861061234567 is not a mobile and lacks a 0 → 0861061234567
    assert normalise_phone("86861061234567") == "0861061234567"


def test_hash_is_keyed_and_empty_matches_no_one():
    a = caller_hash("01061234567", KEY)
    assert a == caller_hasher(KEY)("01061234567") and len(a) == 64
    assert a != caller_hash("01061234567", b"x" * 32)
    assert "01061234567" not in a
    assert caller_hash("", KEY) is None and caller_hasher(KEY)("") is None
    assert last_digits("01061234567") == "4567" and masked("4567") == "****4567" and masked(None) == ""


@pytest.mark.parametrize("key", [b"k" * 32, b"k" * 64, bytes(range(200)), b"\x00key-with-a-nul" * 3])
def test_prepared_hasher_is_the_standard_hmac(key):
    # keys shorter than, equal to and longer than SHA-256's block: the pads built by hand equal
    # the standard library's HMAC, which is what stored hashes were made with
    expected = hmac.new(key, b"13912345678", hashlib.sha256).hexdigest()
    assert caller_hasher(key)("13912345678") == expected == caller_hash("13912345678", key)


def test_address_normalised():
    assert normalise_address("通州区 梨园镇，云景里3号楼") == "通州区梨园镇云景里3号楼"
    assert normalise_address("通州区梨园镇\u3000云景里（3号楼）。") == "通州区梨园镇云景里3号楼"
    assert normalise_address("ＡＢＣ－１２３") == "ABC123"       # NFKC, then punctuation removed
    assert normalise_address("3号楼 1单元") == "3号楼1单元"     # 6 characters: counts
    assert normalise_address("3号楼, 1单") is None               # 5 left: too short
    assert normalise_address("") is None and normalise_address(None) is None
    assert normalise_address("\t\n  ，。、") is None


def test_category_clause():
    assert same_category("城乡建设", "供暖", "城乡建设", "供暖")
    assert not same_category("城乡建设", "供暖", "城乡建设", "物业服务")   # both have 二级: they decide
    assert same_category("甲", "供暖", "乙", "供暖")                      # equal 二级 whatever the 一级
    assert same_category("城乡建设", "供暖", "城乡建设", None)            # one lacks 二级: 一级 decides
    assert same_category("城乡建设", " ", "城乡建设", "供暖")
    assert not same_category(None, None, None, None)                     # blank matches nothing
    assert not same_category("", "", "", "")
    assert not same_category("城乡建设", None, "交通", None)


T0 = datetime(2025, 12, 1, 10, 0, 0)


def k(no, at, caller=None, addr=None, l1=None, l2=None):
    return RepeatKeys(no, at, caller, addr, l1, l2)


def test_thirty_days_to_the_second():
    s = k("A", T0 - timedelta(days=30), caller="h")
    assert dict(repeat_sources([s, k("B", T0, caller="h")]))["B"] == "A"
    assert dict(repeat_sources([s, k("B", T0 + timedelta(seconds=1), caller="h")]))["B"] is None
    assert dict(repeat_sources([s, k("B", T0 + timedelta(microseconds=1), caller="h")]))["B"] is None


def test_equal_times_smaller_number_first_in_code_point_order():
    out = dict(repeat_sources([k("T2", T0, caller="h"), k("T10", T0, caller="h"), k("t1", T0, caller="h")]))
    # code points: "T10" < "T2" < "t1"
    assert out == {"T10": None, "T2": "T10", "t1": "T2"}


def test_latest_earlier_ticket_is_the_source():
    rows = [k("A", T0, caller="h"), k("B", T0 + timedelta(days=1), addr="通州区梨园镇云景里", l1="x"),
            k("C", T0 + timedelta(days=2), caller="h", addr="通州区梨园镇云景里", l1="x")]
    assert dict(repeat_sources(rows)) == {"A": None, "B": None, "C": "B"}


def test_address_clause_needs_the_category():
    addr = "通州区梨园镇云景里3号楼"
    rows = [k("A1", T0, addr=addr, l1="城乡建设", l2="供暖"),
            k("A2", T0 + timedelta(days=1), addr=addr, l1="城乡建设", l2="供暖"),
            k("A3", T0 + timedelta(days=2), addr=addr, l1="城乡建设", l2="物业服务"),
            k("A4", T0 + timedelta(days=3), addr=addr, l1="城乡建设"),
            k("A5", T0 + timedelta(days=4), addr=addr),
            k("A6", T0 + timedelta(days=5), addr=addr, l1="城乡建设", l2="供暖")]
    assert dict(repeat_sources(rows)) == {"A1": None, "A2": "A1", "A3": None, "A4": "A3", "A5": None,
                                          "A6": "A4"}   # A6 has 二级, A4 not: 一级 decides, A4 is later than A2


def test_short_address_matches_nothing():
    rows = [k("S1", T0, addr=normalise_address("3号楼"), l1="x", l2="y"),
            k("S2", T0 + timedelta(hours=1), addr=normalise_address("3号楼"), l1="x", l2="y")]
    assert dict(repeat_sources(rows)) == {"S1": None, "S2": None}


def test_index_agrees_with_the_pairwise_rule():
    """Every ticket's source equals the latest S for which the rule (written pair by pair) holds."""
    import random
    rng = random.Random(7)
    addrs = ["通州区梨园镇云景里", "通州区永顺镇新华里", None]
    cats = [("城乡建设", "供暖"), ("城乡建设", None), ("城乡建设", "物业服务"), (None, None), ("交通", None)]
    rows = []
    for i in range(400):
        at = T0 + timedelta(seconds=rng.choice([0, 3600, 86400 * 30, 86400 * 31]) * rng.randint(0, 3)
                            + rng.randint(0, 2) * 86400 * 10)
        l1, l2 = rng.choice(cats)
        rows.append(k(f"N{rng.randint(0, 999):03d}-{i}", at, caller=rng.choice(["a", "b", None]),
                      addr=rng.choice(addrs), l1=l1, l2=l2))
    got = dict(repeat_sources(rows))
    for t in rows:
        earlier = [s for s in rows if is_repeat(t, s)]
        want = max(earlier, key=lambda s: s.order).ticket_no if earlier else None
        assert got[t.ticket_no] == want, t
    assert any(v for v in got.values()) and any(v is None for v in got.values())
    assert not any(is_repeat(a, a) for a in rows)
