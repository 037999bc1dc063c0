"""Lifecycle derivation (pure): the clocks that start at an event, from one ticket's history."""
from datetime import datetime

import pytest

from domain.lifecycle import event_clocks


def _e(at, action, detail=""):
    return (datetime.fromisoformat(at), action, "", "", detail)


def test_event_clocks_of_one_history():
    evs = [
        _e("2026-01-01 09:00", "REPLY"),
        _e("2026-01-01 10:00", "QC_REJECT"),
        _e("2026-01-01 11:00", "REPLY"),
        _e("2026-01-01 11:00", "QC_PASS"),          # same second as the reply, after it
        _e("2026-01-01 12:00", "CLOSE"),
        _e("2026-01-02 08:00", "REOPEN", "群众不满意"),  # not the city's QC
        _e("2026-01-02 09:00", "REOPEN", "市级审核退回"),
        _e("2026-01-02 10:00", "REOPEN", "city_qc"),   # a later one answers nothing new
        _e("2026-01-03 10:00", "REPLY"),
        _e("2026-01-03 11:00", "CLOSE"),                # reply after the last QC: not covered
        _e("2026-01-04 09:00", "VERIFY_ASSIGN"),
        _e("2026-01-04 09:00", "VERIFY_DONE"),
        _e("2026-01-04 12:00", "VERIFY_ASSIGN"),
    ]
    t = datetime.fromisoformat
    assert event_clocks(evs) == [
        ("reply", t("2026-01-01 09:00"), t("2026-01-01 10:00"), None),
        ("qc", t("2026-01-01 10:00"), t("2026-01-01 09:00"), None),
        ("reply", t("2026-01-01 11:00"), t("2026-01-01 11:00"), None),
        ("qc", t("2026-01-01 11:00"), t("2026-01-01 11:00"), None),
        ("close", t("2026-01-01 12:00"), t("2026-01-02 09:00"), True),
        ("reply", t("2026-01-03 10:00"), None, None),
        ("close", t("2026-01-03 11:00"), None, False),
        ("verify", t("2026-01-04 09:00"), t("2026-01-04 09:00"), None),
        ("verify", t("2026-01-04 12:00"), None, None),
    ]
    assert event_clocks([]) == []


@pytest.mark.parametrize("order", ["reply_first", "qc_first"])
def test_tied_timestamps_follow_database_order(order):
    """At equal timestamps the database order (id) decides 'before' for coverage and the latest
    reply, while 'at or after' for the reply clock is by time alone."""
    reply, qc = _e("2026-01-01 11:00", "REPLY"), _e("2026-01-01 11:00", "QC_PASS")
    evs = [reply, qc] if order == "reply_first" else [qc, reply]
    evs.append(_e("2026-01-01 12:00", "CLOSE"))
    kinds = {k: (ref, flag) for k, _, ref, flag in event_clocks(evs)}
    t = datetime.fromisoformat("2026-01-01 11:00")
    assert kinds["reply"] == (t, None)
    if order == "reply_first":
        assert kinds["qc"] == (t, None) and kinds["close"][1] is True
    else:
        assert kinds["qc"] == (None, None) and kinds["close"][1] is False
