"""users.session_version and remember_tokens: log-out ends every session, one remember-me token per log-in.

Sessions carried "<id>.<fingerprint of the password hash>", and the « se souvenir de moi » cookie the
same value: the same at every log-in, valid until a password change, still valid after log-out. The
session value now mixes in users.session_version, raised by log-out and by a new password; the
remember-me cookie holds a random token per log-in, stored hashed in remember_tokens with its expiry
(REMEMBER_COOKIE_DURATION) and the session version it was issued under. Existing members start at
version 0; their open sessions and remember-me cookies end once (they log in again).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_table(
        "remember_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_remember_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remember_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_remember_tokens_token_hash")),
    )
    op.create_index(op.f("ix_remember_tokens_user_id"), "remember_tokens", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_remember_tokens_user_id"), table_name="remember_tokens")
    op.drop_table("remember_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
