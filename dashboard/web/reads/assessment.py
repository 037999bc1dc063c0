"""Cached assessment figures (engine results, evidence, trend) and the sign-off writes."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.services.assessment import signoff, views
from dashboard.services.assessment.engine import MonthResult, month_result, recompute
from dashboard.services.assessment.evidence import month_evidence
from dashboard.web.reads import cached, engine, fresh, write_engine
from domain.rules import Rules
from dashboard.services.rules_store import rules_for_month
from queries.evidence import manual_item_rows


@cached(ttl="60s", max_entries=32, show_spinner=False)
def result(month: str, now: datetime) -> MonthResult:
    with engine().connect() as conn:
        return month_result(conn, month, now)


@cached(ttl="60s", max_entries=32, show_spinner=False)
def evidence(month: str, key: str, now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return month_evidence(conn, month, key, now)


@cached(ttl="120s", max_entries=16, show_spinner=False)
def trend(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return views.trend(conn, now, result_of=lambda m: result(m, now))


@cached(ttl="300s", max_entries=8, show_spinner=False)
def months(now: datetime) -> list[str]:
    with engine().connect() as conn:
        return views.contract_months(views.contract_start(conn), now)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def rules(month: str) -> Rules:
    with engine().connect() as conn:
        return rules_for_month(conn, month)


# sign-off state and the hash check are never cached: they must show the latest write
@fresh
def status(month: str) -> dict:
    with engine().connect() as conn:
        return signoff.status(conn, month)


@fresh
def hash_check(month: str) -> bool | None:
    with engine().connect() as conn:
        st_ = signoff.status(conn, month)
        if not st_["content_hash"]:
            return None
        return signoff.verify_hash(conn, month)


@fresh
def stale_reason(month: str, now: datetime) -> str | None:
    with engine().connect() as conn:
        return views.stale_reason(conn, month, now, rules_for_month(conn, month))


@fresh
def manual_rows(month: str) -> pd.DataFrame:
    with engine().connect() as conn:
        df = manual_item_rows(conn, month=month)
    return df.rename(columns={"id": "编号", "item_type": "类型", "points": "分值", "reason": "事由",
                              "entered_by": "录入人", "entered_at": "录入时间"})


@fresh
def recomputed(month: str, now: datetime) -> MonthResult:
    with engine().connect() as conn:
        return recompute(conn, month, now)


def write(fn, *args, **kwargs):
    """Run one sign-off write in its own transaction, then drop the cached results."""
    with write_engine().begin() as conn:
        out = fn(conn, *args, **kwargs)
    st.cache_data.clear()
    return out


def acceptance_workbook(day, now: datetime) -> bytes:
    from dashboard.services.reports.acceptance import build_acceptance_workbook
    with engine().connect() as conn:
        return build_acceptance_workbook(conn, day=day, now=now)
