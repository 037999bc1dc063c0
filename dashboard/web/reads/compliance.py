"""Cached compliance tables: headcount, qualifications, equipment, shift coverage."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.services.assessment import views
from dashboard.services.rules_store import rules_for_month
from dashboard.web.reads import assessment, cached, cached_query, engine

headcount = cached_query(views.headcount, ttl="300s", max_entries=16)
qualifications = cached_query(views.qualification_table, ttl="300s", max_entries=16)
bachelor_share = cached_query(views.bachelor_share, ttl="300s", max_entries=16)
equipment = cached_query(views.equipment_table, ttl="300s", max_entries=4)
months = assessment.months   # the assessment page's contract months (one cache for both pages)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def shift_coverage(month: str, now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return views.shift_coverage(conn, month, now, rules_for_month(conn, month))
