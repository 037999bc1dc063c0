"""tickets: caller_hash, caller_last4, address_key, repeat_source_no — repeat complaints and the
caller's number kept only as a keyed hash plus its last four digits (docs/repeats.md). The values
of tickets stored before this revision are derived by `python -m dashboard rebuild-facts` (their
numbers were never stored, so only the address clause applies to them).

Revision ID: 0013
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = (("caller_hash", sa.String(length=64)), ("caller_last4", sa.String(length=4)),
           ("address_key", sa.Text()), ("repeat_source_no", sa.String(length=64)))


def upgrade() -> None:
    # plain ALTER TABLE … ADD COLUMN on both engines: the table keeps its triggers (0002, 0008)
    for name, type_ in COLUMNS:
        op.add_column("tickets", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _type in reversed(COLUMNS):
        op.drop_column("tickets", name)
