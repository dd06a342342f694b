"""PostgreSQL as a first-class database: every migration runs there, up and down, and gives exactly
the models' schema, with the unaccent extension and a GIN index for search (`make test-pg`)."""
from __future__ import annotations

import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from forum import create_app
from forum.extensions import db
from tests.conftest import scratch_postgres_database

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def empty_database():
    """A second, empty database in the test cluster."""
    with scratch_postgres_database("migrations") as url:
        yield url


DOCUMENT_COMPRESSION = ("SELECT attcompression FROM pg_attribute WHERE attrelid = 'search_documents'::regclass "
                        "AND attname = 'document'")


def _keep_loggers_enabled():
    """Alembic's env.py calls logging.fileConfig, which disables every logger already created;
    the tests that read log lines (caplog) must not depend on whether this test ran first."""
    return [logger for logger in logging.root.manager.loggerDict.values()
            if isinstance(logger, logging.Logger) and not logger.disabled]


def test_migrations_run_up_and_down_on_postgresql_and_match_the_models(empty_database):
    enabled = _keep_loggers_enabled()
    app = create_app({"DATABASE_URL": empty_database, "SECRET_KEY": "x", "TESTING": True})
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                        db.metadata)
                index = conn.scalar(text("SELECT indexdef FROM pg_indexes "
                                         "WHERE indexname = 'ix_search_documents_document'"))
                extension = conn.scalar(text("SELECT extname FROM pg_extension WHERE extname = 'unaccent'"))
                compression = conn.scalar(text(DOCUMENT_COMPRESSION))
            assert diff == []
            assert "USING gin (document)" in index and extension == "unaccent"
            assert compression == "l"  # lz4 (migration 0007): ranking reads every matching document
            downgrade(revision="base")
            with db.engine.connect() as conn:
                left = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
            assert left == ["alembic_version"]
            db.engine.dispose()
    finally:
        for logger in enabled:
            logger.disabled = False


def test_migrations_0008_0009_fill_documents_indexed_before_them(empty_database):
    """An existing PostgreSQL index keeps working across the upgrade: its rows get their ranking
    vector from the stored title and body, and results are ordered by it."""
    from forum import search
    from forum.search.documents import build_documents
    from forum.search.postgres.updates import write_documents
    from tests.factories import make_thread

    enabled = _keep_loggers_enabled()
    app = create_app({"DATABASE_URL": empty_database, "SECRET_KEY": "x", "TESTING": True,
                      "SEARCH_BACKEND": "postgres"})
    try:
        with app.app_context():
            upgrade()
            in_title = make_thread(title="Agenda partagé des infirmières", body="Comment faire ?")
            in_body = make_thread(title="Question d'organisation", body="Notre agenda déborde.")
            db.session.commit()
            write_documents(db.session, build_documents(db.session, [in_title.id, in_body.id]))
            db.session.commit()
            downgrade(revision="0007")  # the index as it was before 0008 and 0009
            upgrade()
            filled = db.session.scalar(text("SELECT count(*) FROM search_documents WHERE rank_document IS NOT NULL "
                                            "AND board_id IS NOT NULL AND kind = 'question' "
                                            "AND last_activity_ms > 0"))  # 0009's copies too
            with app.test_request_context():
                ids = [hit.thread.id for hit in search.query("agenda").hits]
            assert filled == 2
            assert ids == [in_title.id, in_body.id]  # the title match first
            db.session.remove()
            db.engine.dispose()
    finally:
        for logger in enabled:
            logger.disabled = False
