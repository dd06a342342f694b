"""search_documents: copies of each thread's board, kind, status and last activity.

A PostgreSQL search joined every matching thread for its filters and its order by date: a third
of the search statement's time on the medium data set (mean 7.9 -> 5.0 ms without the join).
The values are written with the document from the index queue; existing rows are filled here
from their threads.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (("board_id", sa.Integer()), ("kind", sa.String(16)), ("status", sa.String(16)),
           ("last_activity_ms", sa.BigInteger()))


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("search_documents", sa.Column(name, type_, nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # the table stays empty on SQLite
        op.execute("UPDATE search_documents d SET board_id = t.board_id, kind = t.kind, status = t.status, "
                   "last_activity_ms = (extract(epoch FROM t.last_activity_at) * 1000)::bigint "
                   "FROM threads t WHERE t.id = d.thread_id")


def downgrade():
    with op.batch_alter_table("search_documents") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
