"""Keeping the search_documents table true: the durable queue applied after the commit like Whoosh,
but in one database transaction (documents written and tasks deleted together) under an advisory
lock, so two workers never write an older state of a thread over a newer one; and rebuilds.
"""
from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from forum import db_statistics
from forum.extensions import db
from forum.search import queue
from forum.search.backend import Progress
from forum.search.documents import Document, build_documents
from forum.search.postgres.schema import (
    MAX_INDEXED_CHARS,
    MAX_STORED_BODY_CHARS,
    RANK_BODY_CHARS,
    folded_vector,
    search_documents,
)
from forum.search.queue import BATCH, ReindexError

log = logging.getLogger(__name__)

# Advisory lock keys (any constants unique to this application): one applier at a time, and the
# rebuild, which appliers do not wait for.
APPLY_LOCK = 4_657_301
REINDEX_LOCK = 4_657_302
# Whether a rebuild holds its lock (a bigint advisory key shows as classid 0, objid key, objsubid 1).
REINDEX_RUNNING = text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                       "AND classid = 0 AND objid = :key AND objsubid = 1 AND database = "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()))")
UPSERT = text(
    "INSERT INTO search_documents (thread_id, title, body, document, rank_document, board_id, kind, status, "
    "last_activity_ms) VALUES (:thread_id, :title, :stored_body, "
    f"{folded_vector('title', 'A')} || {folded_vector('body', 'B')} || {folded_vector('author', 'C')}, "
    f"{folded_vector('title', 'A')} || {folded_vector('rank_body', 'B')}, :board_id, :kind, :status, "
    ":last_activity_ms) ON CONFLICT (thread_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "document = excluded.document, rank_document = excluded.rank_document, board_id = excluded.board_id, "
    "kind = excluded.kind, status = excluded.status, last_activity_ms = excluded.last_activity_ms")


def apply_pending() -> int:
    """Apply queued index updates; returns how many tasks were applied. Never raises: on any
    failure the tasks stay queued and the next call retries."""
    timeout = float(current_app.config.get("SEARCH_LOCK_TIMEOUT", 10.0))
    return queue.drain(lambda: _apply_round(timeout))


def _apply_round(timeout: float) -> tuple[int, bool]:
    with Session(db.engine) as session:
        if not queue.any_task(session):
            return 0, False
        session.rollback()
        if not _lock_for_apply(session, timeout):
            return 0, False
        # Read after the lock (READ COMMITTED: each statement sees every earlier commit), so a
        # change committed later has its own task, not among the ones deleted here.
        ids, thread_ids = queue.next_tasks(session)
        write_documents(session, build_documents(session, thread_ids))
        queue.delete_tasks(session, ids)
        session.commit()
    return len(ids), len(ids) == BATCH


def _lock_for_apply(session: Session, timeout: float) -> bool:
    """Take the appliers' lock for this transaction; False when a rebuild runs (it applies the
    queue itself when done) or another applier keeps it for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if session.scalar(REINDEX_RUNNING, {"key": REINDEX_LOCK}):
            log.info("search index rebuild running; updates stay queued")
            return False
        if session.scalar(select(func.pg_try_advisory_xact_lock(APPLY_LOCK))):
            return True
        if time.monotonic() >= deadline:
            log.info("search index busy; updates stay queued for the next writer")
            return False
        session.rollback()
        time.sleep(0.02)


def write_documents(session: Session, docs: dict[int, Document | None]) -> None:
    """Upsert the documents of visible threads, delete those of vanished ones."""
    gone = [tid for tid, doc in docs.items() if doc is None]
    if gone:
        session.execute(delete(search_documents).where(search_documents.c.thread_id.in_(gone)))
    rows = [_row(doc) for doc in docs.values() if doc is not None]
    if rows:
        session.execute(UPSERT, rows)


def _row(doc: Document) -> dict:
    return {"thread_id": doc.id, "title": doc.title, "body": doc.body[:MAX_INDEXED_CHARS],
            "stored_body": doc.body[:MAX_STORED_BODY_CHARS], "rank_body": doc.body[:RANK_BODY_CHARS],
            "author": doc.author, "board_id": doc.board_id, "kind": doc.kind, "status": doc.status,
            "last_activity_ms": doc.last_activity_ms}


def reindex(progress: Progress | None = None, batch: int = 500) -> int:
    """Rebuild every document in one transaction: searches see the old documents until the
    commit. Returns the number of threads indexed; raises ReindexError when another rebuild runs."""
    with Session(db.engine) as session:
        if not session.scalar(select(func.pg_try_advisory_xact_lock(REINDEX_LOCK))):
            raise ReindexError("Une reconstruction de l'index est déjà en cours.")
        session.execute(text("SET LOCAL lock_timeout = '60s'"))
        session.execute(select(func.pg_advisory_xact_lock(APPLY_LOCK)))
        covered, ids = queue.rebuild_scope(session)
        session.execute(delete(search_documents))
        for start in range(0, len(ids), batch):
            write_documents(session, build_documents(session, ids[start:start + batch]))
            session.expunge_all()
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
        if progress and not ids:
            progress(0, 0)
        queue.delete_tasks(session, covered)
        session.commit()
    db_statistics.refresh("search_documents")  # the new documents' lexemes
    apply_pending()  # changes made during the rebuild
    return len(ids)


def status() -> dict:
    """Documents in the table, visible threads and queued tasks (same keys as the Whoosh status)."""
    info: dict = {"directory": "PostgreSQL (table search_documents)", "generation": None,
                  "documents": None, "error": None}
    with Session(db.engine) as session:
        info.update(queue.counts(session))
        try:
            info["documents"] = session.scalar(select(func.count()).select_from(search_documents))
        except Exception as exc:
            info["error"] = f"table search_documents illisible : {exc.__class__.__name__}"
    if info["error"] is None and info["documents"] == 0 and info["threads"]:
        info["error"] = "index vide alors que des sujets existent"
    return info
