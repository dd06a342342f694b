"""Search-index task ids are never reused on SQLite (AUTOINCREMENT).

A worker deletes the task ids it applied after its index commit. Without AUTOINCREMENT, SQLite gives a
new row the largest id + 1, so once the queue was emptied a new task could take the id of one that
another worker had just applied and was about to delete: that newer change was then deleted unapplied
and missing from the index (seen under load in test_concurrent_writers_lose_no_update). PostgreSQL
sequences never reuse ids: nothing changes there.

The SQLite table is rebuilt with its rows (index_tasks is referenced by no foreign key).

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table('index_tasks', recreate='always',
                              table_kwargs={'sqlite_autoincrement': autoincrement}) as batch_op:
        batch_op.alter_column('id', existing_type=sa.Integer(), nullable=False)


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
