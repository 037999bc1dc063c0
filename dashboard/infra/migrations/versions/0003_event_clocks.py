"""Derived data for fast monthly counts: ticket_facts.first_redispatch_at, the
event_clocks table (clocks that start at an event) and month_counts (settled months' indicator
counts). A database that already holds events gets its facts and event clocks rebuilt by
dashboard.services.bootstrap.init_db after the upgrade (facts.ensure_event_clocks: app code needs the
newest schema, so it does not run inside a migration).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket_facts", sa.Column("first_redispatch_at", sa.DateTime(), nullable=True))
    op.create_table(
        "event_clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_no", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ref_at", sa.DateTime(), nullable=True),
        sa.Column("flag", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_no"], ["tickets.ticket_no"], name=op.f("fk_event_clocks_ticket_no_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_clocks")),
    )
    op.create_index("ix_event_clocks_kind_at", "event_clocks", ["kind", "at", "ref_at", "flag"], unique=False)
    op.create_index("ix_event_clocks_ticket_no", "event_clocks", ["ticket_no"], unique=False)
    op.create_table(
        "month_counts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("params", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month", "params", name=op.f("pk_month_counts")),
    )


def downgrade() -> None:
    op.drop_table("month_counts")
    op.drop_index("ix_event_clocks_ticket_no", table_name="event_clocks")
    op.drop_index("ix_event_clocks_kind_at", table_name="event_clocks")
    op.drop_table("event_clocks")
    op.drop_column("ticket_facts", "first_redispatch_at")
