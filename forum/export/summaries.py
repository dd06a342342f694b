"""What each request asks, in plain text for every export: the first paragraph of its opening post,
Markdown rendered (forum.markup) then stripped of its tags, bounded at a word; and the text of notes and answers
so spreadsheets never carry raw Markdown. For a frozen livrable the opening post is read as it stood
when the livrable was frozen (its revisions), so a later edit does not change the livrable."""
from __future__ import annotations

import re
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import func, select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Post, PostRevision

SUMMARY_LENGTH = 300
# The end of the first block of rendered Markdown (a paragraph, a list, a quote, a heading…).
_BLOCK_END = re.compile(r"</(?:p|ul|ol|blockquote|pre|h[1-6]|table)>")
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|div|h[1-6]|tr|td|th|pre|blockquote|table|hr)\b[^>]*>")


def text_of(fragment: str | None) -> str:
    """Sanitised HTML (render_markdown's output) as one line of text: tags stripped, entities decoded,
    spaces collapsed, blocks kept apart. markupsafe's striptags, not a bleach pass (forum.markup
    .plain_text): 0.01 ms instead of 0.4 ms a request, i.e. 0.03 s instead of 1 s for 2,500."""
    return Markup(_BLOCK_TAG.sub(" ", str(fragment or ""))).striptags()


def markdown_text(source: str | None) -> str | None:
    """Markdown source (a note, an official answer) as plain text; None when nothing is left."""
    return text_of(render_markdown(source)) or None if source else None


def bounded(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """`text` cut at the last word boundary before `limit` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


def summary_of(body_html: str | None, limit: int = SUMMARY_LENGTH) -> str:
    """The first block of the post that holds text, as bounded plain text."""
    rest = str(body_html or "")
    while rest:
        end = _BLOCK_END.search(rest)
        block, rest = (rest[:end.end()], rest[end.end():]) if end else (rest, "")
        text = text_of(block)
        if text:
            return bounded(text, limit)
    return ""


def summaries(thread_ids: list[int], at: datetime | None = None) -> dict[int, str]:
    """Summary of each request's opening post (now, or as it stood at `at`), one query per 500
    (plus one for the revisions when `at` is given)."""
    bodies: dict[int, str] = {}
    posts: dict[int, int] = {}
    for start in range(0, len(thread_ids), 500):
        chunk = thread_ids[start:start + 500]
        for post_id, thread_id, body in db.session.execute(
                select(Post.id, Post.thread_id, Post.body_html).where(Post.thread_id.in_(chunk), Post.is_first)):
            bodies[thread_id], posts[post_id] = str(body or ""), thread_id
    if at is not None and posts:
        for thread_id, source in _sources_at(posts, at).items():
            bodies[thread_id] = str(render_markdown(source))
    return {thread_id: summary_of(body) for thread_id, body in bodies.items()}


def _sources_at(posts: dict[int, int], at: datetime) -> dict[int, str]:
    """Thread id → body source of its opening post at `at`, for posts edited since: a revision
    holds the text before its edit, so the first revision made after `at` is the text at `at`."""
    ids = list(posts)
    result: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        first_after = (select(func.min(PostRevision.id)).where(PostRevision.post_id.in_(chunk),
                                                               PostRevision.edited_at > at)
                       .group_by(PostRevision.post_id))
        for post_id, source in db.session.execute(select(PostRevision.post_id, PostRevision.body_source)
                                                  .where(PostRevision.id.in_(first_after))):
            result[posts[post_id]] = source
    return result
