"""The PostgreSQL full-text backend (SEARCH_BACKEND=postgres): a table of the database, for
deployments with several application hosts, which cannot share one index directory.

The SearchBackend interface (forum.search.backend): queries in .queries, the table in .schema,
the queue, rebuilds and status in .updates. Matching follows the same plan as the Whoosh backend
(forum.search.plan), so both answer the relevance suite alike.
"""
from __future__ import annotations

from forum.search.postgres.queries import search, similar
from forum.search.postgres.updates import apply_pending, reindex, status

__all__ = ["apply_pending", "reindex", "search", "similar", "status"]
