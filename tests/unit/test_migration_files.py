"""Migration 0016 on an existing database (SQLite and PostgreSQL): adding the tables of files, the
FAQ and the document base loses no row; the new tables take rows; going back down to 0015 drops
them and keeps everything that was there before."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from forum.extensions import db
from tests.migrations import migrating, scratch_database
from tests.unit.test_migration_notifications import ROWS

NEW_ROWS = [
    "INSERT INTO attachments (id, key, post_id, uploader_id, kind, extension, mime, safe_name, size, position,"
    " created_at) VALUES (1, 'k1', 2, 2, 'image', 'png', 'image/png', 'ecran.png', 120, 0, '2026-02-01 00:00:00')",
    "INSERT INTO faq_sections (id, board_id, title, position) VALUES (1, 1, 'Ordonnances', 0)",
    "INSERT INTO faq_entries (id, board_id, section_id, status, question, answer_source, answer_html, position,"
    " created_at, updated_at) VALUES (1, 1, 1, 'published', 'Comment ?', 'Ainsi.', '<p>Ainsi.</p>', 0,"
    " '2026-02-01 00:00:00', '2026-02-01 00:00:00')",
    "INSERT INTO faq_entry_sources (entry_id, thread_id, post_id) VALUES (1, 1, 2)",
    "INSERT INTO documents (id, board_id, title, description, category, uploader_id, created_at, updated_at)"
    " VALUES (1, 1, 'Protocole', 'Un protocole', 'protocole', 1, '2026-02-01 00:00:00', '2026-02-01 00:00:00')",
    "INSERT INTO document_versions (id, document_id, number, attachment_id, uploader_id, created_at)"
    " VALUES (1, 1, 1, 1, 1, '2026-02-01 00:00:00')",
]
NEW_TABLES = {"attachments", "faq_sections", "faq_entries", "faq_entry_sources", "documents",
              "document_versions", "post_revision_attachments"}


@pytest.fixture
def database_url(tmp_path):
    with scratch_database(tmp_path, "upgrade_0016") as url:
        yield url


def _snapshot() -> dict:
    """The rows that matter, read in a transaction closed at once (PostgreSQL's ALTER TABLE waits)."""
    query = {"votes": "SELECT user_id, thread_id FROM votes", "posts": "SELECT id, body_source FROM posts ORDER BY id",
             "threads": "SELECT id, title FROM threads", "users": "SELECT id, email FROM users ORDER BY id",
             "boards": "SELECT id, slug FROM boards"}
    rows = {name: [tuple(row) for row in db.session.execute(text(sql)).all()] for name, sql in query.items()}
    db.session.commit()
    return rows


def _tables() -> set[str]:
    names = set(inspect(db.engine).get_table_names())
    db.session.commit()
    return names


def test_upgrade_to_0016_and_back_keeps_every_row(database_url):
    with migrating(database_url):
        upgrade(revision="0012")
        for statement in ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade(revision="0015")
        before = _snapshot()
        upgrade(revision="0016")
        after = _snapshot()
        for statement in NEW_ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        stored = tuple(db.session.execute(text(
            "SELECT (SELECT COUNT(*) FROM attachments), (SELECT COUNT(*) FROM faq_entries),"
            " (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM document_versions)")).one())
        db.session.commit()
        with_new = _tables()
        downgrade(revision="0015")
        back = _snapshot()
        without = _tables()
    assert len(before["posts"]) == 2 and len(before["users"]) == 3
    assert after == before and back == before
    assert stored == (1, 1, 1, 1)
    assert NEW_TABLES <= with_new and not NEW_TABLES & without
