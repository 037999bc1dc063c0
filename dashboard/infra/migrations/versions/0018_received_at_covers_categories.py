"""PostgreSQL: the tickets' received_at index carries 一级分类 and 二级分类, so the weekly topic counts
(热点诉求, the wall's and the stand-up's 突增) are read from the index alone instead of every
ticket's row of ten weeks. SQLite keeps its index as it is (it has no INCLUDE).

Revision ID: 0018
Revises: 0017
"""
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_tickets_received_at", table_name="tickets")
    op.create_index("ix_tickets_received_at", "tickets", ["received_at"], unique=False,
                    postgresql_include=["category_l1", "category_l2"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_tickets_received_at", table_name="tickets")
    op.create_index("ix_tickets_received_at", "tickets", ["received_at"], unique=False)
