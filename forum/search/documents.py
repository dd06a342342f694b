"""What is searched: the neutral Document every backend indexes, built from the database.

Why one document per thread rather than one per post: results are threads, so counts and pages
come straight from the index with the filters inside the query (collapsing post documents makes
totals approximate); a change is one rewrite of one document; and the best excerpt is still
chosen among the posts at display time (forum.search.excerpts). The body holds the visible posts
in order, separated by POST_SEPARATOR. Deleted threads have no document; deleted posts are left
out of the body.

A document's kind is data: a thread is a question, a tip or a request, and the filters, the
index fields and the plan only ever read `kind` as a value. Another kind of document (a FAQ
entry…) is another builder of Documents, not another path through the backends.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from forum.models import Post, Thread, User

# Between two posts in the stored body (an ASCII record separator: never a word character).
POST_SEPARATOR = "\x1e"


@dataclass(frozen=True, slots=True)
class Document:
    """One searchable thing as the backends index it: text fields analysed in French (title
    above body above author), filter fields matched exactly, dates to sort by."""

    id: int
    kind: str
    board_id: int
    status: str | None
    title: str
    body: str
    author: str
    created_ms: int
    last_activity_ms: int


_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|div|h[1-6]|tr|td|th|pre|blockquote|table|hr)\b[^>]*>")


def plain_text(html: str) -> str:
    """Text of sanitised post HTML, for indexing and excerpts (Markdown marks removed, entities
    decoded, blocks kept apart so words of two paragraphs do not stick together)."""
    return Markup(_BLOCK_TAG.sub(" ", html)).striptags()


def _timestamp(value: datetime | None) -> int:
    """Milliseconds since the epoch (sortable)."""
    return int(value.timestamp() * 1000) if value else 0


def build_documents(session: Session, thread_ids: Iterable[int]) -> dict[int, Document | None]:
    """thread id -> its document, or None when it must not be in the index (deleted, missing).

    Two queries whatever the number of threads.
    """
    ids = sorted(set(thread_ids))
    docs: dict[int, Document | None] = dict.fromkeys(ids)
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
        docs[tid] = Document(
            id=tid, kind=thread.kind, board_id=thread.board_id, status=thread.status or None,
            title=thread.title, body=POST_SEPARATOR.join(bodies[tid]),
            author=author.public_name if author else "",
            created_ms=_timestamp(thread.created_at), last_activity_ms=_timestamp(thread.last_activity_at))
    return docs
