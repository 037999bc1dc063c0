"""A new rules version: the store only stores it; the admin action that adds it refills the settled
days' counts under the new version's limits, and the month read through them equals the month
counted live."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from dashboard.services import rules_store
from dashboard.services.assessment import settled_counts as sc
from dashboard.services.assessment import signoff
from dashboard.services.demo import generate
from domain.rules import Rules
from queries import assessment as qa
from queries.schema import day_counts

END = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 15, 30)


def _stricter() -> Rules:
    r = Rules.default()
    r.body["sla"]["sign"] = 900
    return r


def _days_stored_for(conn, rules: Rules) -> int:
    key = sc.params_key(rules.limits(), rules.required_heads())
    return conn.execute(sa.select(sa.func.count()).select_from(day_counts)
                        .where(day_counts.c.params == key, day_counts.c.day >= date(2026, 3, 1))).scalar_one()


def test_the_store_only_stores(engine):
    generate(engine, days=20, tickets_per_day=20, seed=5, end=END, now=NOW)
    with engine.begin() as conn:
        assert _days_stored_for(conn, Rules.default()) > 0
        rules_store.add_version(conn, _stricter(), effective_from="2026-03", note="t", username="t")
        assert _days_stored_for(conn, _stricter()) == 0
        assert rules_store.rules_for_month(conn, "2026-03").sign_limit() == 900


def test_adding_a_version_refills_under_its_limits(engine):
    generate(engine, days=20, tickets_per_day=20, seed=5, end=END, now=NOW)
    with engine.begin() as conn:
        signoff.add_rules_version(conn, _stricter(), effective_from="2026-03", note="t", username="a", role="admin")
    with engine.connect() as conn:
        stored = _days_stored_for(conn, _stricter())
        assert stored > 0
        rules = rules_store.rules_for_month(conn, "2026-03")
        assert rules.limits().sign == 900
        got, _ = sc.month_counts_for(conn, month="2026-03", now=NOW, limits=rules.limits(),
                                     required=rules.required_heads(), period=(datetime(2026, 2, 19),
                                                                              datetime(2026, 3, 18, 23, 59, 59)))
        want = qa.indicator_counts(conn, month="2026-03", now=NOW, limits=rules.limits(),
                                   required=rules.required_heads())
        assert got.equals(want)
