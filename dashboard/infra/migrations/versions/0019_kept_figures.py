"""Figures of a finished stretch of time counted once and kept in the database
(dashboard.services.kept_figures): the day's intake forecast and handling minutes, the stand-up's
repeats of the week before; every page and app instance of that day reads them instead of
counting them again.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_figures",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("as_of", sa.DateTime, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kept_figures")
