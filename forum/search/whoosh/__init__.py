"""The Whoosh backend (SEARCH_BACKEND=whoosh, the default): an index directory on this host's disk.

The SearchBackend interface (forum.search.backend): queries in .queries, the index's files and
searchers in .storage, its schema in .schema, BM25F in .scoring, the queue and rebuilds in .updates.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.search import queue
from forum.search.whoosh import storage
from forum.search.whoosh.queries import search, similar
from forum.search.whoosh.updates import apply_pending, reindex

__all__ = ["apply_pending", "reindex", "search", "similar", "status"]


def status() -> dict:
    """Live generation, documents in the index, visible threads and queued tasks."""
    root = storage.root_dir(current_app.config)
    info: dict = {"directory": str(root), "generation": storage.live_generation(root), "documents": None,
                  "error": None}
    try:
        _, ix = storage.open_live(root)
        info["documents"] = ix.doc_count()
    except storage.IndexUnavailable as exc:
        info["error"] = str(exc)
    with Session(db.engine) as session:
        info.update(queue.counts(session))
    return info
