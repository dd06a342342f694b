"""Migration 0018 on an existing database: the search-index queue keeps its tasks, and on SQLite its
ids are never reused afterwards (AUTOINCREMENT); going back down to 0017 keeps the tasks too."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from forum.extensions import db
from tests.migrations import migrating, scratch_database

INSERT = "INSERT INTO index_tasks (thread_id, enqueued_at, attempts) VALUES (:thread, '2026-11-29 10:00:00', 0)"


@pytest.fixture
def database_url(tmp_path):
    with scratch_database(tmp_path, "upgrade_0018") as url:
        yield url


def _tasks() -> list[tuple]:
    rows = [tuple(row) for row in db.session.execute(text("SELECT id, thread_id FROM index_tasks ORDER BY id"))]
    db.session.commit()
    return rows


def test_upgrade_to_0018_keeps_the_queue_and_never_reuses_an_id(database_url):
    with migrating(database_url):
        upgrade(revision="0017")
        for thread in (10, 11, 12):
            db.session.execute(text(INSERT), {"thread": thread})
        db.session.commit()
        upgrade(revision="0018")
        after = _tasks()
        db.session.execute(text("DELETE FROM index_tasks"))  # the queue emptied by a worker
        db.session.execute(text(INSERT), {"thread": 20})
        db.session.commit()
        newer = _tasks()
        db.session.execute(text(INSERT), {"thread": 30})
        db.session.commit()
        downgrade(revision="0017")
        back = _tasks()
    assert after == [(1, 10), (2, 11), (3, 12)]
    assert len(newer) == 1 and newer[0][1] == 20 and newer[0][0] > 3  # not id 1 again
    assert [thread for _, thread in back] == [20, 30]
