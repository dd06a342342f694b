"""threads.vote_breakdown: counted votes by importance and by profession, stored with the figures.

The ranked page and a request's panel counted them with a GROUP BY over the votes of the rows
shown, at every view (about a seventh of the ranked page). They are now written with the other
ranking figures (services.ranking.refresh_scores). Existing requests keep NULL, which pages still
count, until their figures are next refreshed: `flask --app forum recount` refreshes them all.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("threads", sa.Column("vote_breakdown", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("vote_breakdown")
