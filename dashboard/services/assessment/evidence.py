"""Evidence for a month's lost points, with the limits and heads of the month's rules version
(the same ones the engine passes to queries.assessment)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.services.assessment.engine import check_month
from dashboard.services.rules_store import rules_for_month
from domain.rules import Limits
from queries import evidence as evidence_queries


def month_params(conn: Connection, month: str) -> tuple[Limits, dict[str, int]]:
    rules = rules_for_month(conn, check_month(month))
    return rules.limits(), rules.required_heads()


def month_evidence(conn: Connection, month: str, key: str, now: datetime) -> pd.DataFrame:
    limits, required = month_params(conn, month)
    return evidence_queries.evidence(conn, key=key, month=month, now=now, limits=limits, required=required)


def staffing_pairs(conn: Connection, month: str, now: datetime) -> pd.DataFrame:
    _, required = month_params(conn, month)
    return evidence_queries.staffing_pairs(conn, month=month, now=now, required=required)
