"""Search: the only package that imports whoosh. Interface used by the rest of the app.

- init_app(app): after a request whose transaction queued index updates, apply them after the
  commit, never before: once the response is sent, or batched per worker every SEARCH_APPLY_DELAY
  seconds (SEARCH_SYNC_AFTER_REQUEST switches it off).
- apply_pending(): apply the durable queue of index updates (forum.models.IndexTask).
- query(q, board=, kind=, status=, sort=, page=): threads matching a search, with excerpts.
- similar_requests(board_id, text, limit=5): open requests like `text` (duplicate hint);
  similar_scored(...) with their scores (forum.search.similarity: the relevance threshold).
- reindex(progress=): rebuild the index from the database (Whoosh: beside the live one, then swapped in).
- status(): figures for `flask search status`.

Inside: forum.search.engine parses the search box once into a neutral plan (forum.search.plan)
and hands it to one backend (forum.search.backend.SearchBackend), chosen by SEARCH_BACKEND here
and nowhere else: "whoosh" (default: an index directory on this host's disk) or "postgres" (a
table of the database, for deployments with several application hosts).
"""
from __future__ import annotations

import threading

from flask import Flask, Response, current_app

from forum.extensions import db
from forum.search import engine, postgres, similarity, whoosh
from forum.search.backend import SearchBackend
from forum.search.queue import ReindexError
from forum.search.results import PER_PAGE, SearchHit, SearchResults

__all__ = ["ReindexError", "SearchHit", "SearchResults", "apply_pending", "init_app", "query",
           "reindex", "similar_requests", "similar_scored", "status"]

BACKENDS: dict[str, SearchBackend] = {"whoosh": whoosh, "postgres": postgres}


def backend() -> SearchBackend:
    """The backend of the current app (SEARCH_BACKEND, checked by init_app)."""
    return BACKENDS[current_app.config.get("SEARCH_BACKEND") or "whoosh"]


def query(q: str | None, board: str | None = None, kind: str | None = None, status: str | None = None,
          sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResults:
    """Threads matching a search. Never raises for bad input: the answer then carries a French
    message; when the index fails, the database answers with a notice."""
    return engine.query(backend(), q, board=board, kind=kind, status=status, sort=sort, page=page,
                        per_page=per_page)


def similar_requests(board_id: int, text: str, limit: int = 5) -> list:
    """Open requests of the board like the title `text` (the duplicate hint, above its relevance
    threshold: forum.search.similarity). Never raises."""
    return [thread for thread, _ in similar_scored(board_id, text, limit)]


def similar_scored(board_id: int, text: str, limit: int = 5, threshold: float | None = None) -> list:
    """(open request, score from 0 to 1) like the title `text`, best first, scoring at least
    `threshold` (default: the hint's, similarity.HINT_THRESHOLD). Never raises."""
    return engine.similar_requests(backend(), board_id, text, limit,
                                   similarity.HINT_THRESHOLD if threshold is None else threshold)


def apply_pending() -> int:
    """Apply the durable queue of index updates; returns how many were applied. Never raises."""
    return backend().apply_pending()


def reindex(progress=None, batch: int = 500) -> int:
    """Rebuild the whole index from the database. Raises ReindexError."""
    return backend().reindex(progress=progress, batch=batch)


def init_app(app: Flask) -> None:
    """Check the backend, then apply queued index updates after each request that queued some.

    The view has committed by the time after_request runs. In production the work happens in the
    response's close callback, once the body is sent, so users never wait for the index; the test
    client does not close responses, so under TESTING it happens before returning.
    """
    name = app.config.get("SEARCH_BACKEND") or "whoosh"
    if name not in BACKENDS:
        raise ValueError(f"SEARCH_BACKEND={name!r}: expected one of {', '.join(BACKENDS)}")
    if name == "postgres" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise ValueError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")

    app.extensions["search_batcher"] = _Batcher()

    @app.after_request
    def _apply_index_queue(response: Response) -> Response:
        if not app.config.get("SEARCH_SYNC_AFTER_REQUEST"):
            return response
        if not db.session.registry.has() or not db.session.info.pop("index_pending", False):
            return response
        delay = float(app.config.get("SEARCH_APPLY_DELAY") or 0)
        if app.testing:
            apply_pending()
        elif delay > 0:
            batcher(app).schedule(app, delay)
        else:
            response.call_on_close(lambda: _apply_in_context(app))
        return response


def _apply_in_context(app: Flask) -> None:
    with app.app_context():
        apply_pending()


def batcher(app: Flask) -> _Batcher:
    """The app's batcher. One per app, not per process: a run waiting for one app (its database,
    its index directory) must not stand for another app's writes (tests build an app per test)."""
    return app.extensions["search_batcher"]


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



def status() -> dict:
    """Where the index is, its documents, visible threads and queued tasks."""
    return backend().status()
