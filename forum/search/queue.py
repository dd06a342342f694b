"""The durable queue of index updates (forum.models.IndexTask) as both backends drain it.

A change commits its task row with itself (forum.services.indexing); a backend applies tasks
after the commit, in batches, and deletes them only once its index holds the documents, so a
failure leaves them queued for the next writer. Applying a task twice is harmless: each document
is rewritten from the database. How a backend keeps two writers apart is its own business
(forum.search.whoosh.updates, forum.search.postgres.updates).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from forum.models import IndexTask, Thread

log = logging.getLogger(__name__)

BATCH = 200          # tasks applied per index commit
MAX_ROUNDS = 20      # batches per call, so one request never drains a huge backlog alone
DELETE_CHUNK = 500   # ids per DELETE statement (SQLite's bound-parameter limit)


class ReindexError(Exception):
    """A rebuild could not run; `message` is French and shown by the CLI."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def drain(apply_round: Callable[[], tuple[int, bool]]) -> int:
    """Call `apply_round` (-> tasks applied, more left) up to MAX_ROUNDS times; the total
    applied. Never raises: on any failure the tasks stay queued and the next call retries."""
    applied = 0
    try:
        for _ in range(MAX_ROUNDS):
            count, more = apply_round()
            applied += count
            if not more:
                break
    except Exception:
        log.exception("search index update failed; tasks stay queued")
    return applied


def next_tasks(session: Session) -> tuple[list[int], list[int]]:
    """(task ids, thread ids) of the next batch, oldest first."""
    tasks = session.execute(select(IndexTask.id, IndexTask.thread_id).order_by(IndexTask.id).limit(BATCH)).all()
    return [task.id for task in tasks], [task.thread_id for task in tasks]


def any_task(session: Session) -> bool:
    return session.scalar(select(IndexTask.id).limit(1)) is not None


def delete_tasks(session: Session, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), DELETE_CHUNK):
        session.execute(delete(IndexTask).where(IndexTask.id.in_(ids[start:start + DELETE_CHUNK])))


def rebuild_scope(session: Session) -> tuple[list[int], list[int]]:
    """(every queued task id, every visible thread id): what a rebuild covers."""
    covered = list(session.scalars(select(IndexTask.id)))
    ids = list(session.scalars(select(Thread.id).where(Thread.deleted_at.is_(None)).order_by(Thread.id)))
    return covered, ids


def counts(session: Session) -> dict:
    """Visible threads and queued tasks, for `flask search status`."""
    return {"threads": session.scalar(select(func.count()).select_from(Thread).where(Thread.deleted_at.is_(None))),
            "pending": session.scalar(select(func.count()).select_from(IndexTask))}
