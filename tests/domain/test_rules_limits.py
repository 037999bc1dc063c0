"""Rules.limits(): every clock's limit of a version, derived in one place, and the working-day rule
of the close limit; Rules.required_heads(); the vocabulary the shifts and periods rest on."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from domain import three_rates as tr
from domain.lifecycle import TicketInput, close_deadline
from domain.rules import Limits, Rules, working_days_of
from domain.staffing import shift_bounds, shift_of
from domain.vocabulary import PERIOD_19TH, SHIFT_START_HOUR, SHIFTS, SHIFTS_AS_LISTED

DAY = 86400


def _with(**sla) -> Rules:
    r = Rules.default()
    r.body["sla"].update(sla)
    return r


def test_default_limits_are_the_contract_figures():
    lim = Rules.default().limits()
    assert (lim.sign, lim.dispatch, lim.dispatch_urgent, lim.return_request) == (1800, 7200, 1800, 7200)
    assert (lim.response, lim.response_urgent, lim.qc, lim.verify) == (86400, 7200, 7200, 172800)
    assert lim.close == {"紧急": 7200, "及时": 86400, "一般": 7 * DAY, "疑难": 15 * DAY}
    assert lim.close_in_working_days is False


def test_limits_follow_the_version_body():
    lim = _with(sign=900, qc=3600, close={"紧急": 3600, "一般": 5 * DAY}).limits()
    assert (lim.sign, lim.qc) == (900, 3600)
    assert lim.close_for("紧急") == 3600
    # no class, or a class the version does not list: the default class's limit
    assert lim.close_for(None) == lim.close_for("疑难") == 5 * DAY


@pytest.mark.parametrize("urgency, dispatch, response", [("紧急", 1800, 7200), ("一般", 7200, 86400), (None, 7200, 86400)])
def test_urgent_tickets_have_their_own_dispatch_and_response_limits(urgency, dispatch, response):
    lim = Rules.default().limits()
    assert (lim.dispatch_for(urgency), lim.response_for(urgency)) == (dispatch, response)


def test_the_rules_accessors_read_the_same_limits():
    r = _with(sign=1200, verify=36 * 3600)
    assert (r.sign_limit(), r.verify_limit(), r.close_limit("疑难")) == (1200, 36 * 3600, 15 * DAY)
    assert r.limits() is r.limits()   # derived once per version


def test_limits_compare_and_replace_as_values():
    lim = Rules.default().limits()
    assert lim == Rules.default().limits() and hash(lim) == hash(Rules.default().limits())
    later = dataclasses.replace(lim, sign=lim.sign + 60)
    assert later != lim and later.sign == 1860 and later.close == lim.close


@pytest.mark.parametrize("seconds, days", [(7 * DAY, 7), (15 * DAY, 15), (6 * DAY, None), (7 * DAY + 1, None),
                                           (86400, None), (7200, None)])
def test_only_whole_days_of_seven_or_more_count_working_days(seconds, days):
    assert working_days_of(seconds) == days


def test_close_working_days_needs_the_option():
    assert Rules.default().limits().close_working_days("一般") is None
    on = _with(close_in_working_days=True).limits()
    assert (on.close_working_days("一般"), on.close_working_days("疑难")) == (7, 15)
    assert on.close_working_days("及时") is None


def test_working_day_close_deadline_spans_the_spring_festival():
    # received Friday 2025-01-24; 7 working days around the 2025 Spring Festival: 26 Jan (a make-up
    # working Sunday), 27 Jan, then after the 28 Jan – 4 Feb holidays 5, 6, 7, 8 (a make-up
    # Saturday) and Monday 10 Feb
    ticket = TicketInput("T1", datetime(2025, 1, 24, 10, 0), sla_class="一般")
    assert close_deadline(ticket, 0, _with(close_in_working_days=True)) == datetime(2025, 2, 10, 10, 0)
    assert close_deadline(ticket, 0, Rules.default()) == datetime(2025, 1, 31, 10, 0)
    # the 24-hour class always runs in calendar time; extensions are calendar days
    urgent = TicketInput("T2", datetime(2025, 1, 24, 10, 0), sla_class="及时")
    assert close_deadline(urgent, 2, _with(close_in_working_days=True)) == datetime(2025, 1, 27, 10, 0)


def test_required_heads_per_role():
    assert Rules.default().required_heads() == {"项目经理": 1, "业务主管": 5, "派单专员": 20, "退单专员": 6,
                                                "质检专员": 16, "协查专员": 12, "数据分析专员": 20}
    r = Rules.default()
    r.body["staffing"]["required"] = {"派单专员": "3"}
    assert r.required_heads() == {"派单专员": 3}


def test_limits_type_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Rules.default().limits().sign = 1   # type: ignore[misc]
    assert isinstance(Rules.default().limits(), Limits)


def test_shifts_through_the_day_and_as_listed():
    assert SHIFTS == ("夜班", "早班", "中班") and SHIFTS_AS_LISTED == ("早班", "中班", "夜班")
    assert [shift_of(datetime(2026, 1, 5, h)) for h in (0, 7, 8, 15, 16, 23)] == \
        ["夜班", "夜班", "早班", "早班", "中班", "中班"]
    assert shift_bounds(date(2026, 1, 5), "中班") == (datetime(2026, 1, 5, 16), datetime(2026, 1, 6, 0))
    assert SHIFT_START_HOUR == {"早班": 8, "中班": 16, "夜班": 0}


@pytest.mark.parametrize("day, start, end, label", [
    (date(2026, 1, 18), datetime(2025, 12, 19), datetime(2026, 1, 18, 23, 59, 59), "2026-01"),
    (date(2026, 1, 19), datetime(2026, 1, 19), datetime(2026, 2, 18, 23, 59, 59), "2026-02"),
    (date(2025, 12, 31), datetime(2025, 12, 19), datetime(2026, 1, 18, 23, 59, 59), "2026-01"),
])
def test_the_19th_period_whatever_the_rules_option(day, start, end, label):
    calendar_rules = Rules.default()
    calendar_rules.body["three_rates"]["period"] = "calendar"
    p = tr.period_containing(day, calendar_rules, mode=PERIOD_19TH)
    assert (p.start, p.end, p.label) == (start, end, label)
    assert tr.period_containing(day, calendar_rules).start == datetime(day.year, day.month, 1)


def test_previous_period():
    p = tr.period_for_month("2026-01")
    prev = tr.previous_period(p)
    assert (prev.start, prev.end, prev.label) == (datetime(2025, 11, 19), datetime(2025, 12, 18, 23, 59, 59), "2025-12")
