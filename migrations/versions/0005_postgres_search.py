"""search_documents: the PostgreSQL full-text index (SEARCH_BACKEND=postgres)

The table is created everywhere, so the schema is the same on SQLite and PostgreSQL (it stays
empty under the Whoosh backend); the unaccent extension exists only on PostgreSQL, where the
index on the tsvector is a GIN index. Fill it with `flask --app forum search reindex` after setting SEARCH_BACKEND=postgres.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _on_postgresql():
        # A trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.create_table(
        "search_documents",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("document", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"],
                                name=op.f("fk_search_documents_thread_id_threads"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_search_documents")),
    )
    # GIN on PostgreSQL; a plain index on the empty column on SQLite (same schema as the models).
    op.create_index("ix_search_documents_document", "search_documents", ["document"],
                    postgresql_using="gin")


def downgrade():
    op.drop_index("ix_search_documents_document", table_name="search_documents")
    op.drop_table("search_documents")
    # The unaccent extension stays: other objects of the database may use it.
