"""Editors' commitments: targets and slips of planned requests (request_targets, with the current
target copied onto threads), version spellings merged per board (version_aliases), the history of a
board's label facts (board_label_changes), public livrable notes, the target in livrable snapshots,
editors' named contacts.

New tables and nullable or defaulted columns only: existing rows are untouched.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('request_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.String(length=40), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('version IS NOT NULL OR period IS NOT NULL', name=op.f('ck_request_targets_version_or_period')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_request_targets_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_id'], ['request_targets.id'], name=op.f('fk_request_targets_previous_id_request_targets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_request_targets_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_targets'))
    )
    with op.batch_alter_table('request_targets', schema=None) as batch_op:
        batch_op.create_index('ix_request_targets_thread', ['thread_id', 'id'], unique=False)

    op.create_table('version_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=40), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_version_aliases_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_version_aliases_board_id_boards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_aliases')),
    sa.UniqueConstraint('board_id', 'alias', name=op.f('uq_version_aliases_board_id'))
    )
    with op.batch_alter_table('version_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_aliases_board_id'), ['board_id'], unique=False)

    op.create_table('board_label_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_board_label_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_board_label_changes_board_id_boards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_label_changes'))
    )
    with op.batch_alter_table('board_label_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_label_changes_board_id'), ['board_id'], unique=False)

    # Plain ADD COLUMN, never a batch copy of these tables: on SQLite a batch recreates the table and
    # dropping the old one would cascade to every row that references it (follows, votes…).
    op.add_column('threads', sa.Column('target_version', sa.String(length=40), nullable=True))
    op.add_column('threads', sa.Column('target_period', sa.String(length=7), nullable=True))
    op.add_column('threads', sa.Column('target_due_on', sa.Date(), nullable=True))
    op.add_column('threads', sa.Column('target_slips', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.create_index('ix_threads_board_request_status', 'threads', ['board_id', 'status', 'score'], unique=False,
                    sqlite_where=sa.text("kind = 'request' AND deleted_at IS NULL"),
                    postgresql_where=sa.text("kind = 'request' AND deleted_at IS NULL"))
    op.create_index('ix_threads_board_target_due', 'threads', ['board_id', 'target_due_on'], unique=False,
                    sqlite_where=sa.text('target_due_on IS NOT NULL'),
                    postgresql_where=sa.text('target_due_on IS NOT NULL'))
    op.add_column('livrables', sa.Column('notes_public', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('livrable_items', sa.Column('target_period', sa.String(length=7), nullable=True))
    op.add_column('livrable_items', sa.Column('target_due_on', sa.Date(), nullable=True))
    op.add_column('livrable_items', sa.Column('target_slips', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('editor_contact', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('editors', sa.Column('contact_note', sa.String(length=255), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite ≥ 3.35), for the same reason as the upgrade's ADD COLUMN.
    op.drop_column('editors', 'contact_note')
    op.drop_column('users', 'editor_contact')
    for column in ('target_slips', 'target_due_on', 'target_period'):
        op.drop_column('livrable_items', column)
    op.drop_column('livrables', 'notes_public')
    op.drop_index('ix_threads_board_target_due', table_name='threads')
    op.drop_index('ix_threads_board_request_status', table_name='threads')
    for column in ('target_slips', 'target_due_on', 'target_period', 'target_version'):
        op.drop_column('threads', column)
    with op.batch_alter_table('board_label_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_label_changes_board_id'))
    op.drop_table('board_label_changes')
    with op.batch_alter_table('version_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_aliases_board_id'))
    op.drop_table('version_aliases')
    with op.batch_alter_table('request_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_request_targets_thread')
    op.drop_table('request_targets')
