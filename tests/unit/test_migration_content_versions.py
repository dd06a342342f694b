"""Migration 0017 on an existing database (SQLite and PostgreSQL): adding the content versions to
threads and boards (plain ADD COLUMN, no batch copy that would cascade deletions to the rows that
reference them) loses no row; existing rows start at version 0, the site's row exists; going back
down to 0016 keeps everything too."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from forum.extensions import db
from tests.migrations import migrating, scratch_database
from tests.unit.test_migration_notifications import ROWS


@pytest.fixture
def database_url(tmp_path):
    with scratch_database(tmp_path, "upgrade_0017") as url:
        yield url


def _snapshot() -> dict:
    """The rows that matter, read in a transaction closed at once (PostgreSQL's ALTER TABLE waits)."""
    query = {"votes": "SELECT user_id, thread_id FROM votes ORDER BY user_id, thread_id",
             "posts": "SELECT id, thread_id, body_source FROM posts ORDER BY id",
             "threads": "SELECT id, title, board_id FROM threads ORDER BY id",
             "users": "SELECT id, email FROM users ORDER BY id", "boards": "SELECT id, slug FROM boards ORDER BY id"}
    rows = {name: [tuple(row) for row in db.session.execute(text(sql)).all()] for name, sql in query.items()}
    db.session.commit()
    return rows


def _columns(table: str) -> set[str]:
    names = {column["name"] for column in inspect(db.engine).get_columns(table)}
    db.session.commit()
    return names


def test_upgrade_to_0017_and_back_keeps_every_row(database_url):
    with migrating(database_url):
        upgrade(revision="0012")
        for statement in ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade(revision="0016")
        before = _snapshot()
        upgrade(revision="0017")
        after = _snapshot()
        versions = tuple(db.session.execute(text(
            "SELECT (SELECT MAX(content_version) FROM threads), (SELECT MAX(content_version) FROM boards),"
            " (SELECT global_version FROM site_versions WHERE id = 1)")).one())
        db.session.commit()
        with_versions = _columns("threads") | _columns("boards")
        downgrade(revision="0016")
        back = _snapshot()
        without = _columns("threads") | _columns("boards")
        tables = set(inspect(db.engine).get_table_names())
        db.session.commit()
    assert before["posts"] and before["votes"] and before["threads"]
    assert after == before and back == before
    assert versions == (0, 0, 0)
    assert "content_version" in with_versions and "content_version" not in without
    assert "site_versions" not in tables
