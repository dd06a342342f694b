"""Migration 0013 on an existing database (SQLite and PostgreSQL): nothing is lost, and the follows
the product now makes automatically are given to existing content (authors and repliers follow
their threads, voters their requests)."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from forum.extensions import db
from tests.migrations import migrating, scratch_database

ROWS = [
    "INSERT INTO editors (id, slug, name) VALUES (1, 'ed', 'Éditeur')",
    "INSERT INTO boards (id, slug, name, editor_id, is_general, position, votes_require_usage, created_at,"
    " question_count, tip_count, request_count, post_count) "
    "VALUES (1, 'chorus', 'Chorus', 1, false, 0, true, '2026-01-01 00:00:00', 0, 0, 1, 2)",
    *(f"INSERT INTO users (id, email, display_name, profession, role, created_at, post_count, session_version) "
      f"VALUES ({n}, 'm{n}@example.org', 'Membre {n}', 'autre', 'member', '2026-01-01 00:00:00', 0, 0)"
      for n in (1, 2, 3)),
    "INSERT INTO threads (id, board_id, author_id, kind, title, created_at, last_activity_at, pinned, locked,"
    " reply_count, status, score, vote_count, uncounted_vote_count, structure_count, profession_count, useful_count)"
    " VALUES (1, 1, 1, 'request', 'Une demande ancienne', '2026-01-01 00:00:00', '2026-01-02 00:00:00', false,"
    " false, 1, 'nouvelle', 1, 1, 0, 1, 1, 0)",
    "INSERT INTO posts (id, thread_id, author_id, is_first, body_source, body_html, created_at, revision_count)"
    " VALUES (1, 1, 1, true, 'Texte', '<p>Texte</p>', '2026-01-01 00:00:00', 0),"
    " (2, 1, 2, false, 'Réponse', '<p>Réponse</p>', '2026-01-02 00:00:00', 0)",
    "INSERT INTO votes (id, thread_id, user_id, importance, created_at, updated_at)"
    " VALUES (1, 1, 3, 'utile', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
]


@pytest.fixture
def database_at_0012(tmp_path):
    with scratch_database(tmp_path, "upgrade_0013") as url:
        yield url


def test_upgrade_keeps_everything_and_gives_existing_content_its_follows(database_at_0012):
    with migrating(database_at_0012):
        upgrade(revision="0012")
        for statement in ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        follows = db.session.execute(text(
            "SELECT user_id, thread_id, level, reason FROM thread_follows ORDER BY user_id")).all()
        users = db.session.execute(text(
            "SELECT id, email, letter_period FROM users ORDER BY id")).all()
        posts = db.session.scalar(text("SELECT count(*) FROM posts"))
    assert [tuple(row) for row in follows] == [(1, 1, "watching", "author"), (2, 1, "watching", "reply"),
                                               (3, 1, "normal", "vote")]
    assert [tuple(row) for row in users] == [(n, f"m{n}@example.org", None) for n in (1, 2, 3)]
    assert posts == 2
