"""The schema migrates on both engines, matches the table definitions, and enforces its keys."""
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashboard.services.rules_store import rules_for_month
from domain.rules import Rules
from queries.schema import metadata, postgresql_only, ticket_events, tickets, units


def test_migrations_match_table_definitions(engine):
    def ours(obj, name, type_, reflected, compare_to):
        # trigger-kept PostgreSQL tables are checked below, not against `metadata`
        return not (type_ == "table" and name in postgresql_only.tables)

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": ours}), metadata)
        present = set(sa.inspect(conn).get_table_names()) & set(postgresql_only.tables)
    assert diff == []
    assert present == (set(postgresql_only.tables) if engine.dialect.name == "postgresql" else set())


def test_reference_rows_seeded(engine):
    with engine.connect() as conn:
        streets = conn.execute(sa.select(sa.func.count()).select_from(units).where(units.c.kind == "street")).scalar()
    assert streets == 22


def test_default_rules_equal_design(engine):
    with engine.connect() as conn:
        rules = rules_for_month(conn, "2025-12")
    assert rules.body == Rules.default().body
    assert rules.sign_limit() == 1800 and rules.close_limit("疑难") == 15 * 86400
    assert rules.indicator("dispatch_accuracy") == {"target": "0.95", "floor": "0.85", "weight": 15}


def test_events_deduplicated_on_all_six_fields(engine):
    at = datetime(2025, 12, 3, 9, 0, 0)
    with engine.begin() as conn:
        conn.execute(tickets.insert().values(ticket_no="T1", received_at=at))
        conn.execute(ticket_events.insert().values(ticket_no="T1", at=at, action="SIGN", staff_no="P1"))
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(ticket_events.insert().values(ticket_no="T1", at=at, action="SIGN", staff_no="P1"))


def test_foreign_keys_enforced(engine):
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(ticket_events.insert().values(ticket_no="NOPE", at=datetime(2025, 1, 1), action="SIGN"))


def test_rules_for_months_equals_one_month_at_a_time(engine):
    from dashboard.services import rules_store

    with engine.begin() as conn:
        for month, sign in (("2026-03", 1200), ("2026-03", 900), ("2026-07", 600)):
            r = Rules.default()
            r.body["sla"]["sign"] = sign
            rules_store.add_version(conn, r, effective_from=month, note="test", username="t")
        months = ["2025-11", "2026-02", "2026-03", "2026-05", "2026-07", "2026-09"]
        got = rules_store.rules_for_months(conn, months)
        assert [got[m].sign_limit() for m in months] == [1800, 1800, 900, 900, 600, 600]
        for m in months:
            one = rules_store.rules_for_month(conn, m)
            assert (got[m].body, got[m].version_id) == (one.body, one.version_id)
