"""Migration 0015 on an existing database (SQLite and PostgreSQL): adding the commitments' columns
to threads, users, livrables and editors loses nothing — in particular no row that references a
thread (follows, votes, posts) — and going back down to 0014 keeps everything too."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from forum.extensions import db
from tests.migrations import migrating, scratch_database
from tests.unit.test_migration_notifications import ROWS

FOLLOW = ("INSERT INTO thread_follows (user_id, thread_id, level, reason, created_at) "
          "VALUES (2, 1, 'muted', 'manual', '2026-01-03 00:00:00')")


@pytest.fixture
def database_url(tmp_path):
    with scratch_database(tmp_path, "upgrade_0015") as url:
        yield url


def _snapshot() -> dict:
    """The rows that matter, read in a transaction closed at once: the migration's ALTER TABLE
    (another connection) would wait for it on PostgreSQL."""
    query = {"follows": "SELECT user_id, thread_id, level FROM thread_follows ORDER BY user_id",
             "votes": "SELECT user_id, thread_id FROM votes", "posts": "SELECT id FROM posts ORDER BY id",
             "threads": "SELECT id, title FROM threads", "users": "SELECT id, email FROM users ORDER BY id"}
    rows = {name: [tuple(row) for row in db.session.execute(text(sql)).all()] for name, sql in query.items()}
    db.session.commit()
    return rows


def test_upgrade_and_downgrade_keep_every_row(database_url):
    with migrating(database_url):
        upgrade(revision="0012")
        for statement in ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade(revision="0014")
        db.session.execute(text("DELETE FROM thread_follows WHERE user_id = 2"))
        db.session.execute(text(FOLLOW))
        db.session.commit()
        before = _snapshot()
        upgrade()
        after = _snapshot()
        defaults = tuple(db.session.execute(text(
            "SELECT t.target_slips, t.target_due_on, u.editor_contact FROM threads t, users u WHERE u.id = 1")).one())
        db.session.commit()
        downgrade(revision="0014")
        back = _snapshot()
    assert len(before["follows"]) == 3 and (2, 1, "muted") in before["follows"]
    assert after == before and back == before
    assert defaults == (0, None, False)
