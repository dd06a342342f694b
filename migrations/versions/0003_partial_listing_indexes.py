"""Board listing indexes cover visible threads only (partial indexes), so deep pages stay cheap.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VISIBLE = sa.text("deleted_at IS NULL")
INDEXES = {
    "ix_threads_board_listing": ["board_id", "pinned", "last_activity_at"],
    "ix_threads_board_kind_listing": ["board_id", "kind", "pinned", "last_activity_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="threads")
        op.create_index(name, "threads", columns, sqlite_where=VISIBLE, postgresql_where=VISIBLE)


def downgrade():
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="threads")
        op.create_index(name, "threads", columns)
