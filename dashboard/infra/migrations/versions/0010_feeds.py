"""feeds, feed_watermarks, feed_runs, feed_rejects: the unattended data feeds (docs/feed.md) — each
feed's expected interval and last success, how far each kind of its source has been read (in the
source's own form), one row per pull, and the source rows refused by validation.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), server_default="", nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feeds")),
    )
    op.create_table(
        "feed_watermarks",
        sa.Column("feed", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("value_type", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["feed"], ["feeds.name"], name=op.f("fk_feed_watermarks_feed_feeds")),
        sa.PrimaryKeyConstraint("feed", "kind", name=op.f("pk_feed_watermarks")),
    )
    op.create_table(
        "feed_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("rows_pulled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rejects", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lag_seconds", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["feed"], ["feeds.name"], name=op.f("fk_feed_runs_feed_feeds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_runs")),
    )
    op.create_index("ix_feed_runs_feed_started_at", "feed_runs", ["feed", "started_at"])
    op.create_table(
        "feed_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("row_key", sa.String(length=64), server_default="", nullable=False),
        sa.Column("watermark", sa.String(length=64), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("row_json", sa.Text(), nullable=False),
        sa.Column("waiting", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["feed"], ["feeds.name"], name=op.f("fk_feed_rejects_feed_feeds")),
        sa.ForeignKeyConstraint(["run_id"], ["feed_runs.id"], name=op.f("fk_feed_rejects_run_id_feed_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_rejects")),
    )
    op.create_index("ix_feed_rejects_feed_at", "feed_rejects", ["feed", "at"])


def downgrade() -> None:
    op.drop_index("ix_feed_rejects_feed_at", table_name="feed_rejects")
    op.drop_table("feed_rejects")
    op.drop_index("ix_feed_runs_feed_started_at", table_name="feed_runs")
    op.drop_table("feed_runs")
    op.drop_table("feed_watermarks")
    op.drop_table("feeds")
