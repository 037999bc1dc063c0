"""The schema migrates on both engines, matches the table definitions, has its reference rows, and
enforces its keys."""
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
