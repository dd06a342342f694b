"""One open report per member and post, guarded by a unique partial index.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN = sa.text("resolved_at IS NULL")


def upgrade():
    # Earlier duplicates (the rule was only checked in Python): keep the oldest open one.
    op.execute("UPDATE reports SET resolved_at = created_at, resolution = 'Doublon fermé par la migration 0006' "
               "WHERE resolved_at IS NULL AND id NOT IN (SELECT min(id) FROM reports WHERE resolved_at IS NULL "
               "GROUP BY post_id, reporter_id)")
    op.create_index("ux_reports_open_per_reporter", "reports", ["post_id", "reporter_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index("ux_reports_open_per_reporter", table_name="reports")
