"""identity: server-side sign-in sessions (a random token's hash, the user, when it began, was last
seen, expires and was revoked, and when the user last gave a second-factor code in it), the claim
that links a single sign-on identity to a user (users.email), and each user's TOTP second factor
(secret, the last time step used, hashed recovery codes).

Revision ID: 0012
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("second_factor_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index("ix_user_sessions_username", "user_sessions", ["username"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.create_index("ix_users_email", ["email"], unique=True)
    op.create_table(
        "user_totp",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("recovery_hashes", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_user_totp")),
    )


def downgrade() -> None:
    op.drop_table("user_totp")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_email")
        batch.drop_column("email")
    op.drop_index("ix_user_sessions_username", table_name="user_sessions")
    op.drop_table("user_sessions")
