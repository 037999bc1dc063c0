"""Settled counts per day instead of per month: a month's counts are the sum of its
settled days' stored counts and a live count of the days still running, so the current month
is as quick as a past one. Writers fill the table again (dashboard.services.assessment.settled_counts).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("params", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", "params", name=op.f("pk_day_counts")),
    )
    op.drop_table("month_counts")


def downgrade() -> None:
    op.create_table(
        "month_counts",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("params", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month", "params", name=op.f("pk_month_counts")),
    )
    op.drop_table("day_counts")
