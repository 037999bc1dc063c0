"""report_schedule_state: when the feed service first saw each scheduled report, so a time missed
while the service was down is still delivered (late) and times before the schedule existed are not;
busy_until is held by the process delivering a schedule's reports, so two feed processes never both
send one.

Revision ID: 0011
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_schedule_state",
        sa.Column("schedule_key", sa.String(length=64), nullable=False),
        sa.Column("active_since", sa.DateTime(), nullable=False),
        sa.Column("busy_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("schedule_key", name=op.f("pk_report_schedule_state")),
    )


def downgrade() -> None:
    op.drop_table("report_schedule_state")
