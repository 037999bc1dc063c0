"""Cached assessment figures (engine results, evidence, trend) and the sign-off writes."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.services.assessment import signoff, views
from dashboard.services.assessment.engine import month_result, recompute
from dashboard.services.assessment.evidence import month_evidence
from dashboard.services.reports.acceptance import build_acceptance_workbook
from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import cached, cached_query, engine, fresh, writing
from queries.evidence import manual_item_rows

result = cached_query(month_result, ttl="60s", max_entries=32)
evidence = cached_query(month_evidence, ttl="60s", max_entries=32)
rules = cached_query(rules_for_month, ttl="300s", max_entries=16)
# sign-off state and the recomputed result are never cached: they must show the latest write
status = cached_query(signoff.status, fresh=True)
recomputed = cached_query(recompute, fresh=True)


@cached(ttl="120s", max_entries=16, show_spinner=False)
def trend(now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return views.trend(conn, now, result_of=lambda m: result(m, now))


@cached(ttl="300s", max_entries=8, show_spinner=False)
def months(now: datetime) -> list[str]:
    with engine().connect() as conn:
        return views.contract_months(views.contract_start(conn), now)


@fresh
def hash_check(month: str) -> bool | None:
    with engine().connect() as conn:
        return signoff.verify_hash(conn, month) if signoff.status(conn, month)["content_hash"] else None


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


def write(fn, *args, **kwargs):
    """Run one sign-off write in its own transaction, then drop the cached results."""
    with writing() as conn:
        out = fn(conn, *args, **kwargs)
    st.cache_data.clear()
    return out


def acceptance_workbook(day, now: datetime) -> bytes:
    with engine().connect() as conn:
        return build_acceptance_workbook(conn, day=day, now=now)
