"""Queue search-index updates in the same transaction as the change they follow."""
from __future__ import annotations

from forum.extensions import db
from forum.models import IndexTask


def enqueue_thread(thread_id: int) -> None:
    """Record that thread `thread_id` (its title, posts, status, board…) must be re-indexed.

    The row is committed with the change itself; forum.search applies it after the commit.
    """
    db.session.add(IndexTask(thread_id=thread_id))
    db.session.info["index_pending"] = True
