"""Drill-down evidence = the lost points: for every indicator the evidence rows number exactly
denominator − numerator (escapes: the numerator), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime

import pytest

from dashboard.services.assessment.engine import month_result
from dashboard.services.assessment.evidence import month_evidence
from queries.assessment import INDICATOR_KEYS
from queries.evidence import EVIDENCE_COLUMNS
from tests.support.assessment_fixture import EVENTS, REPORTS, SHIFTS, SMALL_REQUIRED, STAFF, TICKETS, load


def lost(ind) -> int:
    return ind.numerator if ind.lower_is_better else ind.denominator - ind.numerator


@pytest.mark.parametrize("now", [datetime(2025, 12, 20, 12, 0, 0), datetime(2025, 12, 26, 0, 0, 0)])
def test_evidence_rows_equal_lost_counts(engine, now):
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, shifts_=SHIFTS, reports_=REPORTS,
         required=SMALL_REQUIRED)
    with engine.connect() as conn:
        result = month_result(conn, "2025-12", now)
        for key in INDICATOR_KEYS:
            ev = month_evidence(conn, "2025-12", key, now)
            assert list(ev.columns) == EVIDENCE_COLUMNS[key], key
            assert len(ev) == lost(result.indicator(key)), key
            assert lost(result.indicator(key)) > 0, key   # the fixture loses points on every indicator


def test_evidence_known_rows(engine):
    now = datetime(2025, 12, 20, 12, 0, 0)
    load(engine, tickets_=TICKETS, events=EVENTS, staff_=STAFF, shifts_=SHIFTS, reports_=REPORTS,
         required=SMALL_REQUIRED)
    with engine.connect() as conn:
        def ev(key):
            return month_evidence(conn, "2025-12", key, now)
        sign = ev("sign_on_time_rate")
        assert list(sign["ticket_no"]) == ["T2", "T9", "T7"]
        assert list(sign["reason"]) == ["超时", "未签收", "未签收"]   # T9 signed only after now
        assert list(ev("dispatch_accuracy")["ticket_no"]) == ["T1"]
        assert list(ev("dispatch_accuracy")["redispatches"]) == [1]
        cov = ev("qc_coverage")
        assert list(cov["ticket_no"]) == ["T3"] and list(cov["last_before"]) == ["QC_REJECT"]
        esc = ev("qc_escape_rate")
        assert list(esc["ticket_no"]) == ["T3"] and esc["reopen_at"].iloc[0] == datetime(2025, 12, 6, 9, 0)
        assert list(ev("return_accuracy")["ticket_no"]) == ["T5"]
        assert list(ev("verify_on_time_rate")["reason"]) == ["超时", "未完成"]
        assert list(ev("report_on_time_rate")["report_no"]) == ["R3", "R4", "R7"]
        att = ev("attendance_rate")
        assert list(att["staff_no"]) == ["S1"] and str(att["day"].iloc[0]) == "2025-12-02"
        short = ev("staffing_compliance")
        assert len(short) == 140 - 73 and set(short["role"]) >= {"退单专员", "协查专员"}
        assert (short["short"] > 0).all()
