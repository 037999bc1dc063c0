"""Identity hardening (docs/identity.md): single sign-on sessions remember which provider sign-in
opened them (the SHA-256 of the identity's issuer, subject and issue time), so an identity signed out
of, or too old to open a first session, is refused even when its cookie is replayed; and the TOTP
secret column is wide enough for a sealed (encrypted) secret.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_sessions") as batch:
        batch.add_column(sa.Column("sso_identity", sa.String(length=64), nullable=True))
        batch.create_index("ix_user_sessions_sso_identity", ["sso_identity"], unique=False)
    with op.batch_alter_table("user_totp") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=64), type_=sa.String(length=200),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("user_totp") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=200), type_=sa.String(length=64),
                           existing_nullable=False)
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_index("ix_user_sessions_sso_identity")
        batch.drop_column("sso_identity")
