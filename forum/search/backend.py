"""The interface every search backend implements (forum.search.whoosh, forum.search.postgres).

A backend is a package whose module exposes these five functions; forum.search picks one by
SEARCH_BACKEND. What backends share lives beside this module: the plan they compile
(forum.search.plan), the documents they index (forum.search.documents), the queue they drain
(forum.search.queue), what they answer (forum.search.results).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from forum.search.plan import SearchPlan, SimilarPlan
from forum.search.results import Matches

Progress = Callable[[int, int], None]


class IndexUnavailable(Exception):
    """The index is missing or cannot be opened: an expected state (before the first rebuild),
    logged in one line while the database fallback answers."""


class SearchBackend(Protocol):
    def search(self, plan: SearchPlan) -> Matches:
        """The page of documents matching the plan, with its exact total. Raises on any index
        failure (the engine then answers from the database)."""

    def similar(self, plan: SimilarPlan) -> list[int]:
        """Ids of documents sharing words with the plan's text, most similar first (may hold
        more than plan.limit). Raises on any index failure."""

    def apply_pending(self) -> int:
        """Index the documents named by the durable queue; how many tasks were applied. Never raises."""

    def reindex(self, progress: Progress | None = None, batch: int = 500) -> int:
        """Rebuild every document from the database; how many. Raises queue.ReindexError."""

    def status(self) -> dict:
        """For `flask search status`: directory, generation, documents, error, threads, pending."""
