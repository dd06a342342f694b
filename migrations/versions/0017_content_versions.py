"""Content versions: `threads.content_version` and `boards.content_version`, raised in the
transaction of every change their pages show, and the one-row `site_versions` table whose
`global_version` rises with what every page shows (names, roles, board facts). Keys of cached
page fragments are built from them (forum.services.content_versions).

Plain ADD COLUMN (no batch copy: on SQLite a batch copy of threads or boards would cascade
deletions to the rows that reference them). Existing rows start at version 0.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('threads', sa.Column('content_version', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('boards', sa.Column('content_version', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.create_table('site_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('global_version', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_versions'))
    )
    op.execute("INSERT INTO site_versions (id, global_version) VALUES (1, 0)")


def downgrade():
    op.drop_table('site_versions')
    # DROP COLUMN without a batch copy (SQLite ≥ 3.35 drops a plain column in place).
    op.drop_column('boards', 'content_version')
    op.drop_column('threads', 'content_version')
