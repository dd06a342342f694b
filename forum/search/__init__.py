"""Search: the only package that imports whoosh. Interface used by the rest of the app.

- init_app(app): after a request whose transaction queued index updates, apply them after the
  commit, never before: once the response is sent, or batched per worker every SEARCH_APPLY_DELAY
  seconds (SEARCH_SYNC_AFTER_REQUEST switches it off).
- apply_pending(): apply the durable queue of index updates (forum.models.IndexTask).
- query(q, board=, kind=, status=, sort=, page=): threads matching a search, with excerpts.
- similar_requests(board_id, text, limit=5): open requests like `text` (duplicate hint).
- reindex(progress=): rebuild the index beside the live one, then swap it in.
- status(): figures for `flask search status`.

Two backends sit behind these names, chosen by SEARCH_BACKEND: "whoosh" (default: an index
directory on this host's disk) and "postgres" (forum.search.pg_backend: a table of the database,
for deployments with several application hosts). Swapping engines means this package only.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, Response, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.search import pg_backend, querying, updates
from forum.search.querying import SearchHit, SearchResults
from forum.search.updates import ReindexError

__all__ = ["ReindexError", "SearchHit", "SearchResults", "apply_pending", "init_app", "query",
           "reindex", "similar_requests", "status"]

log = logging.getLogger(__name__)


BACKENDS = ("whoosh", "postgres")


def _postgres() -> bool:
    return current_app.config.get("SEARCH_BACKEND") == "postgres"


def query(q: str | None, **options) -> SearchResults:
    """Threads matching a search (see querying.query for the options)."""
    return pg_backend.query(q, **options) if _postgres() else querying.query(q, **options)


def similar_requests(board_id: int, text: str, limit: int = 5) -> list:
    """Open requests of the board like `text` (the duplicate hint). Never raises."""
    backend = pg_backend if _postgres() else querying
    return backend.similar_requests(board_id, text, limit)


def apply_pending() -> int:
    """Apply the durable queue of index updates; returns how many were applied. Never raises."""
    return pg_backend.apply_pending() if _postgres() else updates.apply_pending()


def reindex(progress=None, batch: int = 500) -> int:
    """Rebuild the whole index from the database. Raises ReindexError."""
    backend = pg_backend if _postgres() else updates
    return backend.reindex(progress=progress, batch=batch)


def init_app(app: Flask) -> None:
    """Check the backend, then apply queued index updates after each request that queued some.

    The view has committed by the time after_request runs. In production the work happens in the
    response's close callback, once the body is sent, so users never wait for the index; the test
    client does not close responses, so under TESTING it happens before returning.
    """
    backend = app.config.get("SEARCH_BACKEND") or "whoosh"
    if backend not in BACKENDS:
        raise ValueError(f"SEARCH_BACKEND={backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend == "postgres" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise ValueError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")

    @app.after_request
    def _apply_index_queue(response: Response) -> Response:
        if not app.config.get("SEARCH_SYNC_AFTER_REQUEST"):
            return response
        if not db.session.info.pop("index_pending", False):
            return response
        delay = float(app.config.get("SEARCH_APPLY_DELAY") or 0)
        if app.testing:
            apply_pending()
        elif delay > 0:
            _batcher.schedule(app, delay)
        else:
            response.call_on_close(lambda: _apply_in_context(app))
        return response


def _apply_in_context(app: Flask) -> None:
    with app.app_context():
        apply_pending()


class _Batcher:
    """Applies the queue from a background thread of this worker, at most one run per
    SEARCH_APPLY_DELAY: a burst of writes costs one index commit instead of one each. Nothing can
    be lost by waiting: the tasks are rows of the database until an index commit has succeeded,
    and any later run (in any worker, or `flask search apply`) applies them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scheduled = False

    def schedule(self, app: Flask, delay: float) -> None:
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        timer = threading.Timer(delay, self._run, args=(app,))
        timer.daemon = True
        timer.start()

    def _run(self, app: Flask) -> None:
        with self._lock:
            self._scheduled = False  # writes from now on schedule the next run
        _apply_in_context(app)


_batcher = _Batcher()


def status() -> dict:
    """Live generation, documents in the index, visible threads and queued tasks."""
    if _postgres():
        return pg_backend.status()
    from forum.models import IndexTask, Thread
    from forum.search import storage

    root = storage.root_dir(current_app.config)
    info: dict = {"directory": str(root), "generation": storage.live_generation(root), "documents": None,
                  "error": None}
    try:
        _, ix = storage.open_live(root)
        info["documents"] = ix.doc_count()
    except storage.IndexUnavailable as exc:
        info["error"] = str(exc)
    with Session(db.engine) as session:
        info["threads"] = session.scalar(select(func.count()).select_from(Thread)
                                         .where(Thread.deleted_at.is_(None)))
        info["pending"] = session.scalar(select(func.count()).select_from(IndexTask))
    return info
