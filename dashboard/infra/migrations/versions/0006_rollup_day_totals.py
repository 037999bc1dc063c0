"""rollup_day_totals: the district's whole-day totals (rollup_daily summed per day), so the 三率
totals and the 12-period trend read 365 rows instead of 200,000 (measured at 3 M tickets).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTS = ["received", "population", "contacted", "resolved", "satisfied", "basic_satisfied"]


def upgrade() -> None:
    op.create_table(
        "rollup_day_totals",
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS],
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rollup_day_totals")),
    )
    sums = ", ".join(f"SUM({c})" for c in COUNTS)
    op.execute(f"INSERT INTO rollup_day_totals (day, {', '.join(COUNTS)}) "
               f"SELECT day, {sums} FROM rollup_daily GROUP BY day")


def downgrade() -> None:
    op.drop_table("rollup_day_totals")
