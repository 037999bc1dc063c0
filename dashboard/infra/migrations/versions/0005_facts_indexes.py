"""Two ticket_facts indexes chosen from the query plans at 3 M tickets: dispatched_at
+ signed_at for the staffing plan's handling median, received_at + unit + closed_at for the 三率
ranking's closed count per unit.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_facts_dispatched_signed", "ticket_facts", ["dispatched_at", "signed_at"], unique=False)
    op.create_index("ix_ticket_facts_received_unit_closed", "ticket_facts", ["received_at", "unit", "closed_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_facts_received_unit_closed", table_name="ticket_facts")
    op.drop_index("ix_ticket_facts_dispatched_signed", table_name="ticket_facts")
