"""The breach forecast's history counted once an hour and kept in the database
(dashboard.services.breach_history): every page and app instance of that hour reads it instead of
counting the last 90 days of tickets again.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "breach_history_snapshots",
        sa.Column("as_of", sa.DateTime, primary_key=True),
        sa.Column("rows", sa.Text, nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("breach_history_snapshots")
