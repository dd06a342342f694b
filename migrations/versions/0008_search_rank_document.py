"""search_documents.rank_document: a small tsvector (title and start of the body) to order by.

Ordering by ts_rank over the whole-thread `document` read (de-TOASTed) the full text of every
thread a search matched: under the mixed benchmark, the search statement was 80 % of the
PostgreSQL server's time. Matching still uses `document` and its GIN index. Existing rows are
filled here from the stored title and body (same analysis as forum.search.pg_backend.UPSERT).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# forum.search.pg_schema.RANK_BODY_CHARS when this migration was written.
RANK_BODY_CHARS = 1000


def _folded(sql: str, weight: str) -> str:
    return f"setweight(unaccent(to_tsvector('french', {sql})::text)::tsvector, '{weight}')"


def upgrade():
    op.add_column("search_documents", sa.Column(
        "rank_document", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ALTER COLUMN rank_document SET STORAGE MAIN")
        op.execute(f"UPDATE search_documents SET rank_document = {_folded('title', 'A')} || "
                   f"{_folded(f'left(body, {RANK_BODY_CHARS})', 'B')}")


def downgrade():
    with op.batch_alter_table("search_documents") as batch:
        batch.drop_column("rank_document")
