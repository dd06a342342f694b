"""Search: the only package that imports whoosh. Interface used by the rest of the app.

- init_app(app): register the after-commit hook that applies queued index updates.
- apply_pending(): apply the durable queue of index updates (forum.models.IndexTask).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Placeholder until the search issue lands: nothing is indexed yet."""


def apply_pending() -> int:
    return 0


def similar_requests(board_id: int, text: str, limit: int = 5) -> list:
    """Open requests of the board most similar to `text` (duplicate hint)."""
    return []
