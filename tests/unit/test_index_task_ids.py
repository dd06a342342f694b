"""Search-index task ids are never reused: a worker deletes the ids it applied after its index commit,
and a newer task given a reused id would be deleted unapplied (a lost update, seen under load)."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import IndexTask
from forum.search import queue


def test_a_task_queued_after_the_queue_emptied_survives_a_late_delete(app):
    db.session.add(IndexTask(thread_id=10))
    db.session.commit()
    applied_by_slow_worker, _ = queue.next_tasks(db.session)  # read, index committed, not yet deleted
    db.session.commit()
    queue.delete_tasks(db.session, applied_by_slow_worker)  # another worker applied and deleted it
    db.session.commit()
    db.session.add(IndexTask(thread_id=20))  # a newer change, queued once the queue is empty
    db.session.commit()

    queue.delete_tasks(db.session, applied_by_slow_worker)  # the slow worker's delete comes last
    db.session.commit()

    assert list(db.session.scalars(select(IndexTask.thread_id))) == [20]
