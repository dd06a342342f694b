"""The PostgreSQL full-text index: one `search_documents` row per visible thread.

Why a table of its own rather than a generated tsvector column on threads: a thread's text is its
title plus all its visible posts, which live in another table; a generated column can only read
its own row. The row is written from the same durable IndexTask queue as the Whoosh index, so
both backends follow every change the same way (after the commit, retried on failure).

Why `french` plus unaccent applied to the lexemes (stem first, then fold) rather than a
configuration that unaccents before stemming: Snowball reads the accents. "infirmière" and
"infirmier" share the stem "infirmi" only when the stemmer sees the accent (unaccented first,
"infirmiere" stems to "infirmier"); likewise "planifiée"/"planifier". The Whoosh analyser
makes the same choice (forum.search.analysis), so both backends agree on what matches.

On SQLite the table exists (so the schema is the same everywhere) but stays empty; the unaccent
extension exists only on PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import DDL, BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR

from forum.extensions import db

# The stock configuration: French Snowball stemmer and French stop words.
TEXT_SEARCH_CONFIG = "french"
# Only this much of a thread's text goes into its tsvector (PostgreSQL refuses a tsvector above
# 1 MB; positions stop counting at 16,383 anyway).
MAX_INDEXED_CHARS = 300_000
# Only this much of the body is kept for excerpts (forum.search.excerpts reads it at display time).
MAX_STORED_BODY_CHARS = 30_000
# The ranking vector reads the title and only this much of the body (the question or request
# itself, the start of the replies): small enough to stay in the row, so ranking the thousands of
# threads a common word matches never de-TOASTs their whole-thread documents.
RANK_BODY_CHARS = 1_000

search_documents = Table(
    "search_documents",
    db.metadata,
    # Deleting a thread for good (not a soft delete) takes its document with it.
    Column("thread_id", Integer, ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("title", Text, nullable=False),
    # Plain text of the visible posts, joined by POST_SEPARATOR, cut at MAX_STORED_BODY_CHARS.
    Column("body", Text, nullable=False),
    # Title (weight A) above body (B) above author name (C); lexemes stemmed then unaccented.
    Column("document", TSVECTOR().with_variant(Text(), "sqlite"), nullable=False),
    # What results are ordered by: title (A) and the first RANK_BODY_CHARS of the body (B), same
    # analysis. Matching still uses `document` (every word of the thread); a thread matched only
    # deep in its replies ranks after those matched at their head, by date (migration 0008).
    Column("rank_document", TSVECTOR().with_variant(Text(), "sqlite"), nullable=True),
    # Copies of the thread's filter and sort values (migration 0009), written with the document:
    # a search reads this table alone instead of joining every matching thread. Like the Whoosh
    # index, they may lag a change by the time its index task takes; the results page loads the
    # threads themselves, so a thread deleted meanwhile never shows.
    Column("board_id", Integer, nullable=True),
    Column("kind", String(16), nullable=True),
    Column("status", String(16), nullable=True),
    # Milliseconds since the epoch, as in the Whoosh index (forum.search.documents).
    Column("last_activity_ms", BigInteger, nullable=True),
)

# GIN on PostgreSQL. SQLite gets a plain index on the (empty) column: a PostgreSQL-only index
# would make Alembic's comparison of models and database differ on one of the two.
Index("ix_search_documents_document", search_documents.c.document, postgresql_using="gin")

# unaccent is a trusted extension (PostgreSQL ≥ 13): the database owner may create it.
event.listen(search_documents, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS unaccent").execute_if(dialect="postgresql"))

# Ranking de-TOASTs the tsvector of every matching thread: lz4 reads it several times faster than
# the default pglz (migration 0007 does the same on existing databases). Skipped on a PostgreSQL
# built without lz4.
USE_LZ4 = ("DO $$ BEGIN IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' "
           "AND 'lz4' = ANY(enumvals)) THEN ALTER TABLE search_documents ALTER COLUMN document "
           "SET COMPRESSION lz4; END IF; END $$")
event.listen(search_documents, "after_create", DDL(USE_LZ4).execute_if(dialect="postgresql"))
# Kept in the row (compressed if need be) rather than moved to the TOAST table.
KEEP_RANK_INLINE = "ALTER TABLE search_documents ALTER COLUMN rank_document SET STORAGE MAIN"
event.listen(search_documents, "after_create", DDL(KEEP_RANK_INLINE).execute_if(dialect="postgresql"))


def folded_vector(param: str, weight: str) -> str:
    """SQL of the weighted tsvector of the bound text `:param`: French stems, then unaccented
    (the text form of a tsvector is unaccented and read back; equal lexemes merge)."""
    return (f"setweight(unaccent(to_tsvector('{TEXT_SEARCH_CONFIG}', :{param})::text)::tsvector, "
            f"'{weight}')")
