"""An index on ticket_facts.return_approved_at: the wall's backlog trend (queries.wall.backlog_snapshots)
reads the tickets open, closed or returned since a week ago, an OR of three conditions, which the
database answers from three indexes instead of reading every ticket's row.

Revision ID: 0016
Revises: 0015
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_facts_return_approved_at", "ticket_facts", ["return_approved_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_facts_return_approved_at", table_name="ticket_facts")
