"""The index schema and the documents built from the database: one document per visible thread.

Why one document per thread rather than one per post: results are threads, so counts and pages
come straight from Whoosh with the filters inside the query (collapsing post documents makes
totals approximate); a change is one delete-and-add of one document; and the best excerpt is
still chosen among the posts at display time (forum.search.excerpts). The body field holds the
visible posts in order, separated by POST_SEPARATOR. Deleted threads have no document; deleted
posts are left out of the body.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.fields import ID, NUMERIC, TEXT, Schema

from forum.models import Post, Thread, User
from forum.search.analysis import french_analyzer

# Between two posts in the stored body (an ASCII record separator: never a word character).
POST_SEPARATOR = "\x1e"
# Value of the status field for threads that are not requests.
NO_STATUS = "-"


def make_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        thread_id=ID(stored=True, unique=True),
        board=ID,
        kind=ID,
        status=ID,
        title=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        author=TEXT(analyzer=analyzer),
        created=NUMERIC(bits=64, sortable=True),
        last_activity=NUMERIC(bits=64, sortable=True),
    )


_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|div|h[1-6]|tr|td|th|pre|blockquote|table|hr)\b[^>]*>")


def plain_text(html: str) -> str:
    """Text of sanitised post HTML, for indexing and excerpts (Markdown marks removed, entities
    decoded, blocks kept apart so words of two paragraphs do not stick together)."""
    return Markup(_BLOCK_TAG.sub(" ", html)).striptags()


def _timestamp(value: datetime | None) -> int:
    """Milliseconds since the epoch (sortable)."""
    return int(value.timestamp() * 1000) if value else 0


def build_documents(session: Session, thread_ids: Iterable[int]) -> dict[int, dict | None]:
    """thread id -> its document, or None when it must not be in the index (deleted, missing).

    Two queries whatever the number of threads.
    """
    ids = sorted(set(thread_ids))
    docs: dict[int, dict | None] = dict.fromkeys(ids)
    if not ids:
        return docs
    threads = {t.id: t for t in session.scalars(
        select(Thread).where(Thread.id.in_(ids), Thread.deleted_at.is_(None)))}
    bodies: dict[int, list[str]] = {tid: [] for tid in threads}
    for thread_id, html in session.execute(
            select(Post.thread_id, Post.body_html)
            .where(Post.thread_id.in_(list(threads)), Post.deleted_at.is_(None))
            .order_by(Post.thread_id, Post.is_first.desc(), Post.id)):
        bodies[thread_id].append(plain_text(html))
    for tid, thread in threads.items():
        author: User | None = thread.author
        docs[tid] = {
            "thread_id": str(tid),
            "board": str(thread.board_id),
            "kind": thread.kind,
            "status": thread.status or NO_STATUS,
            "title": thread.title,
            "body": POST_SEPARATOR.join(bodies[tid]),
            "author": author.public_name if author else "",
            "created": _timestamp(thread.created_at),
            "last_activity": _timestamp(thread.last_activity_at),
        }
    return docs
