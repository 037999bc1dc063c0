"""Ledgers: improvement measures (改进措施), special-ticket flags (特殊工单) and shift handover notes
(交接班), written by managers and supervisors (docs/ledgers.md).

Revision ID: 0014
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qc_measures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_measures")),
    )
    op.create_table(
        "special_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_no", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("flagged_by", sa.String(length=64), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_by", sa.String(length=64), nullable=True),
        sa.Column("clear_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_no"], ["tickets.ticket_no"], name=op.f("fk_special_flags_ticket_no_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_flags")),
    )
    op.create_index("ix_special_flags_ticket_no", "special_flags", ["ticket_no"])
    op.create_table(
        "shift_handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(length=4), nullable=False),
        sa.Column("group_name", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("written_by", sa.String(length=64), nullable=False),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.Column("acked_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_handovers")),
        sa.UniqueConstraint("day", "shift", "group_name", name=op.f("uq_shift_handovers_day_shift_group_name")),
    )


def downgrade() -> None:
    op.drop_table("shift_handovers")
    op.drop_index("ix_special_flags_ticket_no", table_name="special_flags")
    op.drop_table("special_flags")
    op.drop_table("qc_measures")
