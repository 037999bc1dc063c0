"""The derived tables ticket_facts and event_clocks no longer carry a foreign key to tickets.

Both are written only with their tickets, in the transaction that writes them
(dashboard.services.facts, and column-wise for new tickets by the import and the demo generator),
and rebuilt whole from tickets and events by facts.rebuild_all; nothing deletes tickets. On
PostgreSQL the key's check was a look-up and a row lock on tickets for every derived row written:
a quarter of the time the server spent writing a catch-up's new tickets. ticket_events, which an
import or the feed brings from outside, keeps its key.

SQLite cannot drop a constraint in place: both tables are copied into new ones (batch mode; at a
million tickets about a minute), and their indexes' planner statistics are put back as they were
(the rows are the same).

Revision ID: 0021
Revises: 0020
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KEYS = {"ticket_facts": "fk_ticket_facts_ticket_no_tickets", "event_clocks": "fk_event_clocks_ticket_no_tickets"}


def upgrade() -> None:
    stats = _planner_stats()
    for table, name in KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="foreignkey")
    _restore(stats)


def downgrade() -> None:
    stats = _planner_stats()
    for table, name in KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(name, "tickets", ["ticket_no"], ["ticket_no"])
    _restore(stats)


def _planner_stats() -> list[tuple]:
    """SQLite: the sqlite_stat1 rows of the two tables (a copied table loses them)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first():
        return []
    marks = ", ".join("?" * len(KEYS))
    return [tuple(r) for r in bind.exec_driver_sql(
        f"SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl IN ({marks})", tuple(KEYS)).all()]


def _restore(stats: list[tuple]) -> None:
    if not stats:
        return
    bind = op.get_bind()
    marks = ", ".join("?" * len(KEYS))
    bind.exec_driver_sql(f"DELETE FROM sqlite_stat1 WHERE tbl IN ({marks})", tuple(KEYS))
    bind.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stats)
