"""Keeping the Whoosh index true: apply the durable queue of IndexTask rows, and rebuild from scratch.

Why no update is lost with several workers writing at once: a worker first takes the index's
writer lock, and only then opens a database transaction to read the queued tasks and the threads
they name. So whoever holds the lock reads a state at least as new as the previous holder's, and
a change committed after that read has its own task row, not among the ids this worker deletes.
Task rows are deleted only after the Whoosh commit succeeded; applying a task twice is harmless
(each document is rewritten from the database). A rebuild holds the old index's lock from before
its database read until the new index is live, so nothing is written to an index about to vanish.
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import IndexTask
from forum.search import queue
from forum.search.backend import Progress
from forum.search.documents import build_documents
from forum.search.queue import BATCH, ReindexError
from forum.search.whoosh import storage
from forum.search.whoosh.schema import fields

log = logging.getLogger(__name__)


def apply_pending() -> int:
    """Apply queued index updates; returns how many tasks were applied. Never raises: on any
    failure the tasks stay queued (with attempts and last_error) and the next call retries."""
    root = storage.root_dir(current_app.config)
    timeout = float(current_app.config.get("SEARCH_LOCK_TIMEOUT", 10.0))
    return queue.drain(lambda: _apply_round(root, timeout))


def _apply_round(root: Path, timeout: float) -> tuple[int, bool]:
    with Session(db.engine) as session:
        if not queue.any_task(session):
            return 0, False
    writer = _live_writer(root, timeout)
    if writer is None:
        return 0, False
    ids: list[int] = []
    try:
        # The transaction starts now, after the lock: see the docstring of this module.
        with Session(db.engine) as session:
            ids, thread_ids = queue.next_tasks(session)
            docs = build_documents(session, thread_ids)
        for thread_id, doc in docs.items():
            writer.delete_by_term("thread_id", str(thread_id))
            if doc is not None:
                writer.add_document(**fields(doc))
        writer.commit()
        storage.invalidate(root)
    except Exception as exc:
        _cancel_quietly(writer)
        _record_failure(ids, exc)
        log.exception("search index commit failed for %d task(s); they stay queued", len(ids))
        return 0, False
    _delete_tasks(ids)
    return len(ids), len(ids) == BATCH


def _live_writer(root: Path, timeout: float):
    """A writer on the live index, or None (no index, locked too long, rebuild running)."""
    for _ in range(3):
        try:
            name, ix = storage.open_live(root)
        except storage.IndexUnavailable as exc:
            log.warning("%s; updates stay queued until `flask --app forum search reindex`", exc)
            return None
        writer = storage.acquire_writer(ix, timeout, root)
        if writer is None:
            log.info("search index busy; updates stay queued for the next writer")
            return None
        if storage.live_generation(root) == name:
            return writer
        writer.cancel()  # a rebuild swapped the index while we waited: write the new one
    return None


def _cancel_quietly(writer) -> None:
    try:
        writer.cancel()
    except Exception:
        pass


def _record_failure(ids: Sequence[int], exc: Exception) -> None:
    if not ids:
        return
    try:
        with Session(db.engine) as session:
            session.execute(update(IndexTask).where(IndexTask.id.in_(ids))
                            .values(attempts=IndexTask.attempts + 1, last_error=repr(exc)[:1000]))
            session.commit()
    except Exception:
        log.warning("could not record the index failure on the tasks", exc_info=True)


def _delete_tasks(ids: Sequence[int]) -> None:
    try:
        with Session(db.engine) as session:
            queue.delete_tasks(session, ids)
            session.commit()
    except Exception:
        # Harmless: the tasks will be applied once more by the next writer.
        log.warning("could not delete applied index tasks", exc_info=True)


def reindex(progress: Progress | None = None, batch: int = 500) -> int:
    """Rebuild the whole index from the database beside the live one, then swap it in.

    Returns the number of threads indexed. Raises ReindexError when another rebuild runs or the
    live index stays locked. Users keep searching the old index (or the database) meanwhile.
    """
    root = storage.root_dir(current_app.config)
    root.mkdir(parents=True, exist_ok=True)
    with _rebuild_lock(root):
        old_writer = _hold_live_index(root)
        new_path: Path | None = None
        try:
            new_path, ix = storage.new_generation(root)
            writer = ix.writer(limitmb=int(current_app.config.get("SEARCH_REINDEX_MEMORY_MB", 128)),
                               compound=False)  # see forum.search.whoosh.storage
            with Session(db.engine) as session:
                covered, ids = queue.rebuild_scope(session)
                for start in range(0, len(ids), batch):
                    for doc in build_documents(session, ids[start:start + batch]).values():
                        if doc is not None:
                            writer.add_document(**fields(doc))
                    session.expunge_all()
                    if progress:
                        progress(min(start + batch, len(ids)), len(ids))
                if progress and not ids:
                    progress(0, 0)
            writer.commit()
            storage.swap_to(root, new_path)
        except BaseException:
            if new_path is not None and storage.live_generation(root) != new_path.name:
                shutil.rmtree(new_path, ignore_errors=True)
            raise
        finally:
            if old_writer is not None:
                _cancel_quietly(old_writer)
            (root / storage.REINDEX_MARKER).unlink(missing_ok=True)
    _delete_tasks(covered)
    storage.forget_searchers()
    storage.remove_old_generations(root)
    apply_pending()  # changes made during the rebuild
    return len(ids)


class _rebuild_lock:
    """Only one rebuild at a time per index directory (flock: freed if the process dies)."""

    def __init__(self, root: Path) -> None:
        self.path = root / "REINDEX.lock"
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise ReindexError("Une reconstruction de l'index est déjà en cours.") from None

    def __exit__(self, *exc_info) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _hold_live_index(root: Path):
    """Take the live index's writer lock for the whole rebuild (None if there is no usable index,
    which nobody can write either). The marker tells queued writers not to wait for it."""
    (root / storage.REINDEX_MARKER).write_text(str(os.getpid()), encoding="utf-8")
    try:
        _, ix = storage.open_live(root)
    except storage.IndexUnavailable:
        return None
    writer = storage.acquire_writer(ix, timeout=60.0)
    if writer is None:
        (root / storage.REINDEX_MARKER).unlink(missing_ok=True)
        raise ReindexError("L'index est verrouillé par un autre processus depuis plus d'une minute.")
    return writer
