"""What a board's Atom feeds carry: its newest threads with their opening post, and its requests'
status changes. Public outputs: the same visibility rule as the pages (services.reading), for an
anonymous reader. Read-only."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from forum.extensions import db
from forum.models import Board, Post, StatusChange, Thread
from forum.services.reading import public_body_html, public_threads

# Shown instead of a withdrawn or hidden opening post, as on the thread page.
DELETED_POST_HTML = "<p><em>Message supprimé.</em></p>"


class FeedThread(NamedTuple):
    thread: Thread
    body_html: str  # the opening post, or DELETED_POST_HTML when nobody but moderators may read it


def new_threads(board: Board, limit: int) -> list[FeedThread]:
    """The board's newest readable threads, newest first, with their opening post when readable
    (a thread whose author withdrew only the opening post stays, as on its page). One query."""
    rows = db.session.execute(
        select(Thread, Post).join(Post, (Post.thread_id == Thread.id) & Post.is_first)
        .where(Thread.board_id == board.id, public_threads()).options(lazyload(Post.author))
        .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(limit)).all()
    return [FeedThread(thread, public_body_html(post) or DELETED_POST_HTML) for thread, post in rows]


def status_changes(board: Board, limit: int) -> list[tuple[StatusChange, Thread]]:
    """The latest status changes (and official answers) of the board's readable requests."""
    return list(db.session.execute(
        select(StatusChange, Thread).join(Thread, Thread.id == StatusChange.thread_id)
        .where(Thread.board_id == board.id, public_threads())
        .order_by(StatusChange.id.desc()).limit(limit)).all())
