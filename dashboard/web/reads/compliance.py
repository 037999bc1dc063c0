"""Cached compliance tables: headcount, qualifications, equipment, shift coverage."""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

import pandas as pd

from dashboard.services.assessment import views
from dashboard.web.reads import cached, engine
from dashboard.services.rules_store import rules_for_month


@cached(ttl="300s", max_entries=16, show_spinner=False)
def headcount(month: str, now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return views.headcount(conn, month, now)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def qualifications(day: date) -> pd.DataFrame:
    with engine().connect() as conn:
        return views.qualification_table(conn, day)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def bachelor_share(day: date) -> tuple[Fraction | None, int, int]:
    with engine().connect() as conn:
        return views.bachelor_share(conn, day)


@cached(ttl="300s", max_entries=4, show_spinner=False)
def equipment() -> pd.DataFrame:
    with engine().connect() as conn:
        return views.equipment_table(conn)


@cached(ttl="300s", max_entries=16, show_spinner=False)
def shift_coverage(month: str, now: datetime) -> pd.DataFrame:
    with engine().connect() as conn:
        return views.shift_coverage(conn, month, now, rules_for_month(conn, month))


@cached(ttl="300s", max_entries=8, show_spinner=False)
def months(now: datetime) -> list[str]:
    with engine().connect() as conn:
        return views.contract_months(views.contract_start(conn), now)
